// ctnn/training_context.hpp: what a training pass tells the few layers that behave differently
// while training (dropout, batch_norm), and how the model calls them.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ctnn {

// Set by the trainer before each step. Layers that draw random numbers (dropout) derive them from
// `noise_key` and their position, so backward can regenerate exactly the forward's draws without
// storing them.
struct training_context {
    std::uint64_t noise_key = 0;
};

namespace detail {

// A counter-based generator: the same (key, index) always gives the same number, in any order.
constexpr std::uint64_t mix64(std::uint64_t key, std::uint64_t index) {
    std::uint64_t z = key + (index + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Layers may provide training-only variants, detected here:
//   forward_training(params, x, y, batch, context)        instead of forward() while training
//   backward(params, x, y, dy, dx, dparams, batch, context) when backward needs the context
//   update_state(params, x, batch)                        after a training forward (running statistics)
template <class Bound, class T>
void forward_training(const T* params, const T* x, T* y, std::size_t batch, const training_context& context) {
    if constexpr (requires { Bound::forward_training(params, x, y, batch, context); })
        Bound::forward_training(params, x, y, batch, context);
    else
        Bound::forward(params, x, y, batch);
}

template <class Bound, class T>
void backward_training(const T* params, const T* x, const T* y, const T* dy, T* dx, T* dparams, std::size_t batch,
                       const training_context& context) {
    if constexpr (requires { Bound::backward(params, x, y, dy, dx, dparams, batch, context); })
        Bound::backward(params, x, y, dy, dx, dparams, batch, context);
    else
        Bound::backward(params, x, y, dy, dx, dparams, batch);
}

template <class Bound, class T>
void update_state(T* params, const T* x, std::size_t batch) {
    if constexpr (requires { Bound::update_state(params, x, batch); }) Bound::update_state(params, x, batch);
}

}  // namespace detail
}  // namespace ctnn
