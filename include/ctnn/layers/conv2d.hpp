// ctnn/layers/conv2d.hpp: 2-D convolution over channels-last (H, W, C) inputs.
#pragma once
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

// Parameters: kernels as [Filters][KH][KW][C] (TensorFlow Lite's OHWI), then biases [Filters].
// PyTorch's Conv2d weight is [Filters][C][KH][KW]: an importer permutes it once.
template <std::size_t Filters, std::size_t KH, std::size_t KW, std::size_t Stride = 1, padding Pad = padding::valid>
struct conv2d {
    static constexpr std::string_view name = "conv2d";
    static constexpr unsigned long long signature_extra = Stride * 4 + static_cast<unsigned long long>(Pad) + 1;

    template <class In, std::size_t Position>
    struct bind {
        using window = detail::window2d<In, KH, KW, Stride, Pad>;
        using rows = typename window::rows;
        using cols = typename window::cols;

        struct requirements {
            static_assert(error::check<In::rank == 3, error::at_layer<Position>, error::expects_rank<3>,
                                       error::got_shape<In>>,
                          "ctnn::conv2d needs a (height, width, channels) input: use ctnn::reshape to add "
                          "a channel dimension");
            static_assert(error::check<(Filters != 0 && KH != 0 && KW != 0), error::at_layer<Position>, error::got_shape<In>>,
                          "ctnn::conv2d needs at least one filter and a kernel of at least 1x1");
            static_assert(error::check<Stride != 0, error::at_layer<Position>, error::got_shape<In>>,
                          "ctnn::conv2d: stride must be at least 1");
            static_assert(error::check<Pad != padding::causal, error::at_layer<Position>, error::got_shape<In>>,
                          "ctnn::conv2d: padding::causal is for sequences (ctnn::conv1d): use padding::valid or "
                          "padding::same");
            static_assert(error::check<Pad != padding::valid || (KH <= In::dims[0] && KW <= In::dims[In::rank > 1 ? 1 : 0]),
                                       error::at_layer<Position>, error::got_shape<In>>,
                          "ctnn::conv2d: the kernel is larger than the input: use a smaller kernel or "
                          "ctnn::padding::same");
        };

        static constexpr std::size_t height = window::height;
        static constexpr std::size_t width = window::width;
        static constexpr std::size_t channels = window::channels;
        static constexpr std::size_t out_height = rows::output;
        static constexpr std::size_t out_width = cols::output;
        static constexpr std::size_t kernel_size = KH * KW * channels;

        using layer = conv2d;
        using input_shape = In;
        using output_shape = shape<out_height, out_width, Filters>;
        static constexpr std::size_t param_count = Filters * kernel_size + Filters;
        static constexpr std::size_t flops = 2 * out_height * out_width * Filters * kernel_size;

        template <class T>
        static void initialize(T* params, random_generator& rng, initializer scheme) {
            draw_weights(params, Filters * kernel_size, rng, scheme, kernel_size, KH * KW * Filters);
            for (std::size_t i = Filters * kernel_size; i < param_count; ++i) params[i] = T(0);
        }

        // Kernels transposed to [tap][channel][filter] (a stack copy of at most this many values)
        // put the filters innermost and contiguous, so one output pixel is a vector of sums over the
        // filters. Every sum keeps its order; larger layers run the same loops on the kernels as stored.
        static constexpr std::size_t transposed_limit = 2048;
        static constexpr bool filters_innermost = Filters * kernel_size <= transposed_limit;

        // True when the window at (oh, ow) lies wholly inside the input. The loops below then walk
        // its taps as window::for_each_tap does, in the same order, but without its tests and
        // lambda: through those GCC 12 kept a pixel's sums in memory (3x slower on M3's convolutions).
        static constexpr bool interior(std::size_t oh, std::size_t ow) {
            return oh * Stride >= rows::leading_padding && oh * Stride + KH <= rows::leading_padding + height &&
                   ow * Stride >= cols::leading_padding && ow * Stride + KW <= cols::leading_padding + width;
        }
        // Index of input (ih, iw, channel 0) under tap (0, 0) of an interior window.
        static constexpr std::size_t window_origin(std::size_t oh, std::size_t ow) {
            return ((oh * Stride - rows::leading_padding) * width + (ow * Stride - cols::leading_padding)) * channels;
        }

        // Output pixels of a row computed together where their windows are interior: their sums
        // are independent chains (one pixel's sum waits for each of its kernel_size additions).
        // Short sums overlap well enough alone: M3's 9-term first convolution measured slower
        // blocked (57 -> 70 us), its 72-term second one faster (150 -> 105 us).
        static constexpr std::size_t pixel_block = kernel_size >= 32 ? 4 : 1;

        // Pixels adjacent interior pixels (pixel_block, or 1), x0 at the first one's window origin.
        template <std::size_t Pixels, class T>
        static void forward_interior(const T (&kernels)[kernel_size][Filters], const T* bias, const T* x0, T* out) {
            T acc[Pixels][Filters];
            for (std::size_t p = 0; p < Pixels; ++p)
                for (std::size_t f = 0; f < Filters; ++f) acc[p][f] = bias[f];
            for (std::size_t kh = 0; kh < KH; ++kh)
                for (std::size_t kw = 0; kw < KW; ++kw)
                    for (std::size_t c = 0; c < channels; ++c) {
                        const T* wc = kernels[(kh * KW + kw) * channels + c];
#pragma GCC unroll 4
                        for (std::size_t p = 0; p < Pixels; ++p) {
                            const T xc = x0[(kh * width + kw + p * Stride) * channels + c];
#pragma GCC unroll 1
                            for (std::size_t f = 0; f < Filters; ++f) acc[p][f] += wc[f] * xc;
                        }
                    }
            for (std::size_t p = 0; p < Pixels; ++p)
                for (std::size_t f = 0; f < Filters; ++f) out[p * Filters + f] = acc[p][f];
        }

        // Bias first, then kernel rows, columns and channels in order; taps in the padding are skipped.
        template <class T>
        static void forward(const T* params, const T* x, T* y, std::size_t batch) {
            const T* bias = params + Filters * kernel_size;
            if constexpr (filters_innermost) {
                T kernels[kernel_size][Filters];
                for (std::size_t f = 0; f < Filters; ++f)
                    for (std::size_t k = 0; k < kernel_size; ++k) kernels[k][f] = params[f * kernel_size + k];
                for (std::size_t s = 0; s < batch; ++s, x += In::size, y += output_shape::size)
                    for (std::size_t oh = 0; oh < out_height; ++oh)
                        for (std::size_t ow = 0; ow < out_width; ++ow) {
                            T* out = y + (oh * out_width + ow) * Filters;
                            if (pixel_block > 1 && ow + pixel_block <= out_width && interior(oh, ow) &&
                                interior(oh, ow + pixel_block - 1)) {
                                forward_interior<pixel_block>(kernels, bias, x + window_origin(oh, ow), out);
                                ow += pixel_block - 1;
                                continue;
                            }
                            if (interior(oh, ow)) {
                                forward_interior<1>(kernels, bias, x + window_origin(oh, ow), out);
                                continue;
                            }
                            T acc[Filters];
                            for (std::size_t f = 0; f < Filters; ++f) acc[f] = bias[f];
                            window::for_each_tap(oh, ow, [&](std::size_t tap, std::size_t xo) {
                                for (std::size_t c = 0; c < channels; ++c) {
                                    const T* wc = kernels[tap * channels + c];
                                    const T xc = x[xo + c];
                                    // Unrolled first, GCC 12 no longer sees this loop as one vector.
#pragma GCC unroll 1
                                    for (std::size_t f = 0; f < Filters; ++f) acc[f] += wc[f] * xc;
                                }
                            });
                            for (std::size_t f = 0; f < Filters; ++f) out[f] = acc[f];
                        }
                return;
            }
            for (std::size_t s = 0; s < batch; ++s, x += In::size, y += output_shape::size) {
                for (std::size_t oh = 0; oh < out_height; ++oh)
                    for (std::size_t ow = 0; ow < out_width; ++ow)
                        for (std::size_t f = 0; f < Filters; ++f) {
                            const T* w = params + f * kernel_size;
                            T acc = bias[f];
                            window::for_each_tap(oh, ow, [&](std::size_t tap, std::size_t xo) {
                                const T* wp = w + tap * channels;
                                for (std::size_t c = 0; c < channels; ++c) acc += wp[c] * x[xo + c];
                            });
                            y[(oh * out_width + ow) * Filters + f] = acc;
                        }
            }
        }

        // Each gradient adds its terms in the order of the loop over samples, output pixels,
        // filters, taps and channels; the kernel gradients and dL/dx are separate nests.
        template <class T>
        static void backward(const T* params, const T* x, const T*, const T* dy, T* dx, T* dparams, std::size_t batch) {
            T* dbias = dparams + Filters * kernel_size;
            if constexpr (filters_innermost) {
                T dkernels[kernel_size][Filters];
                for (std::size_t f = 0; f < Filters; ++f)
                    for (std::size_t k = 0; k < kernel_size; ++k) dkernels[k][f] = dparams[f * kernel_size + k];
                const T* xs = x;
                const T* dys = dy;
                for (std::size_t s = 0; s < batch; ++s, xs += In::size, dys += output_shape::size)
                    for (std::size_t oh = 0; oh < out_height; ++oh)
                        for (std::size_t ow = 0; ow < out_width; ++ow) {
                            const T* g = dys + (oh * out_width + ow) * Filters;
                            for (std::size_t f = 0; f < Filters; ++f) dbias[f] += g[f];
                            const auto add_tap = [&](std::size_t tap, std::size_t xo) {
                                for (std::size_t c = 0; c < channels; ++c) {
                                    T* dk = dkernels[tap * channels + c];
                                    const T xc = xs[xo + c];
#pragma GCC unroll 1
                                    for (std::size_t f = 0; f < Filters; ++f) dk[f] += g[f] * xc;
                                }
                            };
                            if (interior(oh, ow)) {
                                const std::size_t origin = window_origin(oh, ow);
                                for (std::size_t kh = 0; kh < KH; ++kh)
                                    for (std::size_t kw = 0; kw < KW; ++kw)
                                        add_tap(kh * KW + kw, origin + (kh * width + kw) * channels);
                            } else {
                                window::for_each_tap(oh, ow, add_tap);
                            }
                        }
                for (std::size_t f = 0; f < Filters; ++f)
                    for (std::size_t k = 0; k < kernel_size; ++k) dparams[f * kernel_size + k] = dkernels[k][f];
                if (dx == nullptr) return;
                // One output pixel reaches an input value through one tap only, so adding the
                // filters innermost per tap keeps each dx's terms in the order above.
                for (std::size_t s = 0; s < batch; ++s, dy += output_shape::size, dx += In::size) {
                    for (std::size_t i = 0; i < In::size; ++i) dx[i] = T(0);
                    for (std::size_t oh = 0; oh < out_height; ++oh)
                        for (std::size_t ow = 0; ow < out_width; ++ow) {
                            const T* g = dy + (oh * out_width + ow) * Filters;
                            const auto add_tap = [&](std::size_t tap, std::size_t xo) {
                                T acc[channels];
                                for (std::size_t c = 0; c < channels; ++c) acc[c] = dx[xo + c];
                                for (std::size_t f = 0; f < Filters; ++f) {
                                    const T gf = g[f];
                                    const T* w = params + f * kernel_size + tap * channels;
#pragma GCC unroll 1
                                    for (std::size_t c = 0; c < channels; ++c) acc[c] += gf * w[c];
                                }
                                for (std::size_t c = 0; c < channels; ++c) dx[xo + c] = acc[c];
                            };
                            if (interior(oh, ow)) {
                                // A kernel row's taps are adjacent in dx and in each filter's kernel:
                                // one run of KW * channels values, each adding the filters in order.
                                constexpr std::size_t run = KW * channels;
                                T* dx0 = dx + window_origin(oh, ow);
                                for (std::size_t kh = 0; kh < KH; ++kh) {
                                    T* dxr = dx0 + kh * width * channels;
                                    T acc[run];
                                    for (std::size_t l = 0; l < run; ++l) acc[l] = dxr[l];
                                    for (std::size_t f = 0; f < Filters; ++f) {
                                        const T gf = g[f];
                                        const T* w = params + f * kernel_size + kh * run;
#pragma GCC unroll 1
                                        for (std::size_t l = 0; l < run; ++l) acc[l] += gf * w[l];
                                    }
                                    for (std::size_t l = 0; l < run; ++l) dxr[l] = acc[l];
                                }
                            } else {
                                window::for_each_tap(oh, ow, add_tap);
                            }
                        }
                }
                return;
            }
            for (std::size_t s = 0; s < batch; ++s, x += In::size, dy += output_shape::size) {
                if (dx != nullptr)
                    for (std::size_t i = 0; i < In::size; ++i) dx[i] = T(0);
                for (std::size_t oh = 0; oh < out_height; ++oh)
                    for (std::size_t ow = 0; ow < out_width; ++ow)
                        for (std::size_t f = 0; f < Filters; ++f) {
                            const T g = dy[(oh * out_width + ow) * Filters + f];
                            dbias[f] += g;
                            window::for_each_tap(oh, ow, [&](std::size_t tap, std::size_t xo) {
                                const std::size_t wo = f * kernel_size + tap * channels;
                                for (std::size_t c = 0; c < channels; ++c) {
                                    dparams[wo + c] += g * x[xo + c];
                                    if (dx != nullptr) dx[xo + c] += g * params[wo + c];
                                }
                            });
                        }
                if (dx != nullptr) dx += In::size;
            }
        }

        // Generated C (ctnn-gen), one sample: the loops above with the sizes as constants, the
        // transposed kernels included. When dx is optional the kernel gradients and dx of the
        // as-stored loops get a loop nest each, which changes no sum's order.
        static constexpr emit::layer_traits emit_traits{.backward_reads_input = true};

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            c.line("const float *kernels = ", b.params, ";");
            c.line("const float *bias = kernels + ", Filters * kernel_size, ";");
            c.line("const float *src = ", b.x, ";");
            c.line("float *dst = ", b.y, ";");
            if constexpr (filters_innermost) {
                emit_transpose(c, "float kernels_t", "kernels_t[k][f] = kernels[f * ");
                c.open("for (size_t oh = 0; oh < ", out_height, "; ++oh)");
                c.open("for (size_t ow = 0; ow < ", out_width, "; ++ow)");
                c.line("float acc[", Filters, "];");
                c.line("for (size_t f = 0; f < ", Filters, "; ++f) acc[f] = bias[f];");
                open_filters_taps(c, "const float *xp = src + ");
                c.line("const float *wc = kernels_t[tap * ", channels, " + c];");
                c.line("const float xc = xp[c];");
                c.line("#pragma GCC unroll 1");  // the header's: without it GCC 12 leaves the loop scalar
                c.line("for (size_t f = 0; f < ", Filters, "; ++f) acc[f] += wc[f] * xc;");
                c.close();
                emit::close_taps(c);
                c.line("float *out = dst + (oh * ", out_width, " + ow) * ", Filters, ";");
                c.line("for (size_t f = 0; f < ", Filters, "; ++f) out[f] = acc[f];");
                c.close();
                c.close();
                return;
            }
            c.open("for (size_t oh = 0; oh < ", out_height, "; ++oh)");
            c.open("for (size_t ow = 0; ow < ", out_width, "; ++ow)");
            c.open("for (size_t f = 0; f < ", Filters, "; ++f)");
            c.line("const float *w = kernels + f * ", kernel_size, ";");
            c.line("float acc = bias[f];");
            emit::open_taps(c, emit_rows(), emit_cols());
            c.put("const float *xp = src + ");
            emit::put_tap_offset(c, emit_rows(), emit_cols(), channels);
            c.line(";");
            c.line("const float *wp = w + (kh * ", KW, " + kw) * ", channels, ";");
            c.line("for (size_t c = 0; c < ", channels, "; ++c) acc += wp[c] * xp[c];");
            emit::close_taps(c);
            c.line("dst[(oh * ", out_width, " + ow) * ", Filters, " + f] = acc;");
            c.close();
            c.close();
            c.close();
        }

        template <emit::writer W>
        static void emit_backward(W& c, const emit::backward_buffers& b) {
            c.line("const float *src = ", b.x, ";");
            c.line("const float *g_out = ", b.dy, ";");
            c.line("float *g_kernels = ", b.dparams, ";");
            c.line("float *g_bias = g_kernels + ", Filters * kernel_size, ";");
            if constexpr (filters_innermost) {
                // The header's two nests: kernel gradients, then dL/dx.
                emit_transposed_kernel_gradients(c);
                if (b.dx_optional) c.open("if (", b.dx, " != NULL)");
                emit_backward_nest_setup(c, b);
                emit_transposed_input_gradient(c);
                if (b.dx_optional) c.close();
                return;
            }
            emit::emit_shared_nest_backward(
                c, b, [&](bool params, bool input) { emit_backward_nest(c, params, input); },
                [&] { emit_backward_nest_setup(c, b); });
        }

        template <emit::writer W>
        static void emit_param_layout(W& c, std::size_t offset) {
            c.line("[", offset, ", ", offset + Filters * kernel_size, ")  kernels[", Filters, "][", KH, "][", KW, "][",
                   channels, "] (filter, row, column, channel)");
            c.line("[", offset + Filters * kernel_size, ", ", offset + param_count, ")  bias[", Filters, "]");
        }

    private:
        static constexpr emit::window_axis emit_rows() { return window::emit_rows(); }
        static constexpr emit::window_axis emit_cols() { return window::emit_cols(); }
        template <emit::writer W>
        static void emit_backward_nest_setup(W& c, const emit::backward_buffers& b) {
            c.line("const float *kernels = ", b.params, ";");
            c.line("float *g_in = ", b.dx, ";");
            emit::zero_fill(c, "g_in", In::size);
        }
        // kernel_size x Filters array `declaration`, filled by `assignment` ("...[k][f] = src[f * ").
        template <emit::writer W>
        static void emit_transpose(W& c, std::string_view declaration, std::string_view assignment) {
            c.line(declaration, "[", kernel_size, "][", Filters, "];");
            c.open("for (size_t f = 0; f < ", Filters, "; ++f)");
            c.line("for (size_t k = 0; k < ", kernel_size, "; ++k) ", assignment, kernel_size, " + k];");
            c.close();
        }
        // The taps of the window at (oh, ow), then the loop over channels; `input` names the
        // tap's input pointer (its offset follows), and tap is kh * KW + kw as for_each_tap's.
        template <emit::writer W>
        static void open_filters_taps(W& c, std::string_view input) {
            emit::open_taps(c, emit_rows(), emit_cols());
            c.put(input);
            emit::put_tap_offset(c, emit_rows(), emit_cols(), channels);
            c.line(";");
            c.line("const size_t tap = kh * ", KW, " + kw;");
            c.open("for (size_t c = 0; c < ", channels, "; ++c)");
        }
        template <emit::writer W>
        static void emit_transposed_kernel_gradients(W& c) {
            c.open("");
            emit_transpose(c, "float g_kernels_t", "g_kernels_t[k][f] = g_kernels[f * ");
            c.open("for (size_t oh = 0; oh < ", out_height, "; ++oh)");
            c.open("for (size_t ow = 0; ow < ", out_width, "; ++ow)");
            c.line("const float *g = g_out + (oh * ", out_width, " + ow) * ", Filters, ";");
            c.line("for (size_t f = 0; f < ", Filters, "; ++f) g_bias[f] += g[f];");
            open_filters_taps(c, "const float *xp = src + ");
            c.line("float *dk = g_kernels_t[tap * ", channels, " + c];");
            c.line("const float xc = xp[c];");
            c.line("#pragma GCC unroll 1");
            c.line("for (size_t f = 0; f < ", Filters, "; ++f) dk[f] += g[f] * xc;");
            c.close();
            emit::close_taps(c);
            c.close();
            c.close();
            c.open("for (size_t f = 0; f < ", Filters, "; ++f)");
            c.line("for (size_t k = 0; k < ", kernel_size, "; ++k) g_kernels[f * ", kernel_size,
                   " + k] = g_kernels_t[k][f];");
            c.close();
            c.close();
        }
        template <emit::writer W>
        static void emit_transposed_input_gradient(W& c) {
            c.open("for (size_t oh = 0; oh < ", out_height, "; ++oh)");
            c.open("for (size_t ow = 0; ow < ", out_width, "; ++ow)");
            c.line("const float *g = g_out + (oh * ", out_width, " + ow) * ", Filters, ";");
            emit::open_taps(c, emit_rows(), emit_cols());
            c.put("float *dxp = g_in + ");
            emit::put_tap_offset(c, emit_rows(), emit_cols(), channels);
            c.line(";");
            c.line("const size_t tap = kh * ", KW, " + kw;");
            c.line("float acc[", channels, "];");
            c.line("for (size_t c = 0; c < ", channels, "; ++c) acc[c] = dxp[c];");
            c.open("for (size_t f = 0; f < ", Filters, "; ++f)");
            c.line("const float gf = g[f];");
            c.line("const float *w = kernels + f * ", kernel_size, " + tap * ", channels, ";");
            c.line("#pragma GCC unroll 1");
            c.line("for (size_t c = 0; c < ", channels, "; ++c) acc[c] += gf * w[c];");
            c.close();
            c.line("for (size_t c = 0; c < ", channels, "; ++c) dxp[c] = acc[c];");
            emit::close_taps(c);
            c.close();
            c.close();
        }
        template <emit::writer W>
        static void emit_backward_nest(W& c, bool param_gradients, bool input_gradient) {
            c.open("for (size_t oh = 0; oh < ", out_height, "; ++oh)");
            c.open("for (size_t ow = 0; ow < ", out_width, "; ++ow)");
            c.open("for (size_t f = 0; f < ", Filters, "; ++f)");
            c.line("const float g = g_out[(oh * ", out_width, " + ow) * ", Filters, " + f];");
            if (param_gradients) c.line("g_bias[f] += g;");
            emit::open_taps(c, emit_rows(), emit_cols());
            c.put("const size_t xo = ");
            emit::put_tap_offset(c, emit_rows(), emit_cols(), channels);
            c.line(";");
            c.line("const size_t wo = f * ", kernel_size, " + (kh * ", KW, " + kw) * ", channels, ";");
            c.open("for (size_t c = 0; c < ", channels, "; ++c)");
            if (param_gradients) c.line("g_kernels[wo + c] += g * src[xo + c];");
            if (input_gradient) c.line("g_in[xo + c] += g * kernels[wo + c];");
            c.close();
            emit::close_taps(c);
            c.close();
            c.close();
            c.close();
        }
    };
};

}  // namespace ctnn
