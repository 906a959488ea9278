// ctnn/optim/sgd.hpp: stochastic gradient descent with optional momentum (PyTorch's SGD).
#pragma once
#include <array>
#include <cstddef>

#include <ctnn/optim/in_place_descent.hpp>
#include <ctnn/optim/parameter_loop.hpp>
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

    // What a trainer applies during the backward pass instead of calling step() after it
    // (ctnn/optim/in_place_descent.hpp): the same bits without a pass over all parameters.
    detail::in_place_descent<T> in_place(parameters<Model, T>& params, const gradients<Model, T>& grads) {
        return {learning_rate, momentum, params.data(), velocity.data(), grads.data()};
    }

    void step(parameters<Model, T>& params, const gradients<Model, T>& grads) {
        constexpr std::size_t whole = detail::vector_loop_extent(Model::param_count);
        if (momentum == T(0)) {
            detail::sgd_descend(params.data(), grads.data(), learning_rate, 0, whole);
            detail::sgd_descend(params.data(), grads.data(), learning_rate, whole, Model::param_count);
        } else {
            detail::sgd_descend(params.data(), grads.data(), velocity.data(), learning_rate, momentum, 0, whole);
            detail::sgd_descend(params.data(), grads.data(), velocity.data(), learning_rate, momentum, whole,
                                Model::param_count);
        }
    }

};

}  // namespace ctnn
