// ctnn/layers/reshape.hpp: reinterpret the values as another shape of the same size.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>

#include <ctnn/error.hpp>
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
    };
};

}  // namespace ctnn
