// ctnn/optim/sgd.hpp: stochastic gradient descent with optional momentum (PyTorch's SGD).
#pragma once
#include <array>
#include <cstddef>

#include <ctnn/parameters.hpp>

namespace ctnn {

// An aggregate: `ctnn::sgd<net> opt{.learning_rate = 0.1f, .momentum = 0.9f};`
// v = momentum * v + g;  p -= learning_rate * v   (no dampening, no Nesterov)
template <class Model, class T = float>
struct sgd {
    T learning_rate = T(0.01);
    T momentum = T(0);
    std::array<T, Model::param_count> velocity{};

    void step(parameters<Model, T>& params, const gradients<Model, T>& grads) {
        for (std::size_t i = 0; i < Model::param_count; ++i) {
            velocity[i] = momentum * velocity[i] + grads.values[i];
            params.values[i] -= learning_rate * velocity[i];
        }
    }
};

}  // namespace ctnn
