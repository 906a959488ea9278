// ctnn/optim/sgd.hpp: stochastic gradient descent with optional momentum (PyTorch's SGD).
#pragma once
#include <array>
#include <cstddef>

#include <ctnn/optim/parameter_loop.hpp>
#include <ctnn/optim/subnormal.hpp>
#include <ctnn/parameters.hpp>

namespace ctnn {

// An aggregate: `ctnn::sgd<net> opt{.learning_rate = 0.1f, .momentum = 0.9f};`
// v = momentum * v + g;  p -= learning_rate * v   (no dampening, no Nesterov)
// A velocity below the smallest normal float becomes +0 (ctnn/optim/subnormal.hpp).
// With momentum 0 the step is p -= learning_rate * g and the velocity is left alone, as PyTorch
// keeps no buffer then: a third of the memory traffic (M2, 109k parameters: 13 -> 6 us a step).
// The parameters are those of the general formula, where 0 * v adds a zero, except after a
// velocity holding inf or NaN (0 * inf is NaN) and in the sign of a zero parameter when the
// gradient is -0. The generated C (emit/optim.hpp) takes the same branch, so both paths agree.
template <class Model, class T = float>
struct sgd {
    T learning_rate = T(0.01);
    T momentum = T(0);
    std::array<T, Model::param_count> velocity{};

    // Without momentum the trainer has each layer's parameters descend during the backward pass
    // (ctnn/optim/in_place_descent.hpp), the same bits without a pass over all of them.
    bool descends_in_place() const { return momentum == T(0); }

    void step(parameters<Model, T>& params, const gradients<Model, T>& grads) {
        constexpr std::size_t whole = detail::vector_loop_extent(Model::param_count);
        if (momentum == T(0)) {
            descend(params.data(), grads.data(), learning_rate, 0, whole);
            descend(params.data(), grads.data(), learning_rate, whole, Model::param_count);
        } else {
            descend(params.data(), grads.data(), velocity.data(), learning_rate, momentum, 0, whole);
            descend(params.data(), grads.data(), velocity.data(), learning_rate, momentum, whole, Model::param_count);
        }
    }

private:
    // Separate restrict arrays and rates by value: otherwise each store to a parameter might change
    // the rates or the velocity as far as the compiler knows, and GCC 12 -O2 then reloaded them
    // every time and vectorised nothing (M2, batch 64, with momentum: 320 -> 200 us a step).
    static void descend(T* __restrict p, const T* __restrict g, T rate, std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) p[i] -= rate * g[i];
    }
    static void descend(T* __restrict p, const T* __restrict g, T* __restrict v, T rate, T keep, std::size_t begin,
                        std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            v[i] = detail::zero_if_subnormal(keep * v[i] + g[i]);
            p[i] -= rate * v[i];
        }
    }
};

}  // namespace ctnn
