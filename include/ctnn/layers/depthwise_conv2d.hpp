// ctnn/layers/depthwise_conv2d.hpp: one KH x KW kernel per channel (channel multiplier 1).
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/emit/window.hpp>
#include <ctnn/error.hpp>
#include <ctnn/initializer.hpp>
#include <ctnn/layers/window2d.hpp>
#include <ctnn/padding.hpp>
#include <ctnn/shape.hpp>

namespace ctnn {

// Parameters: kernels as [KH][KW][C] (TensorFlow Lite's layout), then biases [C].
// PyTorch's equivalent is Conv2d(C, C, groups=C) with weight [C][1][KH][KW].
template <std::size_t KH, std::size_t KW, std::size_t Stride = 1, padding Pad = padding::valid>
struct depthwise_conv2d {
    static constexpr std::string_view name = "depthwise_conv2d";
    static constexpr unsigned long long signature_extra = Stride * 4 + static_cast<unsigned long long>(Pad) + 1;

    template <class In, std::size_t Position>
    struct bind {
        using window = detail::window2d<In, KH, KW, Stride, Pad>;
        static constexpr std::size_t height = window::height;
        static constexpr std::size_t width = window::width;
        static constexpr std::size_t channels = window::channels;
        using rows = typename window::rows;
        using cols = typename window::cols;

        struct requirements {
            static_assert(error::check<In::rank == 3, error::at_layer<Position>, error::expects_rank<3>, error::got_shape<In>>,
                          "ctnn::depthwise_conv2d needs a (height, width, channels) input: use ctnn::reshape to add a "
                          "channel dimension");
            static_assert(error::check<(KH != 0 && KW != 0), error::at_layer<Position>, error::got_shape<In>>,
                          "ctnn::depthwise_conv2d needs a kernel of at least 1x1");
            static_assert(error::check<Stride != 0, error::at_layer<Position>, error::got_shape<In>>,
                          "ctnn::depthwise_conv2d: stride must be at least 1");
            static_assert(error::check<Pad != padding::causal, error::at_layer<Position>, error::got_shape<In>>,
                          "ctnn::depthwise_conv2d: padding::causal is for sequences (ctnn::conv1d): use "
                          "padding::valid or padding::same");
            static_assert(error::check<Pad != padding::valid || (KH <= height && KW <= width), error::at_layer<Position>,
                                       error::got_shape<In>>,
                          "ctnn::depthwise_conv2d: the kernel is larger than the input: use a smaller kernel or "
                          "ctnn::padding::same");
        };

        using layer = depthwise_conv2d;
        using input_shape = In;
        using output_shape = shape<rows::output, cols::output, channels>;
        static constexpr std::size_t weight_count = KH * KW * channels;
        static constexpr std::size_t param_count = weight_count + channels;
        static constexpr std::size_t flops = 2 * output_shape::size * KH * KW;

        template <class T>
        static void initialize(T* params, random_generator& rng, initializer scheme) {
            draw_weights(params, weight_count, rng, scheme, KH * KW, KH * KW);
            std::fill(params + weight_count, params + param_count, T(0));
        }

        template <class T>
        static void forward(const T* params, const T* x, T* y, std::size_t batch) {
            const T* bias = params + weight_count;
            for (std::size_t s = 0; s < batch; ++s, x += In::size, y += output_shape::size)
                for (std::size_t oh = 0; oh < rows::output; ++oh)
                    for (std::size_t ow = 0; ow < cols::output; ++ow)
                        for (std::size_t c = 0; c < channels; ++c) {
                            T acc = bias[c];
                            window::for_each_tap(oh, ow, [&](std::size_t tap, std::size_t xo) {
                                acc += params[tap * channels + c] * x[xo + c];
                            });
                            y[(oh * cols::output + ow) * channels + c] = acc;
                        }
        }

        template <class T>
        static void backward(const T* params, const T* x, const T*, const T* dy, T* dx, T* dparams, std::size_t batch) {
            for (std::size_t s = 0; s < batch; ++s, x += In::size, dy += output_shape::size) {
                if (dx != nullptr) std::fill(dx, dx + In::size, T(0));
                for (std::size_t oh = 0; oh < rows::output; ++oh)
                    for (std::size_t ow = 0; ow < cols::output; ++ow)
                        for (std::size_t c = 0; c < channels; ++c) {
                            const T g = dy[(oh * cols::output + ow) * channels + c];
                            dparams[weight_count + c] += g;
                            window::for_each_tap(oh, ow, [&](std::size_t tap, std::size_t xo) {
                                const std::size_t wo = tap * channels + c;
                                dparams[wo] += g * x[xo + c];
                                if (dx != nullptr) dx[xo + c] += g * params[wo];
                            });
                        }
                if (dx != nullptr) dx += In::size;
            }
        }

        // Generated C (ctnn-gen), one sample: the loops above with the sizes as constants. When dx
        // is optional the weight gradients and dx get a loop nest each, which changes no sum's order.
        static constexpr emit::layer_traits emit_traits{.backward_reads_input = true};

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            c.line("const float *kernels = ", b.params, ";");
            c.line("const float *bias = kernels + ", weight_count, ";");
            c.line("const float *src = ", b.x, ";");
            c.line("float *dst = ", b.y, ";");
            c.open("for (size_t oh = 0; oh < ", rows::output, "; ++oh)");
            c.open("for (size_t ow = 0; ow < ", cols::output, "; ++ow)");
            c.open("for (size_t c = 0; c < ", channels, "; ++c)");
            c.line("float acc = bias[c];");
            emit::open_taps(c, emit_rows(), emit_cols());
            c.put("acc += kernels[(kh * ", KW, " + kw) * ", channels, " + c] * src[");
            emit::put_tap_offset(c, emit_rows(), emit_cols(), channels);
            c.line(" + c];");
            emit::close_taps(c);
            c.line("dst[(oh * ", cols::output, " + ow) * ", channels, " + c] = acc;");
            c.close();
            c.close();
            c.close();
        }

        template <emit::writer W>
        static void emit_backward(W& c, const emit::backward_buffers& b) {
            c.line("const float *src = ", b.x, ";");
            c.line("const float *g_out = ", b.dy, ";");
            c.line("float *g_kernels = ", b.dparams, ";");
            emit::emit_shared_nest_backward(c, b, In::size,
                                            [&](bool params, bool input) { emit_backward_nest(c, params, input); });
        }

        template <emit::writer W>
        static void emit_param_layout(W& c, std::size_t offset) {
            c.line("[", offset, ", ", offset + weight_count, ")  kernels[", KH, "][", KW, "][", channels,
                   "] (row, column, channel)");
            c.line("[", offset + weight_count, ", ", offset + param_count, ")  bias[", channels, "]");
        }

    private:
        static constexpr emit::window_axis emit_rows() { return window::emit_rows(); }
        static constexpr emit::window_axis emit_cols() { return window::emit_cols(); }
        template <emit::writer W>
        static void emit_backward_nest(W& c, bool param_gradients, bool input_gradient) {
            c.open("for (size_t oh = 0; oh < ", rows::output, "; ++oh)");
            c.open("for (size_t ow = 0; ow < ", cols::output, "; ++ow)");
            c.open("for (size_t c = 0; c < ", channels, "; ++c)");
            c.line("const float g = g_out[(oh * ", cols::output, " + ow) * ", channels, " + c];");
            if (param_gradients) c.line("g_kernels[", weight_count, " + c] += g;");
            emit::open_taps(c, emit_rows(), emit_cols());
            c.put("const size_t xo = ");
            emit::put_tap_offset(c, emit_rows(), emit_cols(), channels);
            c.line(" + c;");
            c.line("const size_t wo = (kh * ", KW, " + kw) * ", channels, " + c;");
            if (param_gradients) c.line("g_kernels[wo] += g * src[xo];");
            if (input_gradient) c.line("g_in[xo] += g * kernels[wo];");
            emit::close_taps(c);
            c.close();
            c.close();
            c.close();
        }
    };
};

}  // namespace ctnn
