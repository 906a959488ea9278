// ctnn/optim/adam.hpp: Adam (Kingma & Ba 2015), in the formulation PyTorch uses.
#pragma once
#include <array>
#include <cstddef>
#include <limits>
#include <type_traits>

#include <ctnn/math.hpp>
#include <ctnn/optim/parameter_loop.hpp>
#include <ctnn/optim/subnormal.hpp>
#include <ctnn/parameters.hpp>

namespace ctnn {

// An aggregate: `ctnn::adam<net> opt{.learning_rate = 0.1f};`
// m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
// p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// m and v below the smallest normal float become +0 (ctnn/optim/subnormal.hpp).
template <class Model, class T = float>
struct adam {
    T learning_rate = T(0.001);
    T beta1 = T(0.9);
    T beta2 = T(0.999);
    T epsilon = T(1e-8);
    std::array<T, Model::param_count> first_moment{};
    std::array<T, Model::param_count> second_moment{};
    // b1^t and b2^t, kept as running products so no pow() is needed per step; each stops at the
    // first value whose magnitude is at most negligible_power (below).
    T beta1_power = T(1);
    T beta2_power = T(1);

    // From here on 1 - b^t rounds to exactly 1, as it would for every later power: the product
    // stops rather than sink to subnormal values (beta1 0.9: after about 830 steps), where each
    // multiplication took a microcode assist on an Intel Xeon (XOR's step: 264 -> 212 ns).
    static constexpr T negligible_power = std::numeric_limits<T>::epsilon() / 4;

    void step(parameters<Model, T>& params, const gradients<Model, T>& grads) {
        advance(beta1_power, beta1);
        advance(beta2_power, beta2);
        const rates r{beta1, beta2, epsilon, learning_rate / (T(1) - beta1_power), math::sqrt(T(1) - beta2_power)};
        constexpr std::size_t whole = detail::vector_loop_extent(Model::param_count);
        for (std::size_t i = 0; i < whole; i += 16)
            descend_16(params.data() + i, grads.data() + i, first_moment.data() + i, second_moment.data() + i, r);
        descend(params.data(), grads.data(), first_moment.data(), second_moment.data(), r, whole, Model::param_count);
    }

private:
    static void advance(T& power, T beta) {
        if (power > negligible_power || power < -negligible_power) power *= beta;
    }
    struct rates {
        T beta1, beta2, epsilon, step_size, correction2_root;
    };
    // One parameter, or with V = detail::vector_float a register of them: the formula at the top,
    // in that order, so both give the same bits. Moments that would be subnormal are +0
    // (ctnn/optim/subnormal.hpp).
    template <class V>
    static void update(V& p, V& m, V& v, V g, const rates& r) {
        m = detail::zero_if_subnormal(r.beta1 * m + (T(1) - r.beta1) * g);
        v = detail::zero_if_subnormal(r.beta2 * v + (T(1) - r.beta2) * g * g);
        p = p - r.step_size * m / (math::sqrt(v) / r.correction2_root + r.epsilon);
    }
    // Separate restrict arrays and rates by value: otherwise each store might change the rates or
    // the moments as far as the compiler knows, and GCC 12 -O2 vectorised nothing.
    static void descend(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, rates r,
                        std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            // Through locals: with references into the arrays GCC 12 lost track of restrict.
            T pi = p[i], mi = m[i], vi = v[i];
            update(pi, mi, vi, g[i], r);
            p[i] = pi;
            m[i] = mi;
            v[i] = vi;
        }
    }
    // The same for 16 parameters, in registers of floats where the target has them.
    static void descend_16(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, rates r) {
#if defined(CTNN_VECTOR_FLOAT)
        if constexpr (std::is_same_v<T, float>) {
            for (std::size_t i = 0; i < 16; i += detail::vector_floats) {
                detail::vector_float pi = detail::load_vector(p + i), mi = detail::load_vector(m + i),
                                     vi = detail::load_vector(v + i);
                update(pi, mi, vi, detail::load_vector(g + i), r);
                detail::store_vector(p + i, pi);
                detail::store_vector(m + i, mi);
                detail::store_vector(v + i, vi);
            }
            return;
        }
#endif
        descend(p, g, m, v, r, 0, 16);
    }
};

}  // namespace ctnn
