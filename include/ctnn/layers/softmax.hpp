// ctnn/layers/softmax.hpp: exp(x_i) / sum_j exp(x_j) over the last dimension.
#pragma once
#include <cmath>
#include <cstddef>
#include <string_view>

#include <ctnn/shape.hpp>

namespace ctnn {

struct softmax {
    static constexpr std::string_view name = "softmax";

    template <class In, std::size_t Position>
    struct bind {
        using layer = softmax;
        using input_shape = In;
        using output_shape = In;
        static constexpr std::size_t param_count = 0;
        // Normalised over the last (channel) dimension: one distribution per position.
        static constexpr std::size_t classes = In::dims[In::rank - 1];
        static constexpr std::size_t groups = In::size / classes;
        static constexpr std::size_t flops = 6 * In::size;

        // Subtracting the maximum keeps exp() finite for any finite input.
        template <class T>
        static void forward(const T*, const T* x, T* y, std::size_t batch) {
            for (std::size_t g = 0; g < batch * groups; ++g) {
                const T* xg = x + g * classes;
                T* yg = y + g * classes;
                T largest = xg[0];
                for (std::size_t i = 1; i < classes; ++i) largest = xg[i] > largest ? xg[i] : largest;
                T total = T(0);
                for (std::size_t i = 0; i < classes; ++i) {
                    yg[i] = std::exp(xg[i] - largest);
                    total += yg[i];
                }
                for (std::size_t i = 0; i < classes; ++i) yg[i] /= total;
            }
        }

        // dx_i = y_i * (dy_i - sum_j dy_j y_j)
        template <class T>
        static void backward(const T*, const T*, const T* y, const T* dy, T* dx, T*, std::size_t batch) {
            if (dx == nullptr) return;
            for (std::size_t g = 0; g < batch * groups; ++g) {
                const std::size_t base = g * classes;
                T dot = T(0);
                for (std::size_t i = 0; i < classes; ++i) dot += dy[base + i] * y[base + i];
                for (std::size_t i = 0; i < classes; ++i)
                    dx[base + i] = y[base + i] * (dy[base + i] - dot);
            }
        }
    };
};

}  // namespace ctnn
