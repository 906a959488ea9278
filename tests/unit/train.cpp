#include <doctest/doctest.h>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <utility>
#include <string>
#include <vector>

#include <ctnn/ctnn.hpp>

using xor_net = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid>;
using sample = ctnn::tensor<float, ctnn::shape<2>>;
using target = ctnn::tensor<float, ctnn::shape<1>>;

namespace {
const sample xor_inputs[4] = {{{0, 0}}, {{0, 1}}, {{1, 0}}, {{1, 1}}};
const target xor_targets[4] = {{{0}}, {{1}}, {{1}}, {{0}}};

// Trains the README's XOR setup and returns the final mean squared error.
double train_xor(std::uint64_t seed, bool& all_correct) {
    ctnn::parameters<xor_net> p;
    ctnn::initialize(p, seed);
    ctnn::adam<xor_net> opt{.learning_rate = 0.1f};
    ctnn::trainer<xor_net, ctnn::mse, float, 4> trainer;
    const auto result = trainer.fit(p, opt, xor_inputs, xor_targets, {.epochs = 1000, .shuffle = false});
    REQUIRE(result.outcome);
    double mse = 0;
    all_correct = true;
    for (int i = 0; i < 4; ++i) {
        const float y = xor_net::infer(p, xor_inputs[i])[0];
        mse += (y - xor_targets[i][0]) * (y - xor_targets[i][0]) / 4.0;
        all_correct = all_correct && ((y > 0.5f) == (xor_targets[i][0] > 0.5f));
    }
    return mse;
}
}  // namespace

TEST_CASE("XOR is learned from every seed 1..10 (Adam, lr 0.1, 1000 epochs, MSE)") {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        bool all_correct = false;
        const double mse = train_xor(seed, all_correct);
        CAPTURE(seed);
        CHECK(mse < 0.01);
        CHECK(all_correct);
    }
}

TEST_CASE("fit reports every epoch and stops when the callback says so") {
    ctnn::parameters<xor_net> p;
    ctnn::initialize(p, 1);
    ctnn::adam<xor_net> opt{.learning_rate = 0.1f};
    ctnn::trainer<xor_net, ctnn::mse, float, 4> trainer;
    std::vector<double> losses;
    const auto result = trainer.fit(p, opt, xor_inputs, xor_targets, {.epochs = 50, .batch_size = 2, .seed = 3},
                                    [&](const ctnn::epoch_report& r) {
                                        CHECK(r.epoch == losses.size() + 1);
                                        CHECK(r.epochs == 50);
                                        CHECK(r.accuracy >= 0.0);
                                        CHECK(r.accuracy <= 1.0);
                                        losses.push_back(r.loss);
                                        return r.epoch < 7;
                                    });
    CHECK(result.outcome);
    CHECK(result.epochs_run == 7);
    CHECK(losses.size() == 7);
    CHECK(result.loss == losses.back());
}

TEST_CASE("fit and train_batch reject bad sizes, as tensors or values, and leave the parameters untouched") {
    ctnn::parameters<xor_net> p;
    ctnn::initialize(p, 1);
    const auto before = p;
    ctnn::adam<xor_net> opt{.learning_rate = 0.1f};
    ctnn::trainer<xor_net, ctnn::mse, float, 4> trainer;
    const std::span<const sample> three(xor_inputs, 3);
    const std::span<const sample> none;

    auto result = trainer.fit(p, opt, three, xor_targets, {.epochs = 1});
    CHECK(result.outcome.code == ctnn::status::invalid_argument);
    CHECK(std::string(result.outcome.detail).find("different numbers") != std::string::npos);
    result = trainer.fit(p, opt, none, std::span<const target>(), {.epochs = 1});
    CHECK(result.outcome.code == ctnn::status::invalid_argument);
    result = trainer.fit(p, opt, xor_inputs, xor_targets, {.epochs = 1, .batch_size = 5});
    CHECK(result.outcome.code == ctnn::status::invalid_argument);
    CHECK(trainer.train_batch(p, opt, three, xor_targets).outcome.code == ctnn::status::invalid_argument);

    // Batches as values: ones that end inside a sample, or hold a different number of samples.
    const float values[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    const auto partial_input = trainer.train_batch(p, opt, std::span<const float>(values, 7), xor_targets);
    CHECK(partial_input.outcome.code == ctnn::status::invalid_argument);
    CHECK(std::string(partial_input.outcome.detail) == "train_batch: the values are not a whole number of samples");
    const auto wrong_count = trainer.compute_gradients(p, std::span<const float>(values, 6), xor_targets);
    CHECK(std::string(wrong_count.outcome.detail).find("different numbers") != std::string::npos);
    const auto too_many = trainer.train_batch(p, opt, std::vector<float>(10, 0.0f), std::vector<float>(5, 0.0f));
    CHECK(std::string(too_many.outcome.detail).find("1 to BatchCapacity") != std::string::npos);
    result = trainer.fit(p, opt, std::span<const float>(values, 5), std::span<const float>(values, 2), {.epochs = 1});
    CHECK(std::string(result.outcome.detail) == "fit: the values are not a whole number of samples");
    CHECK(p == before);
}

// A batch given as its values one sample after another (read in place, not staged) trains to
// the bits of the same batch given as tensors, through all three entry points.
TEST_CASE("batches given as values train exactly as batches of tensors") {
    const float input_values[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    const std::vector<float> target_values = {0, 1, 1, 0};
    ctnn::parameters<xor_net> start;
    ctnn::initialize(start, 4);
    const auto train = [&](const auto& inputs, const auto& targets) {
        ctnn::parameters<xor_net> p = start;
        ctnn::adam<xor_net> opt{.learning_rate = 0.1f};
        ctnn::trainer<xor_net, ctnn::mse, float, 4> trainer;
        const auto batch = trainer.train_batch(p, opt, inputs, targets);
        REQUIRE(batch.outcome);
        const auto fitted =
            trainer.fit(p, opt, inputs, targets, {.epochs = 3, .batch_size = 3, .shuffle = true, .seed = 8});
        REQUIRE(fitted.outcome);
        float dx[8];
        const auto gradients = trainer.compute_gradients(p, inputs, targets, dx);
        REQUIRE(gradients.outcome);
        std::vector<float> result(p.values.begin(), p.values.end());
        result.insert(result.end(), trainer.grads.values.begin(), trainer.grads.values.end());
        result.insert(result.end(), dx, dx + 8);
        result.push_back(float(batch.loss));
        result.push_back(float(fitted.loss));
        return result;
    };
    const auto from_tensors = train(xor_inputs, xor_targets);
    CHECK(from_tensors == train(input_values, target_values));
    CHECK(from_tensors == train(std::span<const float>(input_values), xor_targets));
    CHECK(from_tensors == train(xor_inputs, target_values));
}

TEST_CASE("training is deterministic for a seed, shuffling included") {
    const auto run = [](std::uint64_t seed) {
        ctnn::parameters<xor_net> p;
        ctnn::initialize(p, 2);
        ctnn::sgd<xor_net> opt{.learning_rate = 0.5f, .momentum = 0.9f};
        ctnn::trainer<xor_net, ctnn::mse, float, 4> trainer;
        trainer.fit(p, opt, xor_inputs, xor_targets, {.epochs = 20, .batch_size = 1, .shuffle = true, .seed = seed});
        return p;
    };
    CHECK(run(5) == run(5));
    CHECK(!(run(5) == run(6)));
}

TEST_CASE("the storage-free shuffle visits every sample exactly once") {
    ctnn::random_generator rng(42);
    for (std::uint64_t n : {1u, 2u, 3u, 10u, 97u, 1000u}) {
        const auto order = ctnn::detail::sample_order::shuffled(n, rng);
        std::vector<int> seen(n, 0);
        for (std::uint64_t i = 0; i < n; ++i) ++seen[order[i]];
        for (int count : seen) CHECK(count == 1);
    }
}

TEST_CASE("softmax_cross_entropy trains a classifier through the fused softmax") {
    using net = ctnn::sequential<ctnn::input<2>, ctnn::dense<8>, ctnn::relu, ctnn::dense<3>, ctnn::softmax>;
    using x_t = ctnn::tensor<float, ctnn::shape<2>>;
    using y_t = ctnn::tensor<float, ctnn::shape<3>>;
    // Three well-separated clusters.
    std::vector<x_t> xs;
    std::vector<y_t> ys;
    ctnn::random_generator rng(7);
    const float centers[3][2] = {{-2, 0}, {2, 0}, {0, 2.5f}};
    for (int i = 0; i < 60; ++i) {
        const int c = i % 3;
        xs.push_back({{centers[c][0] + rng.uniform(-0.5f, 0.5f), centers[c][1] + rng.uniform(-0.5f, 0.5f)}});
        y_t y{};
        y[std::size_t(c)] = 1;
        ys.push_back(y);
    }
    ctnn::parameters<net> p;
    ctnn::initialize(p, 1, ctnn::initializer::he_uniform);
    ctnn::adam<net> opt{.learning_rate = 0.05f};
    ctnn::trainer<net, ctnn::softmax_cross_entropy, float, 8> trainer;
    const auto result = trainer.fit(p, opt, xs, ys, {.epochs = 60, .seed = 1});
    CHECK(result.outcome);
    CHECK(result.accuracy == 1.0);
    CHECK(result.loss < 0.05);
}

TEST_CASE("binary_cross_entropy trains XOR too") {
    ctnn::parameters<xor_net> p;
    ctnn::initialize(p, 3);
    ctnn::adam<xor_net> opt{.learning_rate = 0.1f};
    ctnn::trainer<xor_net, ctnn::binary_cross_entropy, float, 4> trainer;
    const auto result = trainer.fit(p, opt, xor_inputs, xor_targets, {.epochs = 500, .shuffle = false});
    CHECK(result.accuracy == 1.0);
    CHECK(result.loss < 0.05);
}

namespace {
// ctnn::sgd without in_place(): the trainer then takes its separate step after the
// backward pass, the reference for the in-place descent.
template <class Model>
struct separate_sgd {
    ctnn::sgd<Model> inner;
    void step(ctnn::parameters<Model>& p, const ctnn::gradients<Model>& g) { inner.step(p, g); }
};

// dense_weights: the [begin, end) ranges of the dense layers' weights among the parameters.
template <class Model, std::size_t Batch>
void check_in_place_descent(float momentum, std::initializer_list<std::pair<std::size_t, std::size_t>> dense_weights) {
    using trainer_type = ctnn::trainer<Model, ctnn::softmax_cross_entropy, float, Batch>;
    std::vector<typename trainer_type::input_tensor> inputs(Batch);
    std::vector<typename trainer_type::target_tensor> targets(Batch);
    std::uint64_t state = 12345;
    const auto next = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return float(state >> 40) / float(1 << 24) - 0.5f;
    };
    for (std::size_t k = 0; k < Batch; ++k) {
        for (auto& v : inputs[k]) v = next();
        targets[k][k % Model::output_shape::size] = 1.0f;
    }
    ctnn::parameters<Model> in_place, separate;
    ctnn::initialize(in_place, 7);
    separate = in_place;
    ctnn::sgd<Model> sgd{.learning_rate = 0.05f, .momentum = momentum};
    separate_sgd<Model> reference{{.learning_rate = 0.05f, .momentum = momentum}};
    trainer_type fused, plain;
    for (int step = 0; step < 3; ++step) {
        const auto a = fused.train_batch(in_place, sgd, inputs, targets);
        const auto b = plain.train_batch(separate, reference, inputs, targets);
        REQUIRE(a.outcome);
        CHECK(a.loss == b.loss);
    }
    std::size_t differing = 0;
    for (std::size_t i = 0; i < Model::param_count; ++i)
        differing += std::memcmp(&in_place.values[i], &separate.values[i], sizeof(float)) != 0;
    CHECK(differing == 0);
    CHECK(in_place.values != decltype(in_place.values){});
    CHECK(std::memcmp(sgd.velocity.data(), reference.inner.velocity.data(), sizeof(sgd.velocity)) == 0);
    CHECK((momentum == 0.0f) == (sgd.velocity == decltype(sgd.velocity){}));
    // Without momentum the dense weights' gradients went into the weights, not into grads; all
    // else was stored. With momentum everything was.
    std::size_t stored = 0, left_out = 0, weights = 0;
    for (const auto& [begin, end] : dense_weights) weights += end - begin;
    for (std::size_t i = 0; i < Model::param_count; ++i) {
        bool dense_weight = false;
        for (const auto& [begin, end] : dense_weights) dense_weight = dense_weight || (i >= begin && i < end);
        if (dense_weight && momentum == 0.0f)
            left_out += fused.grads.values[i] == 0.0f && plain.grads.values[i] != 0.0f;
        else
            stored += std::memcmp(&fused.grads.values[i], &plain.grads.values[i], sizeof(float)) == 0;
    }
    if (momentum == 0.0f) {
        CHECK(left_out > weights / 2);
        CHECK(stored == Model::param_count - weights);
    } else {
        CHECK(stored == Model::param_count);
    }
}
}  // namespace

TEST_CASE("sgd descends in place during the backward pass, with the bits of a separate step") {
    for (const float momentum : {0.0f, 0.9f}) {
        CAPTURE(momentum);
        // 37 inputs and 19 units: blocks of the gradient kernel with remainders in both directions.
        using mlp = ctnn::sequential<ctnn::input<37>, ctnn::dense<19>, ctnn::relu, ctnn::dense<10>, ctnn::softmax>;
        check_in_place_descent<mlp, 7>(momentum,
                                       {{0, 37 * 19}, {mlp::param_offsets[2], mlp::param_offsets[2] + 19 * 10}});
        // Layers without an in-place kernel descend right after their backward (conv2d, batch_norm).
        using cnn = ctnn::sequential<ctnn::input<6, 6, 2>, ctnn::conv2d<3, 3, 3, 1, ctnn::padding::same>,
                                     ctnn::batch_norm<>, ctnn::relu, ctnn::max_pool2d<2>, ctnn::flatten, ctnn::dense<4>,
                                     ctnn::softmax>;
        check_in_place_descent<cnn, 5>(momentum, {{cnn::param_offsets[5], cnn::param_offsets[5] + 27 * 4}});
    }
}
