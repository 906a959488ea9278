// ctnn/signature.hpp: a 64-bit fingerprint of a model's architecture, computed at compile time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/utility.hpp>

namespace ctnn {

namespace detail {
// FNV-1a, 64-bit: tiny, constexpr, and stable across compilers and targets.
struct fnv1a {
    std::uint64_t hash = 0xcbf29ce484222325ull;
    constexpr void byte(std::uint8_t b) {
        hash ^= b;
        hash *= 0x100000001b3ull;
    }
    constexpr void number(std::uint64_t v) {
        for (int i = 0; i < 8; ++i) byte(std::uint8_t(v >> (8 * i)));
    }
    constexpr void text(std::string_view s) {
        number(s.size());
        for (char c : s) byte(std::uint8_t(c));
    }
    template <class Shape>
    constexpr void shape() {
        number(Shape::rank);
        for (std::size_t d : Shape::dims) number(d);
    }
};

// A layer whose behaviour depends on more than its name and shapes (leaky_relu's slope, say)
// adds `signature_extra`.
template <class Layer>
constexpr std::uint64_t signature_extra() {
    if constexpr (requires { Layer::signature_extra; })
        return Layer::signature_extra;
    else
        return 0;
}
}  // namespace detail

template <class Model>
constexpr std::uint64_t compute_architecture_signature() {
    detail::fnv1a h;
    h.template shape<typename Model::input_shape>();
    // mp_identity wrappers: the bound layers are only named, never constructed.
    boost::mp11::mp_for_each<boost::mp11::mp_transform<boost::mp11::mp_identity, typename Model::layers>>(
        [&](auto identity) {
            using bound = typename decltype(identity)::type;
            h.text(bound::layer::name);
            h.template shape<typename bound::output_shape>();
            h.number(bound::param_count);
            h.number(detail::signature_extra<typename bound::layer>());
        });
    return h.hash;
}

// Covers every layer's name, output shape, parameter count and extra settings, in order.
// Weight files carry it so that weights of one model are never loaded into another.
template <class Model>
inline constexpr std::uint64_t architecture_signature = compute_architecture_signature<Model>();

}  // namespace ctnn
