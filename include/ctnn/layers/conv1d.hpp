// ctnn/layers/conv1d.hpp: 1-D convolution over time-major, channels-last (steps, channels) inputs,
// with strides, dilated kernels and causal padding; causal, stride-1 layers also run as a stream.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/emit/window.hpp>
#include <ctnn/error.hpp>
#include <ctnn/initializer.hpp>
#include <ctnn/padding.hpp>
#include <ctnn/shape.hpp>

namespace ctnn {

// Parameters: kernels as [Filters][Kernel][C] (tap-major, channels last, as conv2d's [F][KH][KW][C]),
// then biases [Filters]. PyTorch's nn.Conv1d weight is [Filters][C][Kernel]: an importer permutes it.
// Tap k of output t reads input row t * Stride + k * Dilation (in padded coordinates).
//
// Streaming: with padding::causal and stride 1, output t depends on input rows t - (Kernel-1)*Dilation
// .. t only. step() continues a stream whose last (Kernel-1)*Dilation input rows are kept in a
// caller-owned state of state_size values, rows oldest first: a sequence fed to step() in pieces of any
// length, from a zero state, gives the bits forward() gives for the whole sequence. A NaN or infinite
// input is no error: the outputs whose taps read it (Kernel of the next (Kernel-1)*Dilation + 1 steps)
// become NaN or infinite, and then it leaves the history. Zero the state to reset the stream; copy it
// to save and restore.
template <std::size_t Filters, std::size_t Kernel, std::size_t Stride = 1, std::size_t Dilation = 1,
          padding Pad = padding::valid>
struct conv1d {
    static constexpr std::string_view name = "conv1d";
    static constexpr unsigned long long signature_extra =
        (static_cast<unsigned long long>(Dilation) << 32) + Stride * 4 + static_cast<unsigned long long>(Pad) + 1;

    template <class In, std::size_t Position>
    struct bind {
        static constexpr std::size_t steps = In::dims[0];
        static constexpr std::size_t channels = In::rank == 2 ? In::dims[1] : 1;
        // Input rows one output reaches over: Kernel taps, Dilation rows apart.
        static constexpr std::size_t span = Kernel == 0 ? 0 : (Kernel - 1) * Dilation + 1;
        using axis = spatial_axis<steps, span, Stride, Pad>;

        struct requirements {
            static_assert(error::check<In::rank == 2, error::at_layer<Position>, error::expects_rank<2>,
                                       error::got_shape<In>>,
                          "ctnn::conv1d needs a (steps, channels) input: use ctnn::reshape, e.g. "
                          "ctnn::reshape<Steps, 1> for a single channel");
            static_assert(error::check<(Filters != 0 && Kernel != 0), error::at_layer<Position>, error::got_shape<In>>,
                          "ctnn::conv1d needs at least one filter and a kernel of at least 1 tap");
            static_assert(error::check<(Stride != 0 && Dilation != 0), error::at_layer<Position>, error::got_shape<In>>,
                          "ctnn::conv1d: stride and dilation must be at least 1");
            static_assert(error::check<Pad != padding::valid || span <= steps, error::at_layer<Position>,
                                       error::got_shape<In>>,
                          "ctnn::conv1d: the kernel, (Kernel - 1) * Dilation + 1 rows with its dilation, is longer "
                          "than the input: use a smaller kernel or dilation, or ctnn::padding::same or "
                          "ctnn::padding::causal");
        };

        static constexpr std::size_t out_steps = axis::output;
        static constexpr std::size_t leading = axis::leading_padding;
        static constexpr std::size_t kernel_size = Kernel * channels;
        // Causal padding stands for the rows before the sequence: zeros, or a stream's history.
        static constexpr std::size_t history_rows = Pad == padding::causal ? leading : 0;

        using layer = conv1d;
        using input_shape = In;
        using output_shape = shape<out_steps, Filters>;
        static constexpr std::size_t param_count = Filters * kernel_size + Filters;
        static constexpr std::size_t flops = 2 * out_steps * Filters * kernel_size;
        static constexpr bool time_local = false;

        // The streaming protocol: step() and state_size, when the layer can run a step at a time.
        static constexpr bool streamable = Pad == padding::causal && Stride == 1;
        static constexpr std::size_t state_size = streamable ? history_rows * channels : 0;

        template <class T>
        static void initialize(T* params, random_generator& rng, initializer scheme) {
            draw_weights(params, Filters * kernel_size, rng, scheme, kernel_size, Kernel * Filters);
            std::fill(params + Filters * kernel_size, params + param_count, T(0));
        }

        template <class T>
        static void forward(const T* params, const T* x, T* y, std::size_t batch) {
            for (std::size_t s = 0; s < batch; ++s, x += In::size, y += output_shape::size)
                convolve(params, static_cast<const T*>(nullptr), x, y);
        }

        // The bound input's rows as the continuation of the stream whose last history_rows input
        // rows are in `state`; then `state` keeps the last history_rows rows of history and x.
        template <class T>
        static void step(const T* params, const T* x, T* y, T* state) {
            static_assert(streamable && sizeof(T) != 0, "ctnn::conv1d streams only with padding::causal and stride 1");
            convolve(params, static_cast<const T*>(state), x, y);
            if constexpr (state_size == 0) {
                return;
            } else if constexpr (steps >= history_rows) {
                std::copy(x + (steps - history_rows) * channels, x + In::size, state);
            } else {
                std::copy(state + In::size, state + state_size, state);
                std::copy(x, x + In::size, state + (state_size - In::size));
            }
        }

        // Parameter gradients accumulate (+=); dx is overwritten, and skipped when null. Taps in the
        // padding are skipped: their input is a constant zero (or another call's history).
        template <class T>
        static void backward(const T* params, const T* x, const T*, const T* dy, T* dx, T* dparams, std::size_t batch) {
            T* dbias = dparams + Filters * kernel_size;
            for (std::size_t s = 0; s < batch; ++s, x += In::size, dy += output_shape::size) {
                if (dx != nullptr) std::fill(dx, dx + In::size, T(0));
                for (std::size_t t = 0; t < out_steps; ++t)
                    for (std::size_t f = 0; f < Filters; ++f) {
                        const T g = dy[t * Filters + f];
                        dbias[f] += g;
                        for (std::size_t k = 0; k < Kernel; ++k) {
                            const std::size_t pos = t * Stride + k * Dilation;
                            if (axis::in_padding(pos)) continue;
                            const std::size_t xo = (pos - leading) * channels;
                            const std::size_t wo = f * kernel_size + k * channels;
                            for (std::size_t c = 0; c < channels; ++c) {
                                dparams[wo + c] += g * x[xo + c];
                                if (dx != nullptr) dx[xo + c] += g * params[wo + c];
                            }
                        }
                    }
                if (dx != nullptr) dx += In::size;
            }
        }

        // Generated C (ctnn-gen), one sample: the loops above with the sizes as constants. With
        // b.state set, forward is step(): the history comes from the state, which is then updated.
        static constexpr emit::layer_traits emit_traits{.backward_reads_input = true};

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            if (!b.state.empty() && !streamable) {
                // The generator refuses to stream such a model first; this keeps a mistake loud.
                c.line("#error \"ctnn::conv1d streams only with padding::causal and stride 1\"");
                return;
            }
            const bool stream = !b.state.empty() && state_size > 0;
            c.line("const float *kernels = ", b.params, ";");
            c.line("const float *bias = kernels + ", Filters * kernel_size, ";");
            c.line("const float *src = ", b.x, ";");
            c.line("float *dst = ", b.y, ";");
            if (stream) c.line("float *history = ", b.state, ";");
            c.open("for (size_t t = 0; t < ", out_steps, "; ++t)");
            c.open("for (size_t f = 0; f < ", Filters, "; ++f)");
            c.line("const float *w = kernels + f * ", kernel_size, ";");
            c.line("float acc = bias[f];");
            c.open("for (size_t k = 0; k < ", Kernel, "; ++k)");
            c.line("const float *wp = w + k * ", channels, ";");
            c.line("const size_t pos = t * ", Stride, " + k * ", Dilation, ";");
            if constexpr (history_rows > 0) {
                c.open("if (pos < ", history_rows, ")");
                if (stream) {
                    c.line("const float *hp = history + pos * ", channels, ";");
                    c.line("for (size_t c = 0; c < ", channels, "; ++c) acc += wp[c] * hp[c];");
                } else {
                    c.line("for (size_t c = 0; c < ", channels, "; ++c) acc += wp[c] * 0.0f;");
                }
                c.line("continue;");
                c.close();
            }
            emit_skip_padding(c);
            c.put("const float *xp = src + ");
            emit_put_row(c);
            c.line(" * ", channels, ";");
            c.line("for (size_t c = 0; c < ", channels, "; ++c) acc += wp[c] * xp[c];");
            c.close();
            c.line("dst[t * ", Filters, " + f] = acc;");
            c.close();
            c.close();
            if (stream) emit_update_history(c);
        }

        template <emit::writer W>
        static void emit_backward(W& c, const emit::backward_buffers& b) {
            c.line("const float *src = ", b.x, ";");
            c.line("const float *g_out = ", b.dy, ";");
            c.line("float *g_kernels = ", b.dparams, ";");
            c.line("float *g_bias = g_kernels + ", Filters * kernel_size, ";");
            emit::emit_shared_nest_backward(c, b, In::size,
                                            [&](bool params, bool input) { emit_backward_nest(c, params, input); });
        }

        template <emit::writer W>
        static void emit_param_layout(W& c, std::size_t offset) {
            c.line("[", offset, ", ", offset + Filters * kernel_size, ")  kernels[", Filters, "][", Kernel, "][",
                   channels, "] (filter, tap, channel); PyTorch's Conv1d weight is [filter][channel][tap]");
            c.line("[", offset + Filters * kernel_size, ", ", offset + param_count, ")  bias[", Filters, "]");
        }

    private:
        // The bias first, then the taps in order, channels innermost; generated C keeps this order.
        // Causal padding is multiplied like history rather than skipped: a skipped tap and a tap
        // times 0 differ in the last bit for a -0 bias or an infinite weight, and forward must give
        // step()'s bits. history == nullptr: zeros.
        template <class T>
        static void convolve(const T* params, const T* history, const T* x, T* y) {
            const T* bias = params + Filters * kernel_size;
            for (std::size_t t = 0; t < out_steps; ++t)
                for (std::size_t f = 0; f < Filters; ++f) {
                    const T* w = params + f * kernel_size;
                    T acc = bias[f];
                    for (std::size_t k = 0; k < Kernel; ++k) {
                        const T* wp = w + k * channels;
                        const std::size_t pos = t * Stride + k * Dilation;
                        if constexpr (history_rows > 0) {
                            if (pos < history_rows) {
                                for (std::size_t c = 0; c < channels; ++c)
                                    acc += wp[c] * (history == nullptr ? T(0) : history[pos * channels + c]);
                                continue;
                            }
                        }
                        if (axis::in_padding(pos)) continue;
                        const T* xp = x + (pos - leading) * channels;
                        for (std::size_t c = 0; c < channels; ++c) acc += wp[c] * xp[c];
                    }
                    y[t * Filters + f] = acc;
                }
        }

        static constexpr emit::window_axis emit_axis() { return {steps, span, Stride, leading, out_steps}; }

        // `continue` for taps in same padding (causal padding is handled before); nothing where no
        // tap can fall outside the input.
        template <emit::writer W>
        static void emit_skip_padding(W& c) {
            constexpr std::size_t skipped_lead = leading - history_rows;
            const bool past_end = emit_axis().may_pass_end();
            if (skipped_lead > 0 && past_end)
                c.line("if (pos < ", leading, " || pos - ", leading, " >= ", steps, ") continue;");
            else if (skipped_lead > 0)
                c.line("if (pos < ", leading, ") continue;");
            else if (past_end)
                c.line("if (pos >= ", steps + leading, ") continue;");
        }

        // Puts the input row of padded row pos.
        template <emit::writer W>
        static void emit_put_row(W& c) {
            if (leading > 0)
                c.put("(pos - ", leading, ")");
            else
                c.put("pos");
        }

        // The state keeps the last history_rows rows of (history, input), oldest first.
        template <emit::writer W>
        static void emit_update_history(W& c) {
            if constexpr (steps >= history_rows) {
                emit_copy(c, 0, "src", (steps - history_rows) * channels, state_size);
            } else {
                emit_copy(c, 0, "history", In::size, state_size - In::size);
                emit_copy(c, state_size - In::size, "src", 0, In::size);
            }
        }
        // history[to_offset + i] = from[from_offset + i] for i < count, in increasing i (so that the
        // history may shift down over itself). Through a volatile pointer, like emit::zero_fill:
        // compilers turn a copy loop into a call to memmove, which is not in libm.
        template <emit::writer W>
        static void emit_copy(W& c, std::size_t to_offset, std::string_view from, std::size_t from_offset,
                              std::size_t count) {
            c.open("");
            c.line("volatile float *to = history + ", to_offset, ";");
            c.line("const float *from = ", from, " + ", from_offset, ";");
            c.line("for (size_t i = 0; i < ", count, "; ++i) to[i] = from[i];");
            c.close();
        }

        template <emit::writer W>
        static void emit_backward_nest(W& c, bool param_gradients, bool input_gradient) {
            c.open("for (size_t t = 0; t < ", out_steps, "; ++t)");
            c.open("for (size_t f = 0; f < ", Filters, "; ++f)");
            c.line("const float g = g_out[t * ", Filters, " + f];");
            if (param_gradients) c.line("g_bias[f] += g;");
            c.open("for (size_t k = 0; k < ", Kernel, "; ++k)");
            c.line("const size_t pos = t * ", Stride, " + k * ", Dilation, ";");
            if constexpr (history_rows > 0) c.line("if (pos < ", history_rows, ") continue;");
            emit_skip_padding(c);
            c.put("const size_t xo = ");
            emit_put_row(c);
            c.line(" * ", channels, ";");
            c.line("const size_t wo = f * ", kernel_size, " + k * ", channels, ";");
            c.open("for (size_t c = 0; c < ", channels, "; ++c)");
            if (param_gradients) c.line("g_kernels[wo + c] += g * src[xo + c];");
            if (input_gradient) c.line("g_in[xo + c] += g * kernels[wo + c];");
            c.close();
            c.close();
            c.close();
            c.close();
        }
    };
};

}  // namespace ctnn
