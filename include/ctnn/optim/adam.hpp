// ctnn/optim/adam.hpp: Adam (Kingma & Ba 2015), in the formulation PyTorch uses.
#pragma once
#include <array>
#include <cstddef>

#include <ctnn/math.hpp>
#include <ctnn/parameters.hpp>

namespace ctnn {

// An aggregate: `ctnn::adam<net> opt{.learning_rate = 0.1f};`
// m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
// p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
template <class Model, class T = float>
struct adam {
    T learning_rate = T(0.001);
    T beta1 = T(0.9);
    T beta2 = T(0.999);
    T epsilon = T(1e-8);
    std::array<T, Model::param_count> first_moment{};
    std::array<T, Model::param_count> second_moment{};
    // b1^t and b2^t, kept as running products so no pow() is needed per step.
    T beta1_power = T(1);
    T beta2_power = T(1);

    void step(parameters<Model, T>& params, const gradients<Model, T>& grads) {
        beta1_power *= beta1;
        beta2_power *= beta2;
        const T step_size = learning_rate / (T(1) - beta1_power);
        const T correction2_root = math::sqrt(T(1) - beta2_power);
        for (std::size_t i = 0; i < Model::param_count; ++i) {
            const T g = grads.values[i];
            first_moment[i] = beta1 * first_moment[i] + (T(1) - beta1) * g;
            second_moment[i] = beta2 * second_moment[i] + (T(1) - beta2) * g * g;
            const T denominator = math::sqrt(second_moment[i]) / correction2_root + epsilon;
            params.values[i] -= step_size * first_moment[i] / denominator;
        }
    }
};

}  // namespace ctnn
