// ctnn/layers/reshape.hpp: reinterpret the values as another shape of the same size.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>

#include <ctnn/error.hpp>
#include <ctnn/emit/c.hpp>
#include <ctnn/shape.hpp>

namespace ctnn {

template <std::size_t... Dims>
struct reshape {
    static constexpr std::string_view name = "reshape";

    template <class In, std::size_t Position>
    struct bind {
        struct requirements {
            static_assert(error::check<(!shape<Dims...>::has_zero_dimension && sizeof...(Dims) > 0),
                                       error::at_layer<Position>, error::got_shape<shape<Dims...>>>,
                          "ctnn::reshape needs at least one dimension and no zero-sized one");
            static_assert(error::check<shape<Dims...>::size == In::size, error::at_layer<Position>,
                                       error::got_shape<In>, error::expected_shape<shape<Dims...>>>,
                          "ctnn::reshape must keep the number of values: the target shape's size differs "
                          "from the input's");
        };

        using layer = reshape;
        using input_shape = In;
        using output_shape = shape<Dims...>;
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
