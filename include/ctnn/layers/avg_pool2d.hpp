// ctnn/layers/avg_pool2d.hpp: the mean of each window, per channel.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/emit/window.hpp>
#include <ctnn/layers/pool2d.hpp>

namespace ctnn {

// With padding::same, border windows average only the values inside the input
// (PyTorch's count_include_pad=False).
template <std::size_t Size, std::size_t Stride = Size, padding Pad = padding::valid>
struct avg_pool2d {
    static constexpr std::string_view name = "avg_pool2d";
    static constexpr unsigned long long signature_extra = (Size << 16) + Stride * 4 + static_cast<unsigned long long>(Pad);

    template <class In, std::size_t Position>
    struct bind : detail::pool2d_geometry<In, Position, Size, Stride, Pad> {
        using geometry = detail::pool2d_geometry<In, Position, Size, Stride, Pad>;
        using layer = avg_pool2d;
        using typename geometry::output_shape;

        static std::size_t taps(std::size_t oh, std::size_t ow) {
            std::size_t count = 0;
            geometry::for_each_tap(oh, ow, [&](std::size_t) { ++count; });
            return count;
        }

        using geometry::channels, geometry::whole_windows, geometry::tap_offset, geometry::window_origin,
            geometry::windows_tile;

        // Each output is +0 plus the window's taps in scan order, over their count.
        template <class T>
        static void forward(const T*, const T* x, T* y, std::size_t batch) {
            for (std::size_t s = 0; s < batch; ++s, x += In::size, y += output_shape::size)
                for (std::size_t oh = 0; oh < output_shape::dims[0]; ++oh)
                    for (std::size_t ow = 0; ow < output_shape::dims[1]; ++ow) {
                        T* out = y + (oh * output_shape::dims[1] + ow) * channels;
                        if constexpr (whole_windows) {
                            const T* window = x + window_origin(oh, ow);
                            // +0 plus the first tap, not a zero fill: GCC 12 -O2 made that a call
                            // to memset, after which it vectorised nothing (6x slower).
                            T total[channels];
                            for (std::size_t c = 0; c < channels; ++c) total[c] = T(0) + window[c];
#pragma GCC unroll 16
                            for (std::size_t t = 1; t < Size * Size; ++t)
                                for (std::size_t c = 0; c < channels; ++c) total[c] += window[tap_offset(t) + c];
                            for (std::size_t c = 0; c < channels; ++c) out[c] = total[c] / T(Size * Size);
                        } else {
                            const T count = T(taps(oh, ow));
                            for (std::size_t c = 0; c < channels; ++c) {
                                T total = T(0);
                                geometry::for_each_tap(oh, ow, [&](std::size_t offset) { total += x[offset + c]; });
                                out[c] = total / count;
                            }
                        }
                    }
        }

        // Each input adds its share of every window that covers it, window by window. Windows that
        // tile the input give each input one share: +0 plus it, without zeroing dx first.
        template <class T>
        static void backward(const T*, const T*, const T*, const T* dy, T* dx, T*, std::size_t batch) {
            if (dx == nullptr) return;
            for (std::size_t s = 0; s < batch; ++s, dy += output_shape::size, dx += In::size) {
                if constexpr (!(whole_windows && windows_tile)) std::fill(dx, dx + In::size, T(0));
                for (std::size_t oh = 0; oh < output_shape::dims[0]; ++oh)
                    for (std::size_t ow = 0; ow < output_shape::dims[1]; ++ow) {
                        const T* g = dy + (oh * output_shape::dims[1] + ow) * channels;
                        if constexpr (whole_windows) {
                            T share[channels];
                            for (std::size_t c = 0; c < channels; ++c) share[c] = g[c] / T(Size * Size);
                            T* window = dx + window_origin(oh, ow);
#pragma GCC unroll 16
                            for (std::size_t t = 0; t < Size * Size; ++t)
                                for (std::size_t c = 0; c < channels; ++c) {
                                    T& in = window[tap_offset(t) + c];
                                    in = (windows_tile ? T(0) : in) + share[c];
                                }
                        } else {
                            const T count = T(taps(oh, ow));
                            for (std::size_t c = 0; c < channels; ++c) {
                                const T share = g[c] / count;
                                geometry::for_each_tap(oh, ow, [&](std::size_t offset) { dx[offset + c] += share; });
                            }
                        }
                    }
            }
        }

        // Generated C (ctnn-gen), one sample: taps() counts the window's taps the same way.
        static constexpr emit::layer_traits emit_traits{};

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            c.line("const float *src = ", b.x, ";");
            c.line("float *dst = ", b.y, ";");
            geometry::emit_open_positions(c, false);
            emit_count(c);
            c.open("for (size_t c = 0; c < ", geometry::channels, "; ++c)");
            c.line("float total = 0.0f;");
            emit::open_taps(c, geometry::emit_rows(), geometry::emit_cols());
            c.put("total += src[");
            emit::put_tap_offset(c, geometry::emit_rows(), geometry::emit_cols(), geometry::channels);
            c.line(" + c];");
            emit::close_taps(c);
            c.put("dst[");
            geometry::emit_put_output_index(c);
            c.line("] = total / count;");
            c.close();
            c.close();
            c.close();
        }

        template <emit::writer W>
        static void emit_backward(W& c, const emit::backward_buffers& b) {
            if (b.dx_optional) c.open("if (", b.dx, " != NULL)");
            c.line("const float *g_out = ", b.dy, ";");
            c.line("float *g_in = ", b.dx, ";");
            emit::zero_fill(c, "g_in", In::size);
            geometry::emit_open_positions(c, false);
            emit_count(c);
            c.open("for (size_t c = 0; c < ", geometry::channels, "; ++c)");
            c.put("const float share = g_out[");
            geometry::emit_put_output_index(c);
            c.line("] / count;");
            emit::open_taps(c, geometry::emit_rows(), geometry::emit_cols());
            c.put("g_in[");
            emit::put_tap_offset(c, geometry::emit_rows(), geometry::emit_cols(), geometry::channels);
            c.line(" + c] += share;");
            emit::close_taps(c);
            c.close();
            c.close();
            c.close();
            if (b.dx_optional) c.close();
        }

    private:
        template <emit::writer W>
        static void emit_count(W& c) {
            c.line("size_t taps = 0;");
            c.line("float count;");
            emit::open_taps(c, geometry::emit_rows(), geometry::emit_cols(), false);
            c.line("++taps;");
            emit::close_taps(c);
            c.line("count = (float)taps;");
        }
    };
};

}  // namespace ctnn
