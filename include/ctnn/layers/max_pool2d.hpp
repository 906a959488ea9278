// ctnn/layers/max_pool2d.hpp: the largest value of each window, per channel.
#pragma once
#include <cstddef>
#include <string_view>
#include <type_traits>

#include <ctnn/emit/c.hpp>
#include <ctnn/emit/window.hpp>
#include <ctnn/fused_activation.hpp>
#include <ctnn/layers/pool2d.hpp>
#include <ctnn/sample_lanes.hpp>
#include <ctnn/target_vector.hpp>

namespace ctnn {

template <std::size_t Size, std::size_t Stride = Size, padding Pad = padding::valid>
struct max_pool2d {
    static constexpr std::string_view name = "max_pool2d";
    static constexpr unsigned long long signature_extra = (Size << 16) + Stride * 4 + static_cast<unsigned long long>(Pad);

    template <class In, std::size_t Position>
    struct bind : detail::pool2d_geometry<In, Position, Size, Stride, Pad> {
        using geometry = detail::pool2d_geometry<In, Position, Size, Stride, Pad>;
        using layer = max_pool2d;
        using typename geometry::output_shape;

        using geometry::channels, geometry::whole_windows, geometry::tap_offset, geometry::window_origin,
            geometry::windows_tile;
        static constexpr std::size_t taps = Size * Size;

        // The input offsets (channel 0) of the in-bounds taps of window (oh, ow), in scan order.
        static std::size_t window_taps(std::size_t oh, std::size_t ow, std::size_t (&offsets)[taps]) {
            std::size_t count = 0;
            geometry::for_each_tap(oh, ow, [&](std::size_t tap) { offsets[count++] = tap; });
            return count;
        }

        // The largest value of each channel in window (oh, ow); on ties and NaN the first in scan
        // order wins (strict >), as in PyTorch. All channels of a window at once, without branches:
        // one unpredictable branch per tap and channel made pooling cost more than a small CNN's
        // convolutions.
        template <class T>
        static void window_max(const T* x, std::size_t oh, std::size_t ow, T (&value)[channels]) {
            std::size_t offsets[taps];
            const std::size_t count = window_taps(oh, ow, offsets);
            for (std::size_t c = 0; c < channels; ++c) value[c] = x[offsets[0] + c];
            for (std::size_t t = 1; t < count; ++t)
                for (std::size_t c = 0; c < channels; ++c) {
                    const T candidate = x[offsets[t] + c];
                    value[c] = candidate > value[c] ? candidate : value[c];
                }
        }

        // Out of line, as backward_activated.
        template <class T>
        [[gnu::noinline]] static void forward(const T*, const T* x, T* y, std::size_t batch) {
            for (std::size_t s = 0; s < batch; ++s, x += In::size, y += output_shape::size)
                for (std::size_t oh = 0; oh < output_shape::dims[0]; ++oh)
                    for (std::size_t ow = 0; ow < output_shape::dims[1]; ++ow) {
                        T value[channels];
                        if constexpr (whole_windows) {
                            const T* window = x + window_origin(oh, ow);
                            for (std::size_t c = 0; c < channels; ++c) value[c] = window[c];
#pragma GCC unroll 16
                            for (std::size_t t = 1; t < taps; ++t)
                                for (std::size_t c = 0; c < channels; ++c) {
                                    const T candidate = window[tap_offset(t) + c];
                                    value[c] = candidate > value[c] ? candidate : value[c];
                                }
                        } else {
                            window_max(x, oh, ow, value);
                        }
                        T* out = y + (oh * output_shape::dims[1] + ow) * channels;
                        for (std::size_t c = 0; c < channels; ++c) out[c] = value[c];
                    }
        }

        // The gradient goes to the first maximum of each window in scan order, found again from
        // the forward output y: the first tap equal to it (when y is NaN, the first tap, which
        // the forward kept). All channels of a window at once, without branches: one unpredictable
        // branch per tap and channel cost more than M3's convolutions. A tap that is not the
        // maximum adds +0, which leaves dx's bits alone (dx starts at +0, so it is never -0).
        // Windows that tile the input (stride = size) reach each input once: its dx is written as
        // +0 plus its one term, the same bits, without a pass that zeroes dx first and reloads it
        // (M3's pools, batch 32: 53 -> 40 us and 22 -> 16 us).
        template <class T>
        static void backward(const T* params, const T* x, const T* y, const T* dy, T* dx, T* dparams,
                             std::size_t batch) {
            backward_activated<detail::no_activation>(params, x, y, dy, dx, dparams, batch);
        }

        // An activation whose derivative is 0 or 1 (relu) leaves +0 where the gradient is +0, so
        // with windows that tile the input only each window's maximum needs it: the derivative at
        // the maximum (the window's output) scales the value the window hands on, with the same
        // bits as the pass over dx (+0 plus the value, times the derivative), and the pass goes.
        // M3's step, batch 32: about -15 us.
        template <class Activation>
        static constexpr bool derivative_per_window =
            windows_tile && whole_windows && requires { requires Activation::derivative_is_zero_or_one; };

        // backward, each dL/dx value then multiplied by Activation::derivative of the input, as the
        // activation before this layer computes it (ctnn/fused_activation.hpp): once per window
        // where derivative_per_window says so, else in a pass over the sample's dx just written
        // (M3's first pool: 25 KB). In the windows' stores, GCC 12 -O3 stopped vectorising them
        // (M3 step 600 -> 800 us inlined; out of line too, 420 -> 540).
        // Out of line, as the dense kernels: inlined into M3's training step, GCC 12 -O3 shuffled
        // the windows' vectors apart and stored lanes one by one (the two pools' backward about
        // 120 us of a 540 us step; out of line 48 us, and the step 430 us).
        template <class Activation, class T>
        [[gnu::noinline]] static void backward_activated(const T*, const T* x, const T* y, const T* dy, T* dx, T*, std::size_t batch) {
            constexpr bool per_window = derivative_per_window<Activation>;
            constexpr bool activated = !std::is_same_v<Activation, detail::no_activation> && !per_window;
            if (dx == nullptr) return;
            for (std::size_t s = 0; s < batch; ++s, x += In::size, y += output_shape::size, dy += output_shape::size,
                             dx += In::size) {
                if constexpr (!windows_tile)
                    for (std::size_t i = 0; i < In::size; ++i) dx[i] = T(0);
                for (std::size_t oh = 0; oh < output_shape::dims[0]; ++oh)
                    for (std::size_t ow = 0; ow < output_shape::dims[1]; ++ow) {
                        const std::size_t o = (oh * output_shape::dims[1] + ow) * channels;
                        // Copies: GCC need not fear dx overwriting them.
                        T top[channels], pending[channels];
                        for (std::size_t c = 0; c < channels; ++c) {
                            top[c] = y[o + c];
                            pending[c] = dy[o + c];
                        }
                        if constexpr (per_window)
                            for (std::size_t c = 0; c < channels; ++c)
                                pending[c] = (T(0) + pending[c]) * Activation::derivative(T(0), top[c]);
#if defined(CTNN_NARROW_VECTORS)
                        if constexpr (vector_windows<T>)
                            window_backward_vectors<per_window>(x, dx, window_origin(oh, ow), top, pending);
                        else
#endif
                        if constexpr (whole_windows) {
                            const std::size_t origin = window_origin(oh, ow);
                            T value[taps][channels], share[taps][channels];
#pragma GCC unroll 16
                            for (std::size_t t = 0; t < taps; ++t)
                                for (std::size_t c = 0; c < channels; ++c)
                                    value[t][c] = x[origin + tap_offset(t) + c];
#pragma GCC unroll 16
                            for (std::size_t t = 0; t < taps; ++t)
                                for (std::size_t c = 0; c < channels; ++c) {
                                    const bool winner = value[t][c] == top[c] || (t == 0 && top[c] != top[c]);
                                    share[t][c] = per_window ? (winner ? pending[c] : T(0))
                                                             : T(0) + (winner ? pending[c] : T(0));
                                    pending[c] = winner ? T(0) : pending[c];
                                }
#pragma GCC unroll 16
                            for (std::size_t t = 0; t < taps; ++t)
                                for (std::size_t c = 0; c < channels; ++c) {
                                    T& out = dx[origin + tap_offset(t) + c];
                                    out = windows_tile ? share[t][c] : out + share[t][c];
                                }
                        } else {
                            window_backward(x, dx, oh, ow, top, pending);
                        }
                    }
                if constexpr (activated) apply_derivative<Activation>(dx, x);
            }
        }

        // Folded into the layer before (ctnn/fused_pool.hpp) -----------------------------------
        // Windows that tile the input whole can be pooled as the layer before computes its rows,
        // while they are in L1, so that the full-size input never goes to memory. That layer keeps
        // each window's choice instead: for each channel, the tap (0 to taps - 1, scan order, as a
        // T) whose value forward's strict > comparisons kept. It is the first tap equal to the
        // maximum, the one backward_activated finds again (tap 0 when the maximum is NaN).
        static constexpr bool foldable = whole_windows && windows_tile;
        static constexpr std::size_t window_rows = Size;

#if defined(CTNN_SAMPLE_LANES)
        // One row of windows from `band`, the Size input rows they cover, to y_row, and the choices
        // to choice_row unless it is null: sixteen channels per vector, forward's comparisons in
        // its order (so its maxima).
        static constexpr bool pools_bands = foldable && channels % detail::lanes::count == 0;
        static void pool_band(const float* band, float* y_row, float* choice_row)
            requires pools_bands
        {
            using detail::lanes::vec;
            for (std::size_t ow = 0; ow < output_shape::dims[1]; ++ow)
                for (std::size_t c = 0; c < channels; c += detail::lanes::count) {
                    const float* window = band + ow * Size * channels + c;
                    vec value = detail::lanes::load(window), choice{};
#pragma GCC unroll 16
                    for (std::size_t t = 1; t < taps; ++t) {
                        const vec candidate = detail::lanes::load(window + tap_offset(t));
                        const auto greater = candidate > value;
                        value = greater ? candidate : value;
                        choice = greater ? vec{} + float(t) : choice;
                    }
                    detail::lanes::store(y_row + ow * channels + c, value);
                    if (choice_row != nullptr) detail::lanes::store(choice_row + ow * channels + c, choice);
                }
        }
#endif

        // backward_activated from the choices instead of the input: the same values to the same
        // taps (+0 elsewhere), reading a quarter as much with 2 x 2 windows. A row of windows at a
        // time: the values they hand on, then each of the Size rows of dx they cover, tap by tap.
        // Out of line, as backward_activated.
        template <class Activation, class T>
            requires(foldable && derivative_per_window<Activation>)
        [[gnu::noinline]] static void backward_from_choices(const T* choices, const T* y, const T* dy, T* dx,
                                                            std::size_t batch) {
            constexpr std::size_t row = output_shape::dims[1] * channels;
            for (std::size_t r = 0; r < batch * output_shape::dims[0]; ++r, choices += row, y += row, dy += row) {
                T pending[row];
                window_gradients<Activation>(y, dy, pending);
                for (std::size_t ty = 0; ty < Size; ++ty, dx += geometry::width * channels)
                    for (std::size_t ow = 0; ow < output_shape::dims[1]; ++ow)
                        for (std::size_t tx = 0; tx < Size; ++tx)
                            select_choice(choices + ow * channels, pending + ow * channels, T(ty * Size + tx),
                                          dx + (ow * Size + tx) * channels);
            }
        }

        // What each window of one output row hands on to its chosen tap (+0 to the others): dL/dy
        // times the activation's derivative at the maximum, as backward_activated computes it.
        template <class Activation, class T>
            requires(foldable && derivative_per_window<Activation>)
        static void window_gradients(const T* y, const T* dy, T* pending) {
            for (std::size_t o = 0; o < output_shape::dims[1] * channels; ++o)
                pending[o] = (T(0) + dy[o]) * Activation::derivative(T(0), y[o]);
        }

        // out[c] = pending[c] where choice[c] is `tap`, else +0. Eight channels (sixteen with
        // AVX-512) as one GNU vector: as a loop GCC 12 -O3 vectorised the windows, not the
        // channels, and shuffled them apart. Eight at a time with AVX-512, M3's second pool
        // (16 channels, batch 32) took 6 us, two thirds of them comparisons and masks.
#if defined(CTNN_SAMPLE_LANES)
        static constexpr std::size_t select_width = channels % 16 == 0 ? 16 : 8;
#else
        static constexpr std::size_t select_width = 8;
#endif
        template <class T>
        static void select_choice(const T* choice, const T* pending, T tap, T* out) {
            constexpr std::size_t in_vectors = std::is_same_v<T, float> ? channels / select_width * select_width : 0;
            if constexpr (in_vectors > 0) {
                typedef float block __attribute__((vector_size(select_width * sizeof(float))));
                for (std::size_t c = 0; c < in_vectors; c += select_width) {
                    block chosen, value;
                    __builtin_memcpy(&chosen, choice + c, sizeof chosen);
                    __builtin_memcpy(&value, pending + c, sizeof value);
                    const block selected = chosen == block{} + tap ? value : block{};
                    __builtin_memcpy(out + c, &selected, sizeof selected);
                }
            }
            if constexpr (in_vectors < channels)
                for (std::size_t c = in_vectors; c < channels; ++c) out[c] = choice[c] == tap ? pending[c] : T(0);
        }

        // With 16 vector registers of 8 or 4 floats (target_vector.hpp) GCC 12 left the window
        // loops above scalar, a branch per comparison: M3's two pools' backward took 0.8 ms of its
        // 1.5 ms step with AVX2 (15 us for the first on AVX-512). There they go a vector of
        // channels at a time, the same selection as bits.
#if defined(CTNN_NARROW_VECTORS)
        template <class T>
        static constexpr bool vector_windows =
            std::is_same_v<T, float> && whole_windows && channels % detail::vector_floats == 0;

        template <bool PerWindow>
        static void window_backward_vectors(const float* x, float* dx, std::size_t origin,
                                            const float (&top)[channels], const float (&pending)[channels]) {
            using detail::vector_float, detail::vector_mask;
            for (std::size_t c = 0; c < channels; c += detail::vector_floats) {
                const vector_float maximum = detail::load_vector(top + c);
                vector_float rest = detail::load_vector(pending + c);
                const vector_mask maximum_is_nan = maximum != maximum;
#pragma GCC unroll 16
                for (std::size_t t = 0; t < taps; ++t) {
                    const std::size_t at = origin + tap_offset(t) + c;
                    vector_mask winner = detail::load_vector(x + at) == maximum;
                    if (t == 0) winner |= maximum_is_nan;
                    vector_float share = detail::keep_where(winner, rest);
                    if constexpr (!PerWindow) share = 0.0f + share;
                    rest = detail::keep_where(~winner, rest);
                    detail::store_vector(dx + at, windows_tile ? share : detail::load_vector(dx + at) + share);
                }
            }
        }
#endif

        // dx *= the activation's derivative at x, over one sample. Restrict: GCC 12 -O2 vectorises
        // no loop that would need a run-time overlap check (M3's step at -O2: 1.05 ms with one).
        template <class Activation, class T>
        static void apply_derivative(T* __restrict dx, const T* __restrict x) {
            for (std::size_t i = 0; i < In::size; ++i) dx[i] = dx[i] * Activation::derivative(T(0), x[i]);
        }

        // The general walk of one window, for windows cut by padding.
        template <class T>
        static void window_backward(const T* x, T* dx, std::size_t oh, std::size_t ow, const T (&top)[channels],
                                    T (&pending)[channels]) {
            std::size_t offsets[taps];
            const std::size_t count = window_taps(oh, ow, offsets);
#pragma GCC unroll 1
            for (std::size_t c = 0; c < channels; ++c) {
                const bool winner = x[offsets[0] + c] == top[c] || top[c] != top[c];
                const T before = windows_tile ? T(0) : dx[offsets[0] + c];
                dx[offsets[0] + c] = before + (winner ? pending[c] : T(0));
                pending[c] = winner ? T(0) : pending[c];
            }
            for (std::size_t t = 1; t < count; ++t)
#pragma GCC unroll 1
                for (std::size_t c = 0; c < channels; ++c) {
                    const bool winner = x[offsets[t] + c] == top[c];
                    const T before = windows_tile ? T(0) : dx[offsets[t] + c];
                    dx[offsets[t] + c] = before + (winner ? pending[c] : T(0));
                    pending[c] = winner ? T(0) : pending[c];
                }
        }

        // Generated C (ctnn-gen), one sample. The forward pass is forward's: a whole window's taps
        // inline, channels innermost; windows cut by padding as window_max walks them, the first
        // tap in bounds starting each maximum. Until the fifteenth session it went channel by
        // channel with a scan for the index of the maximum, as backward still does in windows cut
        // by padding (the same choices, so the same bits), which clang 14 -O3 -march=native left
        // scalar: M3's one-image inference 16.3 -> 5.5 us, a training sample 0.79x (AVX2 alike);
        // GCC's within 2% either way.
        static constexpr emit::layer_traits emit_traits{.backward_reads_input = true};

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            c.line("const float *src = ", b.x, ";");
            c.line("float *dst = ", b.y, ";");
            geometry::emit_open_positions(c, false);
            if constexpr (whole_windows) {
                c.line("const float *window = src + (oh * ", Stride * geometry::width, " + ow * ", Stride, ") * ",
                       channels, ";");
                c.line("float *out = dst + (oh * ", output_shape::dims[1], " + ow) * ", channels, ";");
                c.open("for (size_t c = 0; c < ", channels, "; ++c)");
                emit_window_top(c);
                c.line("out[c] = top;");
                c.close();
            } else {
                // Zeroed only for the compilers: GCC 12 -Wall cannot tell that the first tap sets it.
                c.line("float top[", channels, "] = {0.0f};");
                c.line("size_t seen = 0;");
                emit::open_taps(c, geometry::emit_rows(), geometry::emit_cols());
                c.put("const float *tap = src + ");
                emit::put_tap_offset(c, geometry::emit_rows(), geometry::emit_cols(), channels);
                c.line(";");
                c.open("if (seen++ == 0)");
                c.line("for (size_t c = 0; c < ", channels, "; ++c) top[c] = tap[c];");
                c.close();
                c.open("else");
                c.line("for (size_t c = 0; c < ", channels, "; ++c) top[c] = tap[c] > top[c] ? tap[c] : top[c];");
                c.close();
                emit::close_taps(c);
                c.put("for (size_t c = 0; c < ", channels, "; ++c) dst[");
                geometry::emit_put_output_index(c);
                c.line("] = top[c];");
            }
            c.close();
            c.close();
        }

        // Whole windows take backward's form: the window's maximum again (the forward's
        // comparisons, as the C keeps no y), then the first tap equal to it gets the gradient (tap 0
        // when it is NaN) and every other tap +0, all channels at once. Windows that tile the input
        // write dx (+0 plus the term), the others add to it zeroed. Windows cut by padding keep a
        // scan for the index of the maximum, the same choice. Scanned, with dx zeroed through a
        // volatile pointer, the two pools' backward took 37% of M3's batch training step in the C
        // (g++ -O3 -march=native): 1.42 -> 0.93 ms this way, one process alternating (clang 0.65x).
        template <emit::writer W>
        static void emit_backward(W& c, const emit::backward_buffers& b) {
            if (b.dx_optional) c.open("if (", b.dx, " != NULL)");
            c.line("const float *src = ", b.x, ";");
            c.line("const float *g_out = ", b.dy, ";");
            c.line("float *g_in = ", b.dx, ";");
            if (!(whole_windows && windows_tile)) emit::zero_fill(c, "g_in", In::size);
            if constexpr (whole_windows) {
                geometry::emit_open_positions(c, false);
                c.line("const size_t origin = (oh * ", Stride * geometry::width, " + ow * ", Stride, ") * ", channels, ";");
                c.line("const float *window = src + origin;");
                c.line("float *grad = g_in + origin;");
                c.line("const float *pending_row = g_out + (oh * ", output_shape::dims[1], " + ow) * ", channels, ";");
                c.open("for (size_t c = 0; c < ", channels, "; ++c)");
                emit_window_top(c);
                c.line("float pending = pending_row[c];");
                for (std::size_t t = 0; t < taps; ++t) {
                    c.open("");
                    c.line("const int winner = window[", tap_offset(t), " + c] == top", t == 0 ? " || top != top" : "", ";");
                    if (windows_tile)
                        c.line("grad[", tap_offset(t), " + c] = 0.0f + (winner ? pending : 0.0f);");
                    else
                        c.line("grad[", tap_offset(t), " + c] += winner ? pending : 0.0f;");
                    if (t + 1 < taps) c.line("pending = winner ? 0.0f : pending;");
                    c.close();
                }
                c.close();
            } else {
                geometry::emit_open_positions(c, true);
                emit_argmax(c);
                c.put("g_in[best] += g_out[");
                geometry::emit_put_output_index(c);
                c.line("];");
                c.close();
            }
            c.close();
            c.close();
            if (b.dx_optional) c.close();
        }

    private:
        // `top`: channel c's maximum over the taps of a whole window at `window`, compared in
        // forward's order. backward gives the gradient to the first tap equal to it, which is the
        // tap forward kept only when both take the same comparisons.
        template <emit::writer W>
        static void emit_window_top(W& c) {
            c.line("float top = window[c];");
            for (std::size_t t = 1; t < taps; ++t)
                c.line("top = window[", tap_offset(t), " + c] > top ? window[", tap_offset(t), " + c] : top;");
        }

        template <emit::writer W>
        static void emit_argmax(W& c) {
            c.line("size_t best = SIZE_MAX;");
            emit::open_taps(c, geometry::emit_rows(), geometry::emit_cols());
            c.put("const size_t o = ");
            emit::put_tap_offset(c, geometry::emit_rows(), geometry::emit_cols(), geometry::channels);
            c.line(" + c;");
            c.line("if (best == SIZE_MAX || src[o] > src[best]) best = o;");
            emit::close_taps(c);
        }
    };
};

}  // namespace ctnn
