// The XOR example's training, through the generated C (xor_model.c: INIT_SEED 1, TRAINING, LOSS
// mse) and through ctnn::trainer: the same initial parameters, the same loss every epoch and the
// same parameters at the end, bit for bit. The program also links a second generated model (the
// 784-128-64-10 MLP) to show that two generated models live in one program without clashes.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include <ctnn/init.hpp>
#include <ctnn/loss/mse.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/optim/sgd.hpp>
#include <ctnn/signature.hpp>
#include <ctnn/train.hpp>

#include "../../examples/xor/xor_net.hpp"
#include "mlp.h"
#include "size_models.hpp"
#include "xor_model.h"

namespace {
using sample = ctnn::tensor<float, xor_net::input_shape>;
using target = ctnn::tensor<float, xor_net::output_shape>;
constexpr sample inputs[4] = {{{0, 0}}, {{0, 1}}, {{1, 0}}, {{1, 1}}};
constexpr target targets[4] = {{{0}}, {{1}}, {{1}}, {{0}}};
constexpr std::size_t epochs = 1000;

// One epoch as the generated code runs it: one batch of the four samples, then one step.
template <class Step>
double c_epoch(float* params, float* grads, float* workspace, Step&& step) {
    float batch_loss = 0.0f;
    std::memset(grads, 0, XOR_MODEL_PARAM_BYTES);
    for (std::size_t k = 0; k < 4; ++k)
        batch_loss += xor_model_train_sample(params, inputs[k].data(), targets[k].data(), 1.0f / 4.0f, workspace, grads);
    step(params, grads);
    return double(batch_loss) / 4.0;
}
}  // namespace

TEST_CASE("the generated weights table holds ctnn::initialize's parameters for the seed") {
    ctnn::parameters<xor_net> params;
    ctnn::initialize(params, 1);
    CHECK(std::memcmp(params.data(), xor_model_weights, XOR_MODEL_PARAM_BYTES) == 0);
    static_assert(XOR_MODEL_PARAM_COUNT == xor_net::param_count);
    static_assert(XOR_MODEL_INPUT_SIZE == 2 && XOR_MODEL_OUTPUT_SIZE == 1);
    static_assert(XOR_MODEL_ARCHITECTURE_SIGNATURE == ctnn::architecture_signature<xor_net>);
    // Scratch: the 5 hidden values only (the header path's arena holds two adjacent layers).
    static_assert(XOR_MODEL_INFER_SCRATCH_SIZE == 5 && xor_net::inference_scratch_size == 10);
}

TEST_CASE("XOR trained by the generated C follows ctnn::trainer's loss curve bit for bit") {
    for (const bool use_adam : {true, false}) {
        CAPTURE(use_adam);
        ctnn::parameters<xor_net> params;
        ctnn::initialize(params, 1);
        ctnn::trainer<xor_net, ctnn::mse, float, 4> trainer;
        std::vector<double> header_losses;
        const auto record = [&](const ctnn::epoch_report& r) { header_losses.push_back(r.loss); };
        const ctnn::fit_options options{.epochs = epochs, .batch_size = 4, .shuffle = false};

        std::vector<float> c_params(xor_model_weights, xor_model_weights + XOR_MODEL_PARAM_COUNT);
        std::vector<float> grads(XOR_MODEL_PARAM_COUNT), workspace(XOR_MODEL_TRAIN_WORKSPACE_SIZE);
        std::vector<double> c_losses;
        if (use_adam) {
            ctnn::adam<xor_net> optimizer{.learning_rate = 0.1f};
            REQUIRE(trainer.fit(params, optimizer, std::span(inputs), std::span(targets), options, record).outcome);
            static xor_model_adam state = XOR_MODEL_ADAM_INIT(0.1f);
            for (std::size_t e = 0; e < epochs; ++e)
                c_losses.push_back(c_epoch(c_params.data(), grads.data(), workspace.data(),
                                           [](float* p, const float* g) { xor_model_adam_step(&state, p, g); }));
        } else {
            ctnn::sgd<xor_net> optimizer{.learning_rate = 0.5f, .momentum = 0.9f};
            REQUIRE(trainer.fit(params, optimizer, std::span(inputs), std::span(targets), options, record).outcome);
            static xor_model_sgd state = XOR_MODEL_SGD_INIT(0.5f, 0.9f);
            for (std::size_t e = 0; e < epochs; ++e)
                c_losses.push_back(c_epoch(c_params.data(), grads.data(), workspace.data(),
                                           [](float* p, const float* g) { xor_model_sgd_step(&state, p, g); }));
        }
        REQUIRE(header_losses.size() == epochs);
        CHECK(std::memcmp(header_losses.data(), c_losses.data(), epochs * sizeof(double)) == 0);
        CHECK(std::memcmp(params.data(), c_params.data(), XOR_MODEL_PARAM_BYTES) == 0);
        CHECK(c_losses.back() < 0.01);

        // And inference with the trained parameters.
        for (const sample& x : inputs) {
            float y[XOR_MODEL_OUTPUT_SIZE];
            float scratch[XOR_MODEL_INFER_SCRATCH_SIZE];
            xor_model_infer(c_params.data(), x.data(), y, scratch);
            const auto expected = xor_net::infer(params, x);
            CHECK(std::memcmp(y, expected.data(), sizeof y) == 0);
        }
    }
}

// The generated C asks GCC and clang for 64-byte aligned weight tables (vector loads of a row then
// stay within cache lines); the address is where the linker put them. An address can be aligned by
// chance, so c_builds.cmake also checks every table's own section in the objects (generator_build_*).
TEST_CASE("baked weight tables are 64-byte aligned") {
    CHECK(reinterpret_cast<std::uintptr_t>(mlp_weights) % 64 == 0);
    CHECK(reinterpret_cast<std::uintptr_t>(xor_model_weights) % 64 == 0);
}

TEST_CASE("a second generated model links into the same program") {
    static_assert(MLP_PARAM_COUNT == mlp_784::param_count);
    static_assert(MLP_INFER_SCRATCH_SIZE == 128 + 64 && mlp_784::inference_scratch_size == 256);
    auto params = std::make_unique<ctnn::parameters<mlp_784>>();
    std::memcpy(params->data(), mlp_weights, MLP_PARAM_BYTES);
    std::vector<float> x(MLP_INPUT_SIZE), scratch(MLP_INFER_SCRATCH_SIZE);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 17) / 16.0f;
    float y[MLP_OUTPUT_SIZE];
    mlp_infer(mlp_weights, x.data(), y, scratch.data());
    ctnn::tensor<float, mlp_784::input_shape> xt;
    std::memcpy(xt.data(), x.data(), x.size() * sizeof(float));
    const auto expected = mlp_784::infer(*params, xt);
    CHECK(std::memcmp(y, expected.data(), sizeof y) == 0);
}
