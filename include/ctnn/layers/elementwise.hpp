// ctnn/layers/elementwise.hpp: the shared binding of activations applied value by value.
#pragma once
#include <cstddef>

#include <ctnn/shape.hpp>

namespace ctnn {

// An activation provides `name`, `flops_per_value`, `apply(x)` and `derivative(x, y)`;
// this base turns them into a bound layer of any input shape, with no parameters.
template <class Activation>
struct elementwise {
    template <class In, std::size_t Position>
    struct bind {
        using layer = Activation;
        using input_shape = In;
        using output_shape = In;
        static constexpr std::size_t param_count = 0;
        static constexpr std::size_t flops = In::size * Activation::flops_per_value;

        template <class T>
        static void forward(const T*, const T* x, T* y, std::size_t batch) {
            for (std::size_t i = 0; i < batch * In::size; ++i) y[i] = Activation::apply(x[i]);
        }

        template <class T>
        static void backward(const T*, const T* x, const T* y, const T* dy, T* dx, T*, std::size_t batch) {
            if (dx == nullptr) return;
            for (std::size_t i = 0; i < batch * In::size; ++i) dx[i] = dy[i] * Activation::derivative(x[i], y[i]);
        }
    };
};

}  // namespace ctnn
