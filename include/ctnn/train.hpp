// ctnn/train.hpp: training a model on caller-owned data, one fixed-size workspace, no heap.
#pragma once
#include <cstddef>
#include <cstdint>
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
    std::size_t batch_size = 0;   // 0: the trainer's BatchCapacity; the last batch may be smaller
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

// What the optional per-batch callback receives, for progress bars.
struct batch_report {
    std::size_t epoch;    // 1-based
    std::size_t batch;    // 1-based, within the epoch
    std::size_t batches;  // per epoch
    double loss;          // mean loss of this batch
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

// The first of the largest values wins, as with std::max_element.
template <std::size_t N, class T>
std::size_t index_of_largest(const T* values) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < N; ++i)
        if (values[best] < values[i]) best = i;
    return best;
}

template <std::size_t N, class T>
bool prediction_matches(const T* y, const T* target) {
    if constexpr (N == 1) {
        return (y[0] >= T(0.5)) == (target[0] >= T(0.5));
    } else {
        return index_of_largest<N>(y) == index_of_largest<N>(target);
    }
}

constexpr std::uint64_t greatest_common_divisor(std::uint64_t a, std::uint64_t b) {
    while (b != 0) {
        const std::uint64_t rest = a % b;
        a = b;
        b = rest;
    }
    return a;
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
        while (greatest_common_divisor(order.multiplier, n) != 1);
        order.offset = rng.below(n);
        return order;
    }
};
}  // namespace detail

// Owns everything a training step needs besides the parameters and the optimizer: gradients, the
// workspace for up to BatchCapacity samples, and a staging copy of the batch's inputs. Its size
// is a compile-time constant (sizeof(trainer)); put it wherever the RAM is (static storage for
// large models).
template <class Model, class Loss, class T = float, std::size_t BatchCapacity = 32>
class trainer {
    static_assert(!Loss::fuses_softmax || detail::ends_with_softmax<Model>,
                  "ctnn::softmax_cross_entropy works on the logits of a final softmax: "
                  "end the model with ctnn::softmax");
    static_assert(!Loss::fuses_softmax || Model::layer_count >= 2,
                  "ctnn::softmax_cross_entropy needs a layer before the final softmax");

    static constexpr std::size_t last = Model::layer_count - 1;
    // The layer whose output the loss reads: the softmax's input when the loss absorbs the softmax.
    static constexpr std::size_t loss_layer = Loss::fuses_softmax ? last - 1 : last;
    static constexpr std::size_t input_size = Model::input_shape::size;
    static constexpr std::size_t output_size = Model::output_shape::size;

public:
    using input_tensor = tensor<T, typename Model::input_shape>;
    using target_tensor = tensor<T, typename Model::output_shape>;
    static constexpr std::size_t batch_capacity = BatchCapacity;

    // The last batch's gradients. compute_gradients fills them all; a training step with SGD
    // without momentum leaves out those a layer applied straight from its registers
    // (ctnn::dense's weights: ctnn/optim/in_place_descent.hpp).
    gradients<Model, T> grads{};
    training_workspace<Model, T, BatchCapacity> workspace{};

    // One optimizer step on the mean loss of one batch (1 to BatchCapacity samples); reports the
    // batch's mean loss and accuracy, measured before the update. `inputs` and `targets` are
    // contiguous ranges (C arrays, std::array, std::vector, std::span) of tensors, or of T: the
    // samples' values one after another, as a batched tensor holds them. Input values are read in
    // place; input tensors are copied into the trainer first.
    template <class Optimizer, class Inputs, class Targets>
    fit_result train_batch(parameters<Model, T>& params, Optimizer& optimizer, const Inputs& input_range,
                           const Targets& target_range) {
        const auto inputs = samples_of<input_shape>(input_range);
        const auto targets = samples_of<output_shape>(checked_targets(target_range));
        fit_result outcome;
        if (!check_batch(inputs, targets, train_batch_errors, outcome)) return outcome;
        std::size_t matched = 0;
        const T loss = step(params, optimizer, batch_values(inputs), inputs.count,
                            [&](std::size_t k) { return targets[k]; }, matched);
        return summarise(outcome, loss, matched, inputs.count);
    }

    // The gradient of the mean loss over one batch, without updating anything: `grads` receives
    // dL/dparams; when `input_gradients` is given (batch * input size values) it receives dL/dx.
    // Uses the current workspace.context (dropout masks) as it is. Ranges as for train_batch.
    template <class Inputs, class Targets>
    fit_result compute_gradients(const parameters<Model, T>& params, const Inputs& input_range,
                                 const Targets& target_range, T* input_gradients = nullptr) {
        const auto inputs = samples_of<input_shape>(input_range);
        const auto targets = samples_of<output_shape>(checked_targets(target_range));
        fit_result outcome;
        if (!check_batch(inputs, targets, compute_gradients_errors, outcome)) return outcome;
        std::size_t matched = 0;
        const T loss = batch_gradients(params, batch_values(inputs), inputs.count,
                                       [&](std::size_t k) { return targets[k]; }, matched, input_gradients);
        return summarise(outcome, loss, matched, inputs.count);
    }

    // Mini-batch training over caller-owned data (ranges as for train_batch). `on_epoch(const
    // epoch_report&)` is called after each epoch; if it returns bool, false stops training early.
    // `on_batch(const batch_report&)` is called after every batch. batch_size 0 means BatchCapacity.
    template <class Optimizer, class Inputs, class Targets, class EpochCallback,
              class BatchCallback = void (*)(const batch_report&)>
    fit_result fit(parameters<Model, T>& params, Optimizer& optimizer, const Inputs& input_range,
                   const Targets& target_range, const fit_options& options, EpochCallback&& on_epoch,
                   BatchCallback&& on_batch = [](const batch_report&) {}) {
        const auto inputs = samples_of<input_shape>(input_range);
        const auto targets = samples_of<output_shape>(checked_targets(target_range));
        fit_result outcome;
        const std::size_t batch_size = options.batch_size == 0 ? BatchCapacity : options.batch_size;
        if (!inputs.whole || !targets.whole) return fail(outcome, "fit: the values are not a whole number of samples");
        if (inputs.count != targets.count)
            return fail(outcome, "fit: inputs and targets hold different numbers of samples");
        if (inputs.count == 0) return fail(outcome, "fit: no samples");
        if (batch_size > BatchCapacity)
            return fail(outcome, "fit: batch_size exceeds the trainer's BatchCapacity");
        if (std::uint64_t{inputs.count} > std::uint64_t{0xFFFFFFFF}) return fail(outcome, "fit: more than 2^32 - 1 samples");

        const std::size_t n = inputs.count;
        random_generator rng(options.seed);
        noise_seed_ = rng.next();
        steps_ = 0;
        for (std::size_t epoch = 1; epoch <= options.epochs; ++epoch) {
            const auto order = options.shuffle ? detail::sample_order::shuffled(n, rng)
                                               : detail::sample_order::identity(n);
            double loss_total = 0;
            std::size_t matched = 0;
            const std::size_t batches = (n + batch_size - 1) / batch_size;
            for (std::size_t b = 0; b < batches; ++b) {
                const std::size_t start = b * batch_size;
                const std::size_t count = n - start < batch_size ? n - start : batch_size;
                const double batch_loss = double(step_in_order(params, optimizer, inputs, targets, order, start, count, matched));
                loss_total += batch_loss;
                on_batch(batch_report{epoch, b + 1, batches, batch_loss / double(count)});
            }
            outcome.epochs_run = epoch;
            outcome.loss = loss_total / double(n);
            outcome.accuracy = double(matched) / double(n);
            const epoch_report report{epoch, options.epochs, outcome.loss, outcome.accuracy};
            if constexpr (std::is_same_v<std::invoke_result_t<EpochCallback, const epoch_report&>, bool>) {
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
    using input_shape = typename Model::input_shape;
    using output_shape = typename Model::output_shape;
    alignas(tensor_alignment) T batch_inputs_[BatchCapacity * input_size];
    // Dropout masks: a fresh key per step, reproducible from the fit seed.
    std::uint64_t noise_seed_ = 0;
    std::uint64_t steps_ = 0;

    // A caller's contiguous range of samples of Shape: tensors, or their values one after another.
    template <class Shape>
    struct samples {
        const tensor<T, Shape>* tensors = nullptr;
        const T* values = nullptr;  // used when in_values
        bool in_values = false;
        bool whole = true;  // false: values that end inside a sample
        std::size_t count = 0;
        const T* operator[](std::size_t k) const { return in_values ? values + k * Shape::size : tensors[k].data(); }
    };
    template <class Shape, class Range>
    static samples<Shape> samples_of(const Range& range) {
        using element = std::remove_cvref_t<decltype(*std::data(range))>;
        if constexpr (std::is_same_v<element, T>)
            return {nullptr, std::data(range), true, std::size(range) % Shape::size == 0, std::size(range) / Shape::size};
        else
            return {std::data(range), nullptr, false, true, std::size(range)};
    }

    // Targets are taken as any contiguous range so that a target of the wrong shape reaches the
    // shape check below (with a readable message) instead of failing overload resolution.
    template <class Targets>
    static auto checked_targets(const Targets& targets) {
        using element = std::remove_cvref_t<decltype(*std::data(targets))>;
        if constexpr (std::is_same_v<element, T>) {
            return std::span<const T>(std::data(targets), std::size(targets));
        } else {
            static_assert(error::check<std::is_same_v<element, target_tensor>,
                                       error::expected_shape<typename Model::output_shape>,
                                       error::got_shape<typename element::shape_type>>,
                          "ctnn: the loss target's shape differs from the model's output shape");
            // An empty span after a failed check: the call that follows still matches, so the
            // message above stays the only error.
            if constexpr (std::is_same_v<element, target_tensor>)
                return std::span<const element>(std::data(targets), std::size(targets));
            else
                return std::span<const target_tensor>();
        }
    }

    // What a bad batch's result says, naming the call.
    struct batch_errors {
        const char* partial_sample;
        const char* counts_differ;
        const char* bad_size;
    };
    static constexpr batch_errors train_batch_errors{
        "train_batch: the values are not a whole number of samples",
        "train_batch: inputs and targets hold different numbers of samples",
        "train_batch: the batch must hold 1 to BatchCapacity samples"};
    static constexpr batch_errors compute_gradients_errors{
        "compute_gradients: the values are not a whole number of samples",
        "compute_gradients: inputs and targets hold different numbers of samples",
        "compute_gradients: the batch must hold 1 to BatchCapacity samples"};
    static bool check_batch(const samples<input_shape>& inputs, const samples<output_shape>& targets,
                            const batch_errors& errors, fit_result& outcome) {
        const char* why = !inputs.whole || !targets.whole          ? errors.partial_sample
                          : inputs.count != targets.count           ? errors.counts_differ
                          : inputs.count == 0 || inputs.count > BatchCapacity ? errors.bad_size
                                                                    : nullptr;
        if (why != nullptr) fail(outcome, why);
        return why == nullptr;
    }

    // A batch's inputs one after another: the caller's values in place, or its tensors copied.
    // Tensors are copied even in the caller's order: reading them in place would walk one
    // tensor's pointer into the next, which C++ leaves undefined (the copy cost about 3% of an M2
    // batch-64 step: 179 against 173 us in one loaded comparison).
    const T* batch_values(const samples<input_shape>& inputs) {
        if (inputs.in_values) return inputs.values;
        for (std::size_t k = 0; k < inputs.count; ++k) stage(inputs[k], k);
        return batch_inputs_;
    }

    // Copies one sample to slot k of batch_inputs_.
    void stage(const T* x, std::size_t k) {
        T* slot = batch_inputs_ + k * input_size;
        for (std::size_t i = 0; i < input_size; ++i) slot[i] = x[i];
    }

    static fit_result& summarise(fit_result& outcome, T loss, std::size_t matched, std::size_t count) {
        outcome.loss = double(loss) / double(count);
        outcome.accuracy = double(matched) / double(count);
        return outcome;
    }

    static fit_result& fail(fit_result& outcome, const char* why) {
        outcome.outcome = {status::invalid_argument, why};
        return outcome;
    }

    // A fused softmax normalises the last dimension, so the loss sees one distribution per row.
    template <std::size_t N>
    static T evaluate_loss(const T* y, const T* target, T* dy, T scale) {
        if constexpr (Loss::fuses_softmax)
            return Loss::template evaluate<N, T, Model::output_shape::dims[Model::output_shape::rank - 1]>(y, target, dy,
                                                                                                           scale);
        else
            return Loss::template evaluate<N>(y, target, dy, scale);
    }

    // Samples order[start .. start+count) as one batch: gathered into batch_inputs_, then a step.
    template <class Optimizer>
    T step_in_order(parameters<Model, T>& params, Optimizer& optimizer, const samples<input_shape>& inputs,
                    const samples<output_shape>& targets, const detail::sample_order& order, std::size_t start,
                    std::size_t count, std::size_t& matched) {
        for (std::size_t k = 0; k < count; ++k) stage(inputs[static_cast<std::size_t>(order[start + k])], k);
        return step(params, optimizer, batch_inputs_, count,
                    [&](std::size_t k) { return targets[static_cast<std::size_t>(order[start + k])]; }, matched);
    }

    // Gradients, running statistics and update for `count` inputs one after another at x.
    // Returns the summed loss of the batch's samples.
    template <class Optimizer, class TargetOf>
    T step(parameters<Model, T>& params, Optimizer& optimizer, const T* x, std::size_t count, TargetOf&& target_of,
           std::size_t& matched) {
        workspace.context.noise_key = detail::mix64(noise_seed_, steps_++);
        // An optimizer that can step during the backward pass does (ctnn/optim/in_place_descent.hpp).
        constexpr bool in_place = requires { optimizer.in_place(params, grads); };
        T loss;
        if constexpr (in_place)
            loss = batch_gradients(params, x, count, target_of, matched, static_cast<T*>(nullptr),
                                   optimizer.in_place(params, grads));
        else
            loss = batch_gradients(params, x, count, target_of, matched, static_cast<T*>(nullptr));
        Model::update_state(params, x, count, workspace);
        if constexpr (!in_place) optimizer.step(params, grads);
        return loss;
    }

    // Forward, loss and backward for `count` inputs one after another at x (target_of(k): sample
    // k's target values): `grads` becomes the gradient of their mean loss; returns the summed
    // loss. With a descent the parameters also take the step (ctnn/optim/in_place_descent.hpp) and
    // `grads` keeps only what was stored.
    template <class TargetOf, class Descent = std::nullptr_t>
    T batch_gradients(const parameters<Model, T>& params, const T* x, std::size_t count, TargetOf&& target_of,
                      std::size_t& matched, T* input_gradients, Descent descent = nullptr) {
        Model::forward(params, x, count, workspace);
        constexpr std::size_t loss_size = Model::output_sizes[loss_layer];
        const T scale = T(1) / T(count);
        T loss = T(0);
        for (std::size_t k = 0; k < count; ++k) {
            const T* target = target_of(k);
            loss += evaluate_loss<loss_size>(workspace.template activation<loss_layer>() + k * loss_size, target,
                                             workspace.template output_gradient<loss_layer>() + k * loss_size, scale);
            if (detail::prediction_matches<output_size>(workspace.output(k).data(), target)) ++matched;
        }
        // Written rather than zeroed then added to: zeroing M2's 437 KB cost about 5 us a step.
        Model::template backward_from<loss_layer, true>(params, x, count, workspace, grads,
                                                         input_gradients, descent);
        return loss;
    }
};

}  // namespace ctnn
