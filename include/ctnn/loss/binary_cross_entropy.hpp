// ctnn/loss/binary_cross_entropy.hpp: -[t log y + (1 - t) log(1 - y)], mean over outputs.
#pragma once
#include <cstddef>
#include <string_view>

#include <ctnn/math.hpp>

namespace ctnn {

// Expects probabilities (after a sigmoid). Follows PyTorch's BCELoss: each log is clamped at
// -100 so y = 0 or 1 gives a finite loss, and the gradient's denominator at 1e-12.
struct binary_cross_entropy {
    static constexpr std::string_view name = "binary_cross_entropy";
    static constexpr bool fuses_softmax = false;

    template <std::size_t N, class T>
    static T evaluate(const T* y, const T* target, T* dy, T scale) {
        T total = T(0);
        for (std::size_t i = 0; i < N; ++i) {
            const T log_y = clamp_log(y[i]);
            const T log_not_y = clamp_log(T(1) - y[i]);
            total -= target[i] * log_y + (T(1) - target[i]) * log_not_y;
            T denominator = y[i] * (T(1) - y[i]);
            if (denominator < T(1e-12)) denominator = T(1e-12);
            dy[i] = scale * (y[i] - target[i]) / denominator / T(N);
        }
        return total / T(N);
    }

private:
    template <class T>
    static T clamp_log(T v) {
        const T l = math::log(v);
        return l < T(-100) ? T(-100) : l;
    }
};

}  // namespace ctnn
