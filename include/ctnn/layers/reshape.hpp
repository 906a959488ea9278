// ctnn/layers/reshape.hpp: reinterpret the values as another shape of the same size.
#pragma once
#include <cstddef>
#include <string_view>

#include <ctnn/error.hpp>
#include <ctnn/layers/view.hpp>
#include <ctnn/shape.hpp>

namespace ctnn {

template <std::size_t... Dims>
struct reshape {
    static constexpr std::string_view name = "reshape";

    template <class In, std::size_t Position>
    struct bind : detail::view_layer<reshape, In, shape<Dims...>> {
        struct requirements {
            static_assert(error::check<(!shape<Dims...>::has_zero_dimension && sizeof...(Dims) > 0),
                                       error::at_layer<Position>, error::got_shape<shape<Dims...>>>,
                          "ctnn::reshape needs at least one dimension and no zero-sized one");
            static_assert(error::check<shape<Dims...>::size == In::size, error::at_layer<Position>,
                                       error::got_shape<In>, error::expected_shape<shape<Dims...>>>,
                          "ctnn::reshape must keep the number of values: the target shape's size differs "
                          "from the input's");
        };
    };
};

}  // namespace ctnn
