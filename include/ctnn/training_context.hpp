// ctnn/training_context.hpp: what a training pass tells the few layers that behave differently
// while training (dropout, batch_norm), and how the model calls them.
#pragma once
#include <cstddef>
#include <cstdint>

#include <ctnn/optim/in_place_descent.hpp>

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

// Values a bound layer keeps per sample from its training forward for its backward (a
// recurrent layer's gates), and per stream between time steps (its hidden state); 0 for most.
template <class Bound>
constexpr std::size_t saved_size_of() {
    if constexpr (requires { Bound::saved_size; })
        return Bound::saved_size;
    else
        return 0;
}
template <class Bound>
constexpr std::size_t state_size_of() {
    if constexpr (requires { Bound::state_size; })
        return Bound::state_size;
    else
        return 0;
}

// Layers may provide training-only variants, detected here:
//   forward_training(params, x, y, batch, context)        instead of forward() while training
//   forward_training(params, x, y, batch, saved)          for layers with a saved_size
//   backward(params, x, y, dy, dx, dparams, batch, context) when backward needs the context
//   backward(params, x, y, dy, dx, dparams, batch, saved)   for layers with a saved_size
//   backward_assign(params, x, y, dy, dx, dparams, batch) as backward, onto dparams that would be
//                                                          zero: written, not added to
//   update_state(params, x, batch)                        after a training forward (running statistics)
// `saved` holds batch * saved_size values.
template <class Bound, class T>
void forward_training(const T* params, const T* x, T* y, std::size_t batch, const training_context& context,
                      T* saved) {
    if constexpr (saved_size_of<Bound>() > 0)
        Bound::forward_training(params, x, y, batch, saved);
    else if constexpr (requires { Bound::forward_training(params, x, y, batch, context); })
        Bound::forward_training(params, x, y, batch, context);
    else
        Bound::forward(params, x, y, batch);
}

template <class Bound, class T>
void backward_training(const T* params, const T* x, const T* y, const T* dy, T* dx, T* dparams, std::size_t batch,
                       const training_context& context, const T* saved) {
    if constexpr (saved_size_of<Bound>() > 0)
        Bound::backward(params, x, y, dy, dx, dparams, batch, saved);
    else if constexpr (requires { Bound::backward(params, x, y, dy, dx, dparams, batch, context); })
        Bound::backward(params, x, y, dy, dx, dparams, batch, context);
    else
        Bound::backward(params, x, y, dy, dx, dparams, batch);
}

// backward_training onto parameter gradients that start at zero: a layer that can writes them,
// any other gets its slice zeroed first and adds to it. Same sums either way.
template <class Bound, class T>
void backward_training_assign(const T* params, const T* x, const T* y, const T* dy, T* dx, T* dparams,
                              std::size_t batch, const training_context& context, const T* saved) {
    if constexpr (requires { Bound::backward_assign(params, x, y, dy, dx, dparams, batch); }) {
        Bound::backward_assign(params, x, y, dy, dx, dparams, batch);
    } else {
        for (std::size_t i = 0; i < Bound::param_count; ++i) dparams[i] = T(0);
        backward_training<Bound>(params, x, y, dy, dx, dparams, batch, context, saved);
    }
}

// backward_training_assign, then the layer's parameters descend by their gradients
// (in_place_descent.hpp): inside its kernels where the layer can, else right after them.
template <class Bound, class T>
void backward_training_descend(const T* params, const T* x, const T* y, const T* dy, T* dx, T* dparams,
                               std::size_t batch, const training_context& context, const T* saved,
                               const in_place_descent<T>& descent) {
    if constexpr (requires { Bound::backward_descend(params, x, y, dy, dx, dparams, batch, descent); }) {
        Bound::backward_descend(params, x, y, dy, dx, dparams, batch, descent);
    } else {
        backward_training_assign<Bound>(params, x, y, dy, dx, dparams, batch, context, saved);
        if constexpr (Bound::param_count > 0) descent.descend(dparams, Bound::param_count);
    }
}

// One stretch of a stream: layers with a state continue from it (and update it); the others have
// no memory, so their forward over the stretch is the same thing.
template <class Bound, class T>
void step(const T* params, const T* x, T* y, T* state) {
    if constexpr (state_size_of<Bound>() > 0)
        Bound::step(params, x, y, state);
    else
        Bound::forward(params, x, y, 1);
}

template <class Bound, class T>
void update_state(T* params, const T* x, std::size_t batch) {
    if constexpr (requires { Bound::update_state(params, x, batch); }) Bound::update_state(params, x, batch);
}

}  // namespace detail
}  // namespace ctnn
