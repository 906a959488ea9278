// ctnn/loss/softmax_cross_entropy.hpp: cross-entropy fused with the model's final softmax.
#pragma once
#include <cmath>
#include <cstddef>
#include <string_view>

namespace ctnn {

// Used with a model that ends in ctnn::softmax: the loss reads the logits that enter the softmax,
// computes -sum t_i log softmax(z)_i as sum t_i (logsumexp(z) - z_i), and hands
// dL/dz = softmax(z) * sum(t) - t to the layer below the softmax. Working on logits keeps the loss
// finite for logits of any magnitude (no log of an underflowed probability). Targets are class
// probabilities (one-hot for hard labels), as in PyTorch's CrossEntropyLoss with soft targets.
struct softmax_cross_entropy {
    static constexpr std::string_view name = "softmax_cross_entropy";
    static constexpr bool fuses_softmax = true;

    // z: N logits; dz receives scale * dL/dz.
    template <std::size_t N, class T>
    static T evaluate(const T* z, const T* target, T* dz, T scale) {
        T largest = z[0];
        for (std::size_t i = 1; i < N; ++i) largest = z[i] > largest ? z[i] : largest;
        T exp_total = T(0);
        for (std::size_t i = 0; i < N; ++i) exp_total += std::exp(z[i] - largest);
        const T log_sum_exp = largest + std::log(exp_total);

        T target_total = T(0);
        T loss = T(0);
        for (std::size_t i = 0; i < N; ++i) {
            target_total += target[i];
            loss += target[i] * (log_sum_exp - z[i]);
        }
        for (std::size_t i = 0; i < N; ++i)
            dz[i] = scale * (std::exp(z[i] - log_sum_exp) * target_total - target[i]);
        return loss;
    }
};

}  // namespace ctnn
