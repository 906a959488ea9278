// ctnn/layers/flatten.hpp: any shape to rank 1; the values keep their (channels-last) order.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/shape.hpp>

namespace ctnn {

struct flatten {
    static constexpr std::string_view name = "flatten";

    template <class In, std::size_t Position>
    struct bind {
        using layer = flatten;
        using input_shape = In;
        using output_shape = shape<In::size>;
        static constexpr std::size_t param_count = 0;
        static constexpr std::size_t flops = 0;

        template <class T>
        static void forward(const T*, const T* x, T* y, std::size_t batch) {
            std::copy(x, x + batch * In::size, y);
        }
        template <class T>
        static void backward(const T*, const T*, const T*, const T* dy, T* dx, T*, std::size_t batch) {
            if (dx != nullptr) std::copy(dy, dy + batch * In::size, dx);
        }

        // Generated C (ctnn-gen): a copy, so the generator shares the storage instead; the loops
        // below only run where a copy cannot be avoided (x to y when nothing else computes y).
        static constexpr emit::layer_traits emit_traits{
            .pass_through = true, .forward_in_place = true, .backward_in_place = true};

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            c.line("const float *src = ", b.x, ";");
            c.line("float *dst = ", b.y, ";");
            c.line("for (size_t i = 0; i < ", In::size, "; ++i) dst[i] = src[i];");
        }
        template <emit::writer W>
        static void emit_backward(W& c, const emit::backward_buffers& b) {
            if (b.dx_optional) c.open("if (", b.dx, " != NULL)");
            c.line("const float *g_out = ", b.dy, ";");
            c.line("float *g_in = ", b.dx, ";");
            c.line("for (size_t i = 0; i < ", In::size, "; ++i) g_in[i] = g_out[i];");
            if (b.dx_optional) c.close();
        }
    };
};

}  // namespace ctnn
