// ctnn/layers/global_avg_pool2d.hpp: (H, W, C) to (C), the mean of each channel.
#pragma once
#include <cstddef>
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/error.hpp>
#include <ctnn/shape.hpp>

namespace ctnn {

struct global_avg_pool2d {
    static constexpr std::string_view name = "global_avg_pool2d";

    template <class In, std::size_t Position>
    struct bind {
        struct requirements {
            static_assert(error::check<In::rank == 3, error::at_layer<Position>, error::expects_rank<3>, error::got_shape<In>>,
                          "ctnn::global_avg_pool2d needs a (height, width, channels) input: use ctnn::reshape to add "
                          "a channel dimension");
        };
        static constexpr std::size_t channels = In::dims[In::rank - 1];
        static constexpr std::size_t positions = In::size / channels;

        using layer = global_avg_pool2d;
        using input_shape = In;
        using output_shape = shape<channels>;
        static constexpr std::size_t param_count = 0;
        static constexpr std::size_t flops = In::size;

        template <class T>
        static void forward(const T*, const T* x, T* y, std::size_t batch) {
            for (std::size_t s = 0; s < batch; ++s, x += In::size, y += channels)
                for (std::size_t c = 0; c < channels; ++c) {
                    T total = T(0);
                    for (std::size_t p = 0; p < positions; ++p) total += x[p * channels + c];
                    y[c] = total / T(positions);
                }
        }

        template <class T>
        static void backward(const T*, const T*, const T*, const T* dy, T* dx, T*, std::size_t batch) {
            if (dx == nullptr) return;
            for (std::size_t s = 0; s < batch; ++s, dy += channels, dx += In::size)
                for (std::size_t p = 0; p < positions; ++p)
                    for (std::size_t c = 0; c < channels; ++c) dx[p * channels + c] = dy[c] / T(positions);
        }

        // Generated C (ctnn-gen), one sample: the loops above.
        static constexpr emit::layer_traits emit_traits{};

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            c.line("const float *src = ", b.x, ";");
            c.line("float *dst = ", b.y, ";");
            c.open("for (size_t c = 0; c < ", channels, "; ++c)");
            c.line("float total = 0.0f;");
            c.line("for (size_t p = 0; p < ", positions, "; ++p) total += src[p * ", channels, " + c];");
            c.line("dst[c] = total / ", emit::real{double(positions)}, ";");
            c.close();
        }

        template <emit::writer W>
        static void emit_backward(W& c, const emit::backward_buffers& b) {
            if (b.dx_optional) c.open("if (", b.dx, " != NULL)");
            c.line("const float *g_out = ", b.dy, ";");
            c.line("float *g_in = ", b.dx, ";");
            c.open("for (size_t p = 0; p < ", positions, "; ++p)");
            c.line("for (size_t c = 0; c < ", channels, "; ++c) g_in[p * ", channels, " + c] = g_out[c] / ",
                   emit::real{double(positions)}, ";");
            c.close();
            if (b.dx_optional) c.close();
        }
    };
};

}  // namespace ctnn
