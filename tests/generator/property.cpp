// The generated C against the header path, bit for bit, over every model of models.hpp (fixed
// edge cases and random architectures) and many random inputs: inference, training forward,
// backward (parameter gradients accumulated over the inputs, dx with and without NULL), the loss
// step of each model, batched header training against per-sample C, and the optimizer steps.
// The C is compiled as C99 with the same flags as this file (see CMakeLists.txt).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include <ctnn/model.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/optim/sgd.hpp>
#include <ctnn/parameters.hpp>
#include <ctnn/random.hpp>

#include "models.hpp"
#include "models_headers.h"

namespace {

// What the generated C offers for model K; models.inc specialises these.
template <std::size_t K>
struct c_model;
template <std::size_t K>
struct c_optimizers;
template <std::size_t K>
struct c_inference_model;
template <std::size_t K>
struct c_stream;

#define CTNN_PROPERTY_MODEL(K, p, P)                                     \
    template <>                                                          \
    struct c_model<K> {                                                  \
        static constexpr auto infer = &p##_infer;                        \
        static constexpr auto forward = &p##_forward;                    \
        static constexpr auto backward = &p##_backward;                  \
        static constexpr auto train_sample = &p##_train_sample;          \
        static constexpr auto train_batch = &p##_train_batch;            \
        static constexpr std::size_t scratch_size = P##_INFER_SCRATCH_SIZE;   \
        static constexpr std::size_t workspace_size = P##_TRAIN_WORKSPACE_SIZE; \
        static constexpr std::size_t output_offset = P##_TRAIN_OUTPUT_OFFSET;   \
        static constexpr std::size_t param_count = P##_PARAM_COUNT;     \
        static constexpr std::size_t input_size = P##_INPUT_SIZE;       \
        static constexpr std::size_t output_size = P##_OUTPUT_SIZE;     \
    };
#define CTNN_PROPERTY_OPTIMIZERS(K, p, P)                                                                   \
    template <>                                                                                             \
    struct c_optimizers<K> {                                                                                \
        using sgd = p##_sgd;                                                                                \
        using adam = p##_adam;                                                                              \
        static constexpr auto sgd_step = &p##_sgd_step;                                                     \
        static constexpr auto adam_step = &p##_adam_step;                                                   \
        static std::unique_ptr<sgd> make_sgd(float learning_rate, float momentum) {                         \
            return std::unique_ptr<sgd>(new sgd P##_SGD_INIT(learning_rate, momentum));                     \
        }                                                                                                   \
        static std::unique_ptr<adam> make_adam(float learning_rate) {                                       \
            return std::unique_ptr<adam>(new adam P##_ADAM_INIT(learning_rate));                            \
        }                                                                                                   \
    };
#define CTNN_PROPERTY_INFERENCE_MODEL(K, p, P)                              \
    template <>                                                             \
    struct c_inference_model<K> {                                           \
        static constexpr auto infer = &p##_infer;                           \
        static constexpr std::size_t scratch_size = P##_INFER_SCRATCH_SIZE; \
        static_assert(P##_TRAINING == 0, "generated for inference only");   \
    };
#define CTNN_PROPERTY_STREAM(K, p, P)                                      \
    template <>                                                            \
    struct c_stream<K> {                                                   \
        using state = p##_state;                                           \
        static constexpr auto reset = &p##_state_reset;                    \
        static constexpr auto step = &p##_step;                            \
        static constexpr std::size_t state_size = P##_STATE_SIZE;          \
        static constexpr std::size_t step_input_size = P##_STEP_INPUT_SIZE;   \
        static constexpr std::size_t step_output_size = P##_STEP_OUTPUT_SIZE; \
    };
#include "models.inc"
#undef CTNN_PROPERTY_STREAM
#undef CTNN_PROPERTY_MODEL
#undef CTNN_PROPERTY_OPTIMIZERS
#undef CTNN_PROPERTY_INFERENCE_MODEL

constexpr std::size_t trials = 100;

bool same_bits(const float* a, const float* b, std::size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

// Inputs that visit every branch: ordinary values, signed zeros, values that saturate exp and
// sigmoid, tiny values.
float draw_input(ctnn::random_generator& rng) {
    switch (rng.below(16)) {
        case 0: return 0.0f;
        case 1: return -0.0f;
        case 2: return rng.uniform<float>(-120.0f, 120.0f);
        case 3: return rng.uniform<float>(-1e-3f, 1e-3f);
        default: return rng.uniform<float>(-3.0f, 3.0f);
    }
}

template <class Loss>
float draw_target(ctnn::random_generator& rng) {
    if constexpr (std::is_same_v<Loss, ctnn::mse>)
        return rng.uniform<float>(-2.0f, 2.0f);
    else
        return rng.uniform01<float>();  // probabilities (soft targets for the cross-entropies)
}

// Memory the C code must not read before writing: filled with NaN.
std::vector<float> poisoned(std::size_t n) { return std::vector<float>(n, std::numeric_limits<float>::quiet_NaN()); }

// As ctnn::trainer calls the loss: a fused softmax normalises the last dimension, one distribution per row.
template <class M, class Loss, std::size_t N>
float evaluate_loss(const float* y, const float* target, float* dy, float scale) {
    if constexpr (Loss::fuses_softmax)
        return Loss::template evaluate<N, float, M::output_shape::dims[M::output_shape::rank - 1]>(y, target, dy, scale);
    else
        return Loss::template evaluate<N>(y, target, dy, scale);
}

struct tally {
    std::size_t models = 0;
    std::size_t inputs = 0;
    std::size_t comparisons = 0;
};

// Parameters in [-1, 1], but batch_norm's running variances positive.
template <class M>
void draw_parameters(ctnn::parameters<M, float>& params, ctnn::random_generator& rng) {
    for (float& v : params.values) v = rng.uniform<float>(-1.0f, 1.0f);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                using bound = typename M::template layer<I>;
                if constexpr (requires { bound::running_var; })
                    for (std::size_t c = 0; c < bound::channels; ++c)
                        params.values[M::param_offsets[I] + bound::running_var + c] = rng.uniform<float>(0.05f, 2.0f);
            }(),
            ...);
    }(std::make_index_sequence<M::layer_count>{});
}

template <std::size_t K>
void check_model(tally& total) {
    using M = property::model<K>;
    using C = c_model<K>;
    using Loss = property::loss_for<M>;
    constexpr std::size_t in = M::input_shape::size;
    constexpr std::size_t out = M::output_shape::size;
    constexpr std::size_t last = M::layer_count - 1;
    constexpr std::size_t loss_layer = Loss::fuses_softmax ? last - 1 : last;
    constexpr std::size_t loss_size = M::output_sizes[loss_layer];
    static_assert(C::param_count == M::param_count && C::input_size == in && C::output_size == out,
                  "the generated sizes differ from the model's");
    // Memory: inference scratch within the header path's arena (the largest adjacent pair), the
    // training workspace within the header path's per-sample workspace.
    static_assert(C::scratch_size <= std::max<std::size_t>(M::inference_scratch_size, 1),
                  "the generated inference scratch exceeds the header path's");
    static_assert(C::workspace_size <= M::training_workspace_size_per_sample,
                  "the generated training workspace exceeds the header path's");
    INFO("model ", K, " (see models.hpp; its C is prop_", K, ".c)");

    ctnn::random_generator rng(property::mix(K, 77));
    auto params = std::make_unique<ctnn::parameters<M, float>>();
    draw_parameters(*params, rng);

    auto ws = std::make_unique<ctnn::training_workspace<M, float, 1>>();
    ctnn::inference_scratch<M, float> scratch_h;
    auto grads_h = std::make_unique<ctnn::gradients<M, float>>();
    auto grads2_h = std::make_unique<ctnn::gradients<M, float>>();
    std::vector<float> grads_c(M::param_count, 0.0f), grads2_c(M::param_count, 0.0f);
    grads_h->values.fill(0.0f);
    grads2_h->values.fill(0.0f);

    std::vector<float> x(in), dy(out), target(loss_size), dx_h(in), dx_c(in), y_h(out);
    for (std::size_t t = 0; t < trials; ++t) {
        CAPTURE(t);
        for (float& v : x) v = draw_input(rng);

        // Inference.
        M::infer_raw(params->data(), x.data(), y_h.data(), scratch_h.data());
        std::vector<float> y_c = poisoned(out), scratch_c = poisoned(C::scratch_size);
        C::infer(params->data(), x.data(), y_c.data(), scratch_c.data());
        CHECK_MESSAGE(same_bits(y_h.data(), y_c.data(), out), "infer differs");

        // Training forward.
        M::forward(*params, x.data(), 1, *ws);
        std::vector<float> ws_c = poisoned(C::workspace_size);
        const float* y_fc = C::forward(params->data(), x.data(), ws_c.data());
        CHECK(y_fc == ws_c.data() + C::output_offset);
        CHECK_MESSAGE(same_bits(ws->output(0).data(), y_fc, out), "forward differs");

        // Backward; gradients keep accumulating over the trials, dx is NULL now and then.
        for (float& v : dy) v = rng.uniform<float>(-1.0f, 1.0f);
        std::memcpy(ws->template output_gradient<last>(), dy.data(), out * sizeof(float));
        const bool want_dx = t % 3 != 0;
        M::backward(*params, x.data(), 1, *ws, *grads_h, want_dx ? dx_h.data() : nullptr);
        dx_c = poisoned(in);
        C::backward(params->data(), x.data(), ws_c.data(), dy.data(), grads_c.data(), want_dx ? dx_c.data() : nullptr);
        CHECK_MESSAGE(same_bits(grads_h->data(), grads_c.data(), M::param_count), "parameter gradients differ");
        if (want_dx) CHECK_MESSAGE(same_bits(dx_h.data(), dx_c.data(), in), "dx differs");

        // One sample of the trainer's step: forward, loss, backward from the loss layer.
        for (float& v : target) v = draw_target<Loss>(rng);
        const float scale = 1.0f / float(1 + rng.below(8));
        M::forward(*params, x.data(), 1, *ws);
        const float loss_h = evaluate_loss<M, Loss, loss_size>(ws->template activation<loss_layer>(), target.data(),
                                                               ws->template output_gradient<loss_layer>(), scale);
        M::template backward_from<loss_layer>(*params, x.data(), 1, *ws, *grads2_h, static_cast<float*>(nullptr));
        ws_c = poisoned(C::workspace_size);
        const float loss_c = C::train_sample(params->data(), x.data(), target.data(), scale, ws_c.data(), grads2_c.data());
        CHECK_MESSAGE(same_bits(&loss_h, &loss_c, 1), "the loss differs");
        CHECK_MESSAGE(same_bits(grads2_h->data(), grads2_c.data(), M::param_count), "train_sample's gradients differ");
        total.comparisons += 7;
    }
    total.inputs += trials;

    // A batch of nineteen through the header path equals nineteen samples through the C. It takes
    // the batched paths and their remainders: dense's blocks of samples and those left alone, and
    // under AVX-512 conv2d's group of 16 samples in vector lanes and three alone.
    {
        constexpr std::size_t batch = 19;
        auto ws4 = std::make_unique<ctnn::training_workspace<M, float, batch>>();
        auto gb_h = std::make_unique<ctnn::gradients<M, float>>();
        gb_h->values.fill(0.0f);
        std::vector<float> gb_c(M::param_count, 0.0f), xs(batch * in), dys(batch * out), dxs_h(batch * in),
            dxs_c(batch * in);
        for (float& v : xs) v = draw_input(rng);
        for (float& v : dys) v = rng.uniform<float>(-1.0f, 1.0f);
        M::forward(*params, xs.data(), batch, *ws4);
        std::memcpy(ws4->template output_gradient<last>(), dys.data(), dys.size() * sizeof(float));
        M::backward(*params, xs.data(), batch, *ws4, *gb_h, dxs_h.data());
        std::vector<float> ws_c(C::workspace_size);
        for (std::size_t s = 0; s < batch; ++s) {
            C::forward(params->data(), xs.data() + s * in, ws_c.data());
            C::backward(params->data(), xs.data() + s * in, ws_c.data(), dys.data() + s * out, gb_c.data(),
                        dxs_c.data() + s * in);
        }
        CHECK_MESSAGE(same_bits(gb_h->data(), gb_c.data(), M::param_count), "batched gradients differ");
        CHECK_MESSAGE(same_bits(dxs_h.data(), dxs_c.data(), batch * in), "batched dx differs");
        // The trainer's backward writes the gradients instead of adding them: the same bits as
        // adding them to zeros, whatever the gradients held before.
        std::memcpy(ws4->template output_gradient<last>(), dys.data(), dys.size() * sizeof(float));
        auto ga_h = std::make_unique<ctnn::gradients<M, float>>();
        for (float& v : ga_h->values) v = rng.uniform<float>(-1.0f, 1.0f);
        M::template backward_from<last, true>(*params, xs.data(), batch, *ws4, *ga_h, static_cast<float*>(nullptr));
        CHECK_MESSAGE(same_bits(ga_h->data(), gb_c.data(), M::param_count), "written batched gradients differ");

        // train_batch against the trainer's step: forward, the loss of each sample with scale
        // 1 / batch, backward from the loss layer onto gradients it writes. The C must not read
        // its gradients or workspace before writing them (both poisoned).
        std::vector<float> targets(batch * loss_size);
        for (float& v : targets) v = draw_target<Loss>(rng);
        M::forward(*params, xs.data(), batch, *ws4);
        const float scale = 1.0f / float(batch);
        float loss_h = 0.0f;
        for (std::size_t s = 0; s < batch; ++s)
            loss_h += evaluate_loss<M, Loss, loss_size>(ws4->template activation<loss_layer>() + s * loss_size,
                                                        targets.data() + s * loss_size,
                                                        ws4->template output_gradient<loss_layer>() + s * loss_size, scale);
        loss_h /= float(batch);
        M::template backward_from<loss_layer, true>(*params, xs.data(), batch, *ws4, *ga_h,
                                                    static_cast<float*>(nullptr));
        std::vector<float> batch_ws_c = poisoned(batch * C::workspace_size), batch_grads_c = poisoned(M::param_count);
        const float batch_loss_c = C::train_batch(params->data(), xs.data(), targets.data(), batch, batch_ws_c.data(),
                                                  batch_grads_c.data());
        CHECK_MESSAGE(same_bits(&loss_h, &batch_loss_c, 1), "train_batch's loss differs");
        CHECK_MESSAGE(same_bits(ga_h->data(), batch_grads_c.data(), M::param_count), "train_batch's gradients differ");
        // No samples: NaN, and the gradients left as they were.
        std::vector<float> kept(M::param_count, 1.0f);
        const float empty_loss = C::train_batch(params->data(), xs.data(), targets.data(), 0, batch_ws_c.data(), kept.data());
        CHECK(std::isnan(empty_loss));
        CHECK(std::all_of(kept.begin(), kept.end(), [](float v) { return v == 1.0f; }));
        total.comparisons += 5;
    }

    // Optimizer steps from the same parameters and gradients.
    if constexpr (M::param_count > 0) {
        using O = c_optimizers<K>;
        auto sgd_h = std::make_unique<ctnn::sgd<M, float>>();
        sgd_h->learning_rate = 0.05f;
        sgd_h->momentum = 0.9f;
        auto sgd_c = O::make_sgd(0.05f, 0.9f);
        auto adam_h = std::make_unique<ctnn::adam<M, float>>();
        adam_h->learning_rate = 0.01f;
        auto adam_c = O::make_adam(0.01f);
        auto p_sgd = std::make_unique<ctnn::parameters<M, float>>(*params);
        auto p_adam = std::make_unique<ctnn::parameters<M, float>>(*params);
        std::vector<float> p_sgd_c(params->values.begin(), params->values.end()), p_adam_c = p_sgd_c;
        auto g = std::make_unique<ctnn::gradients<M, float>>();
        for (std::size_t step = 0; step < 6; ++step) {
            for (float& v : g->values) v = step == 2 ? 0.0f : rng.uniform<float>(-1.0f, 1.0f) * (step == 4 ? 1e4f : 1.0f);
            sgd_h->step(*p_sgd, *g);
            O::sgd_step(sgd_c.get(), p_sgd_c.data(), g->data());
            adam_h->step(*p_adam, *g);
            O::adam_step(adam_c.get(), p_adam_c.data(), g->data());
        }
        CHECK_MESSAGE(same_bits(p_sgd->data(), p_sgd_c.data(), M::param_count), "sgd differs");
        CHECK_MESSAGE(same_bits(sgd_h->velocity.data(), sgd_c->velocity, M::param_count), "sgd's velocity differs");
        // Without momentum both paths skip the velocity.
        sgd_h->momentum = 0.0f;
        sgd_c->momentum = 0.0f;
        for (float& v : g->values) v = rng.uniform<float>(-1.0f, 1.0f);
        sgd_h->step(*p_sgd, *g);
        O::sgd_step(sgd_c.get(), p_sgd_c.data(), g->data());
        CHECK_MESSAGE(same_bits(p_sgd->data(), p_sgd_c.data(), M::param_count), "sgd without momentum differs");
        CHECK_MESSAGE(same_bits(sgd_h->velocity.data(), sgd_c->velocity, M::param_count),
                      "sgd's velocity without momentum differs");
        CHECK_MESSAGE(same_bits(p_adam->data(), p_adam_c.data(), M::param_count), "adam differs");
        CHECK_MESSAGE(same_bits(adam_h->first_moment.data(), adam_c->first_moment, M::param_count), "adam's m differs");
        CHECK_MESSAGE(same_bits(adam_h->second_moment.data(), adam_c->second_moment, M::param_count), "adam's v differs");
        total.comparisons += 7;
    }
    ++total.models;
}

template <std::size_t K>
void check_inference_model(tally& total) {
    using M = property::inference_model<K>;
    using C = c_inference_model<K>;
    constexpr std::size_t in = M::input_shape::size;
    constexpr std::size_t out = M::output_shape::size;
    static_assert(C::scratch_size <= std::max<std::size_t>(M::inference_scratch_size, 1),
                  "the generated inference scratch exceeds the header path's");
    INFO("inference model ", K, " (see models.hpp; its C is infer_", K, ".c)");
    ctnn::random_generator rng(property::mix(K, 78));
    auto params = std::make_unique<ctnn::parameters<M, float>>();
    draw_parameters(*params, rng);
    ctnn::inference_scratch<M, float> scratch_h;
    std::vector<float> x(in), y_h(out);
    for (std::size_t t = 0; t < trials; ++t) {
        CAPTURE(t);
        for (float& v : x) v = draw_input(rng);
        M::infer_raw(params->data(), x.data(), y_h.data(), scratch_h.data());
        std::vector<float> y_c = poisoned(out), scratch_c = poisoned(C::scratch_size);
        C::infer(params->data(), x.data(), y_c.data(), scratch_c.data());
        CHECK_MESSAGE(same_bits(y_h.data(), y_c.data(), out), "infer differs");
        ++total.comparisons;
    }
    total.inputs += trials;
    ++total.models;
}

// A streaming model, stepped through its sequence by the header path and the generated C: every
// output row bit for bit equal, and equal to the rows of inference over the whole sequence.
template <std::size_t K>
void check_stream(tally& total) {
    using M = property::model<K>;
    if constexpr (M::is_streamable) {
        using C = c_stream<K>;
        static_assert(C::state_size == M::state_size && C::step_input_size == M::step_input_shape::size &&
                      C::step_output_size == M::step_output_shape::size);
        constexpr std::size_t steps = M::input_shape::dims[0];
        INFO("model ", K, " streamed (see models.hpp; its C is prop_", K, ".c)");
        ctnn::random_generator rng(property::mix(K, 79));
        auto params = std::make_unique<ctnn::parameters<M, float>>();
        draw_parameters(*params, rng);
        ctnn::tensor<float, typename M::input_shape> x;
        ctnn::tensor<float, typename M::step_input_shape> row;
        ctnn::tensor<float, typename M::step_output_shape> y_h;
        std::vector<float> y_c(M::step_output_shape::size);
        for (std::size_t trial = 0; trial < trials / 10; ++trial) {
            for (float& v : x) v = draw_input(rng);
            const auto whole = M::infer(*params, x);
            ctnn::stream_state<M> state_h;
            typename C::state state_c;
            C::reset(&state_c);
            for (std::size_t t = 0; t < steps; ++t) {
                std::memcpy(row.data(), x.data() + t * row.size, sizeof row);
                M::step(*params, row, y_h, state_h);
                C::step(params->data(), row.data(), y_c.data(), &state_c);
                CHECK_MESSAGE(same_bits(y_h.data(), y_c.data(), y_h.size), "step differs");
                CHECK_MESSAGE(same_bits(y_h.data(), whole.data() + t * y_h.size, y_h.size),
                              "step differs from infer");
                total.comparisons += 2;
            }
            CHECK_MESSAGE(same_bits(state_h.data(), state_c.values, M::state_size), "states differ");
            total.inputs += steps;
        }
        ++total.models;
    }
}

}  // namespace

TEST_CASE("generated streaming steps give the header path's bits and infer's rows") {
    tally total;
    [&]<std::size_t... K>(std::index_sequence<K...>) {
        (check_stream<K>(total), ...);
    }(std::make_index_sequence<property::model_count>{});
    CHECK(total.models > 0);
    MESSAGE(total.models << " streaming architectures, " << total.inputs << " time steps: " << total.comparisons
                         << " bit-for-bit comparisons");
}

TEST_CASE("generated inference gives the header path's bits for models with batch_norm and dropout") {
    tally total;
    [&]<std::size_t... K>(std::index_sequence<K...>) {
        (check_inference_model<K>(total), ...);
    }(std::make_index_sequence<property::inference_model_count>{});
    CHECK(total.models == property::inference_model_count);
    MESSAGE(total.models << " inference-only architectures x " << trials << " random inputs: " << total.comparisons
                         << " bit-for-bit comparisons");
}

TEST_CASE("generated C gives the header path's bits for every model and input") {
    tally total;
    [&]<std::size_t... K>(std::index_sequence<K...>) {
        (check_model<K>(total), ...);
    }(std::make_index_sequence<property::model_count>{});
    CHECK(total.models == property::model_count);
    MESSAGE(total.models << " architectures x " << trials << " random inputs (+ a batch of 19 and 6 optimizer steps each): "
                         << total.comparisons << " bit-for-bit comparisons");
}

TEST_CASE("the generated optimizers stop b^t and zero subnormal state where the header does") {
    // Random gradients for 30 steps, then none: with beta1 = beta2 = momentum = 0.9 the moments and
    // the velocity decay into the subnormal range within 1000 steps and, multiplied on, would stay
    // there; beta^t reaches ctnn::adam::negligible_power near step 165 and, multiplied on, would be
    // subnormal near step 830.
    using O = c_optimizers<0>;
    using M = property::model<0>;
    auto adam_header = std::make_unique<ctnn::adam<M, float>>();
    adam_header->learning_rate = 0.01f;
    adam_header->beta2 = 0.9f;
    auto adam_generated = O::make_adam(0.01f);
    adam_generated->beta2 = 0.9f;
    auto sgd_header = std::make_unique<ctnn::sgd<M, float>>();
    sgd_header->learning_rate = 0.01f;
    sgd_header->momentum = 0.9f;
    auto sgd_generated = O::make_sgd(0.01f, 0.9f);
    auto p_adam = std::make_unique<ctnn::parameters<M, float>>();
    auto p_sgd = std::make_unique<ctnn::parameters<M, float>>();
    std::vector<float> p_adam_c(M::param_count, 0.0f), p_sgd_c(M::param_count, 0.0f);
    auto g = std::make_unique<ctnn::gradients<M, float>>();
    ctnn::random_generator rng(7);
    for (int step = 0; step < 1000; ++step) {
        for (float& v : g->values) v = step < 30 ? rng.uniform<float>(-1.0f, 1.0f) : 0.0f;
        adam_header->step(*p_adam, *g);
        O::adam_step(adam_generated.get(), p_adam_c.data(), g->data());
        sgd_header->step(*p_sgd, *g);
        O::sgd_step(sgd_generated.get(), p_sgd_c.data(), g->data());
    }
    CHECK(same_bits(&adam_header->beta1_power, &adam_generated->beta1_power, 1));
    CHECK(same_bits(&adam_header->beta2_power, &adam_generated->beta2_power, 1));
    CHECK(adam_generated->beta1_power > 0.0f);
    CHECK(same_bits(p_adam->data(), p_adam_c.data(), M::param_count));
    CHECK(same_bits(adam_header->first_moment.data(), adam_generated->first_moment, M::param_count));
    CHECK(same_bits(adam_header->second_moment.data(), adam_generated->second_moment, M::param_count));
    CHECK(same_bits(p_sgd->data(), p_sgd_c.data(), M::param_count));
    CHECK(same_bits(sgd_header->velocity.data(), sgd_generated->velocity, M::param_count));
    for (std::size_t i = 0; i < M::param_count; ++i) {
        CHECK(adam_generated->first_moment[i] == 0.0f);
        CHECK(adam_generated->second_moment[i] == 0.0f);
        CHECK(sgd_generated->velocity[i] == 0.0f);
    }
}

TEST_CASE("the generated optimizer defaults are ctnn's") {
    using O = c_optimizers<0>;
    using M = property::model<0>;
    const auto state = O::make_adam(0.5f);
    const ctnn::adam<M, float> defaults{};
    CHECK(state->learning_rate == 0.5f);
    CHECK(same_bits(&state->beta1, &defaults.beta1, 1));
    CHECK(same_bits(&state->beta2, &defaults.beta2, 1));
    CHECK(same_bits(&state->epsilon, &defaults.epsilon, 1));
    CHECK(state->beta1_power == 1.0f);
    CHECK(state->beta2_power == 1.0f);
    for (std::size_t i = 0; i < M::param_count; ++i) CHECK((state->first_moment[i] == 0.0f && state->second_moment[i] == 0.0f));
}
