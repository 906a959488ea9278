// ctnn/initializer.hpp: the schemes that draw a layer's initial weights.
#pragma once
#include <cstddef>

#include <ctnn/math.hpp>
#include <ctnn/random.hpp>

namespace ctnn {

enum class initializer {
    xavier_uniform,  // U(-a, a), a = sqrt(6 / (fan_in + fan_out)): for sigmoid and tanh
    he_uniform,      // U(-a, a), a = sqrt(6 / fan_in): for relu and leaky_relu
};

// Fills `count` weights; only integer maths, products and a correctly rounded sqrt are
// involved, so g++ and clang (and any IEEE target) produce identical weights for a seed.
template <class T>
void draw_weights(T* weights, std::size_t count, random_generator& rng, initializer scheme,
                  std::size_t fan_in, std::size_t fan_out) {
    const double fans = scheme == initializer::xavier_uniform ? double(fan_in + fan_out) : double(fan_in);
    const T bound = T(math::sqrt(6.0 / fans));
    for (std::size_t i = 0; i < count; ++i) weights[i] = rng.uniform<T>(-bound, bound);
}

}  // namespace ctnn
