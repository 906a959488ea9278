// ctnn/apply_activation.hpp: an activation applied to a run of values, a register at a time where
// the activation has a vector form with its scalar form's bits (relu with AVX-512: one vmaxps,
// where GCC 12 compiled the scalar expression to a comparison and a blend).
#pragma once
#include <concepts>
#include <cstddef>
#include <type_traits>

#include <ctnn/sample_lanes.hpp>

namespace ctnn::detail {

// An activation with `apply_vector(v)`: apply on each lane of a sample_lanes.hpp vector.
template <class Activation>
concept vector_activation =
#if defined(CTNN_SAMPLE_LANES)
    requires(lanes::vec v) {
        { Activation::apply_vector(v) } -> std::same_as<lanes::vec>;
    };
#else
    false;
#endif

// y[i] = Activation::apply(x[i]) for i < n; y may be x.
template <class Activation, class T>
[[gnu::always_inline]] inline void apply_activation(const T* x, T* y, std::size_t n) {
#if defined(CTNN_SAMPLE_LANES)
    if constexpr (std::is_same_v<T, float> && vector_activation<Activation>) {
        for (std::size_t i = 0; i < n / lanes::count * lanes::count; i += lanes::count)
            lanes::store(y + i, Activation::apply_vector(lanes::load(x + i)));
        for (std::size_t i = n / lanes::count * lanes::count; i < n; ++i) y[i] = Activation::apply(x[i]);
        return;
    }
#endif
    for (std::size_t i = 0; i < n; ++i) y[i] = Activation::apply(x[i]);
}

}  // namespace ctnn::detail
