// ctnn/loss/mse.hpp: mean squared error, mean over outputs (PyTorch's MSELoss, reduction='mean').
#pragma once
#include <cstddef>
#include <string_view>

namespace ctnn {

struct mse {
    static constexpr std::string_view name = "mse";
    static constexpr bool fuses_softmax = false;

    // Returns the loss of one sample of N outputs and writes scale * dL/dy to dy
    // (scale = 1 / batch size averages the batch).
    template <std::size_t N, class T>
    static T evaluate(const T* y, const T* target, T* dy, T scale) {
        T total = T(0);
        for (std::size_t i = 0; i < N; ++i) {
            const T diff = y[i] - target[i];
            total += diff * diff;
            dy[i] = scale * T(2) * diff / T(N);
        }
        return total / T(N);
    }
};

}  // namespace ctnn
