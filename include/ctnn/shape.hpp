// ctnn/shape.hpp: a tensor shape as a type, with its figures as constants.
#pragma once
#include <array>
#include <cstddef>

namespace ctnn {

// Dimensions are channels-last (H, W, C), as on microcontroller runtimes.
template <std::size_t... Dims>
struct shape {
    static constexpr std::size_t rank = sizeof...(Dims);
    static constexpr std::size_t size = (std::size_t{1} * ... * Dims);
    static constexpr std::array<std::size_t, rank> dims{Dims...};
    static constexpr bool has_zero_dimension = ((Dims == 0) || ...);
};

namespace detail {
template <class T>
struct is_shape_impl {
    static constexpr bool value = false;
};
template <std::size_t... Dims>
struct is_shape_impl<shape<Dims...>> {
    static constexpr bool value = true;
};
}  // namespace detail

template <class T>
concept shape_type = detail::is_shape_impl<T>::value;

}  // namespace ctnn
