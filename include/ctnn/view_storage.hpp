// ctnn/view_storage.hpp: layers that only give their input another shape (flatten, reshape: the
// view_layer of ctnn/layers/view.hpp) keep no copy in training.
//
// Their training forward and backward would be copies: of the batch's values forward, of dL/dy
// backward (M3, batch 32: 100 KB each way, about 1% of a step). Instead the training workspace gives
// such a layer's output the place of its input, and dL/d(its output) the buffer of dL/d(its input):
// both passes are skipped. Not for a first layer, whose input is the caller's and whose dL/dx the
// caller may ask for: that one still copies.
#pragma once
#include <array>
#include <cstddef>
#include <utility>

#include <boost/mp11/algorithm.hpp>

namespace ctnn::detail {

template <class Bound>
concept storage_view = requires {
    requires Bound::shares_storage;
};

// Over a model's bound layers: which ones share their input's storage.
template <class Runners>
constexpr auto aliases_input() {
    return []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<bool, sizeof...(I)>{(I > 0 && storage_view<boost::mp11::mp_at_c<Runners, I>>)...};
    }(std::make_index_sequence<boost::mp11::mp_size<Runners>::value>{});
}

// Where each layer's output lies among the activations (values per sample), and how many those
// take: a layer that shares its input's storage takes the offset before it and no room.
template <std::size_t N>
struct activation_layout {
    std::array<std::size_t, N> offsets{};
    std::size_t size = 0;
};
template <std::size_t N>
constexpr activation_layout<N> lay_out_activations(const std::array<std::size_t, N>& output_sizes,
                                                   const std::array<bool, N>& aliases) {
    activation_layout<N> layout;
    for (std::size_t i = 0; i < N; ++i) {
        if (aliases[i]) {
            layout.offsets[i] = layout.offsets[i - 1];
        } else {
            layout.offsets[i] = layout.size;
            layout.size += output_sizes[i];
        }
    }
    return layout;
}

}  // namespace ctnn::detail
