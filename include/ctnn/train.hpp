// ctnn/train.hpp: training a model on caller-owned data, one fixed-size workspace, no heap.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <span>
#include <type_traits>

#include <ctnn/error.hpp>
#include <ctnn/layers/softmax.hpp>
#include <ctnn/model.hpp>
#include <ctnn/parameters.hpp>
#include <ctnn/random.hpp>
#include <ctnn/status.hpp>
#include <ctnn/tensor.hpp>

namespace ctnn {

struct fit_options {
    std::size_t epochs = 1;
    std::size_t batch_size = 32;  // the last batch of an epoch may be smaller
    bool shuffle = true;          // a fresh sample order every epoch, drawn from `seed`
    std::uint64_t seed = 0;
};

// What the progress callback receives after every epoch. `accuracy` is the fraction of samples
// whose prediction matched: the arg-max class, or for a single output, the side of 0.5.
struct epoch_report {
    std::size_t epoch;  // 1-based
    std::size_t epochs;
    double loss;        // mean loss over the epoch's samples, measured before each update
    double accuracy;
};

struct fit_result {
    ctnn::result outcome;
    std::size_t epochs_run = 0;
    double loss = 0;
    double accuracy = 0;
};

namespace detail {
template <class Model>
inline constexpr bool ends_with_softmax =
    std::is_same_v<typename Model::template layer<Model::layer_count - 1>::layer, softmax>;

template <std::size_t N, class T>
bool prediction_matches(const T* y, const T* target) {
    if constexpr (N == 1) {
        return (y[0] >= T(0.5)) == (target[0] >= T(0.5));
    } else {
        return std::max_element(y, y + N) - y == std::max_element(target, target + N) - target;
    }
}

// A pseudo-random order of n samples that needs no storage: i -> (a i + c) mod n is a
// permutation whenever gcd(a, n) = 1. Keeps shuffling allocation-free for any data size.
struct sample_order {
    std::uint64_t n = 1, multiplier = 1, offset = 0;
    std::uint64_t operator[](std::uint64_t i) const { return (multiplier * i + offset) % n; }

    static sample_order identity(std::uint64_t n) { return {n, 1, 0}; }
    static sample_order shuffled(std::uint64_t n, random_generator& rng) {
        sample_order order{n, 1, 0};
        if (n < 3) {
            order.offset = n == 2 ? rng.below(2) : 0;
            return order;
        }
        do order.multiplier = 1 + rng.below(n - 1);
        while (std::gcd(order.multiplier, n) != 1);
        order.offset = rng.below(n);
        return order;
    }
};
}  // namespace detail

// Owns everything a training step needs besides the parameters and the optimizer: the gradients
// and the workspace (Model::training_workspace_bytes<T>). Put it wherever the RAM is.
template <class Model, class Loss, class T = float>
class trainer {
    static_assert(!Loss::fuses_softmax || detail::ends_with_softmax<Model>,
                  "ctnn::softmax_cross_entropy works on the logits of a final softmax: "
                  "end the model with ctnn::softmax");

public:
    using input_tensor = tensor<T, typename Model::input_shape>;
    using target_tensor = tensor<T, typename Model::output_shape>;

    gradients<Model, T> grads{};
    training_workspace<Model, T> workspace{};

    // Forward, loss and backward for one sample; adds scale * dL/dparams to `grads` and returns
    // the sample's loss. `matched` (optional) tells whether the prediction was right.
    template <class M, class TargetShape>
    T accumulate(const parameters<M, T>& params, const input_tensor& x,
                 const tensor<T, TargetShape>& target, T scale, bool* matched = nullptr) {
        static_assert(error::check<std::is_same_v<TargetShape, typename Model::output_shape>,
                                   error::expected_shape<typename Model::output_shape>,
                                   error::got_shape<TargetShape>>,
                      "ctnn: the loss target's shape differs from the model's output shape");
        static_assert(error::check<std::is_same_v<M, Model>, error::expected_model<Model>, error::got_model<M>>,
                      "ctnn: these parameters belong to another model than the trainer's");
        constexpr std::size_t last = Model::layer_count - 1;
        T* ws = workspace.data();
        Model::forward_raw(params.data(), x.data(), ws);
        if (matched != nullptr)
            *matched = detail::prediction_matches<target_tensor::size>(Model::template activation<last>(ws),
                                                                       target.data());
        if constexpr (Loss::fuses_softmax) {
            static_assert(Model::layer_count >= 2, "ctnn::softmax_cross_entropy needs a layer before the softmax");
            const T loss = Loss::template evaluate<target_tensor::size>(
                Model::template activation<last - 1>(ws), target.data(),
                Model::template output_gradient<last - 1>(ws), scale);
            Model::template backward_from<last - 1>(params.data(), x.data(), ws, grads.data(),
                                                    static_cast<T*>(nullptr));
            return loss;
        } else {
            const T loss = Loss::template evaluate<target_tensor::size>(
                Model::template activation<last>(ws), target.data(), Model::template output_gradient<last>(ws),
                scale);
            Model::template backward_from<last>(params.data(), x.data(), ws, grads.data(), static_cast<T*>(nullptr));
            return loss;
        }
    }

    // One optimizer step on the mean loss of one batch; returns that mean loss. `inputs` and
    // `targets` are contiguous ranges of tensors (C arrays, std::array, std::vector, std::span).
    template <class Optimizer, class Inputs, class Targets>
    T train_batch(parameters<Model, T>& params, Optimizer& optimizer, const Inputs& input_range,
                  const Targets& target_range, std::size_t* matched = nullptr) {
        const std::span<const input_tensor> inputs(input_range);
        const auto targets = as_targets(target_range);
        std::fill(grads.values.begin(), grads.values.end(), T(0));
        const std::size_t count = std::min(inputs.size(), targets.size());
        if (count == 0) return T(0);
        const T scale = T(1) / T(count);
        T total = T(0);
        for (std::size_t i = 0; i < count; ++i) {
            bool hit = false;
            total += accumulate(params, inputs[i], targets[i], scale, &hit);
            if (matched != nullptr && hit) ++*matched;
        }
        optimizer.step(params, grads);
        return total / T(count);
    }

    // Mini-batch training over caller-owned data. `on_epoch(const epoch_report&)` is called after
    // each epoch; if it returns bool, false stops training early.
    template <class Optimizer, class Inputs, class Targets, class Callback>
    fit_result fit(parameters<Model, T>& params, Optimizer& optimizer, const Inputs& input_range,
                   const Targets& target_range, const fit_options& options, Callback&& on_epoch) {
        const std::span<const input_tensor> inputs(input_range);
        const auto targets = as_targets(target_range);
        fit_result outcome;
        if (inputs.size() != targets.size())
            return fail(outcome, "fit: inputs and targets hold different numbers of samples");
        if (inputs.empty()) return fail(outcome, "fit: no samples");
        if (options.batch_size == 0) return fail(outcome, "fit: batch_size must be at least 1");
        if (inputs.size() >= (std::size_t{1} << 32)) return fail(outcome, "fit: more than 2^32 - 1 samples");

        const std::size_t n = inputs.size();
        random_generator rng(options.seed);
        for (std::size_t epoch = 1; epoch <= options.epochs; ++epoch) {
            const auto order = options.shuffle ? detail::sample_order::shuffled(n, rng)
                                               : detail::sample_order::identity(n);
            double loss_total = 0;
            std::size_t matched = 0;
            for (std::size_t start = 0; start < n; start += options.batch_size) {
                const std::size_t count = std::min(options.batch_size, n - start);
                std::fill(grads.values.begin(), grads.values.end(), T(0));
                const T scale = T(1) / T(count);
                for (std::size_t k = 0; k < count; ++k) {
                    const std::size_t i = static_cast<std::size_t>(order[start + k]);
                    bool hit = false;
                    loss_total += double(accumulate(params, inputs[i], targets[i], scale, &hit));
                    matched += hit ? 1 : 0;
                }
                optimizer.step(params, grads);
            }
            outcome.epochs_run = epoch;
            outcome.loss = loss_total / double(n);
            outcome.accuracy = double(matched) / double(n);
            const epoch_report report{epoch, options.epochs, outcome.loss, outcome.accuracy};
            if constexpr (std::is_same_v<std::invoke_result_t<Callback, const epoch_report&>, bool>) {
                if (!on_epoch(report)) break;
            } else {
                on_epoch(report);
            }
        }
        return outcome;
    }

    template <class Optimizer, class Inputs, class Targets>
    fit_result fit(parameters<Model, T>& params, Optimizer& optimizer, const Inputs& inputs, const Targets& targets,
                   const fit_options& options) {
        return fit(params, optimizer, inputs, targets, options, [](const epoch_report&) {});
    }

private:
    // Targets are taken as any contiguous range so that a target of the wrong shape reaches the
    // shape check in accumulate() (with a readable message) instead of failing overload resolution.
    template <class Targets>
    static auto as_targets(const Targets& targets) {
        using element = std::remove_cvref_t<decltype(*std::data(targets))>;
        return std::span<const element>(std::data(targets), std::size(targets));
    }

    static fit_result& fail(fit_result& outcome, const char* why) {
        outcome.outcome = {status::invalid_argument, why};
        return outcome;
    }
};

}  // namespace ctnn
