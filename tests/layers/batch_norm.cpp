#include <cmath>
#include <vector>

#include <ctnn/ctnn.hpp>

#include "gradient_check.hpp"

using ctnn::shape;
using bn = ctnn::batch_norm<>::bind<shape<2, 3>, 1>;  // 3 channels, 2 positions per sample

TEST_CASE("batch_norm: parameters and initial values") {
    static_assert(bn::param_count == 12);
    double params[12];
    ctnn::random_generator rng(1);
    bn::initialize(params, rng, ctnn::initializer::he_uniform);
    CHECK(params[bn::gamma] == 1.0);
    CHECK(params[bn::beta + 2] == 0.0);
    CHECK(params[bn::running_mean + 1] == 0.0);
    CHECK(params[bn::running_var] == 1.0);
}

TEST_CASE("batch_norm: training output has zero mean and unit variance per channel") {
    double params[12];
    ctnn::random_generator rng(2);
    bn::initialize(params, rng, ctnn::initializer::he_uniform);
    const auto x = ctnn_test::random_values(4 * 6, rng, -3, 5);
    std::vector<double> y(24);
    bn::forward_training(params, x.data(), y.data(), 4, {});
    for (std::size_t c = 0; c < 3; ++c) {
        double mean = 0, square = 0;
        for (std::size_t i = 0; i < 8; ++i) mean += y[i * 3 + c] / 8;
        for (std::size_t i = 0; i < 8; ++i) square += (y[i * 3 + c] - mean) * (y[i * 3 + c] - mean) / 8;
        CHECK(mean == doctest::Approx(0.0).epsilon(1e-12));
        CHECK(square == doctest::Approx(1.0).epsilon(1e-4));  // eps = 1e-5 keeps it just below 1
    }
}

TEST_CASE("batch_norm: running statistics follow PyTorch's update, and inference uses them") {
    double params[12];
    ctnn::random_generator rng(3);
    bn::initialize(params, rng, ctnn::initializer::he_uniform);
    const double x[] = {1, 0, 0, 3, 0, 0, 5, 0, 0, 7, 0, 0};  // channel 0: 1, 3, 5, 7 over two samples
    bn::update_state(params, x, 2);
    CHECK(params[bn::running_mean] == doctest::Approx(0.1 * 4));
    // Unbiased variance of {1, 3, 5, 7} is 20 / 3.
    CHECK(params[bn::running_var] == doctest::Approx(0.9 + 0.1 * 20.0 / 3.0));
    double y[12];
    bn::forward(params, x, y, 2);
    CHECK(y[0] == doctest::Approx((1 - 0.4) / std::sqrt(0.9 + 2.0 / 3.0 + 1e-5)));
}

TEST_CASE("batch_norm: gradients match central finite differences (batch statistics)") {
    ctnn_test::check_layer_gradients<bn>(3, 51);
    ctnn_test::check_layer_gradients<ctnn::batch_norm<>::bind<shape<4, 4, 2>, 1>>(2, 52);
    ctnn_test::check_layer_gradients<ctnn::batch_norm<>::bind<shape<5>, 1>>(6, 53);
}

TEST_CASE("dropout: identity at inference, scaled mask while training, the same mask in backward") {
    using dr = ctnn::dropout<std::ratio<1, 4>>::bind<shape<1000>, 1>;
    std::vector<float> x(1000, 2.0f), y(1000), dy(1000, 1.0f), dx(1000);
    dr::forward(static_cast<const float*>(nullptr), x.data(), y.data(), 1);
    CHECK(y == x);

    const ctnn::training_context context{12345};
    dr::forward_training(static_cast<const float*>(nullptr), x.data(), y.data(), 1, context);
    dr::backward(static_cast<const float*>(nullptr), x.data(), y.data(), dy.data(), dx.data(),
                 static_cast<float*>(nullptr), 1, context);
    std::size_t dropped = 0;
    for (std::size_t i = 0; i < 1000; ++i) {
        CHECK((y[i] == 0.0f || y[i] == doctest::Approx(2.0f / 0.75f)));
        CHECK((y[i] == 0.0f) == (dx[i] == 0.0f));  // backward regenerates the forward's mask
        dropped += y[i] == 0.0f;
    }
    CHECK(dropped > 200);  // about a quarter, binomial(1000, 0.25): 250 +- 14
    CHECK(dropped < 300);

    std::vector<float> other(1000);
    dr::forward_training(static_cast<const float*>(nullptr), x.data(), other.data(), 1, ctnn::training_context{54321});
    CHECK(other != y);  // another step, another mask
}

TEST_CASE("dropout: gradients match central finite differences for a fixed mask") {
    ctnn_test::check_layer_gradients<ctnn::dropout<>::bind<shape<3, 4>, 1>>(2, 61);
}

TEST_CASE("a model with batch_norm and dropout trains, and its running statistics move") {
    using net = ctnn::sequential<ctnn::input<4>, ctnn::dense<16>, ctnn::batch_norm<>, ctnn::relu,
                                 ctnn::dropout<std::ratio<1, 5>>, ctnn::dense<2>, ctnn::softmax>;
    using x_t = ctnn::tensor<float, shape<4>>;
    using y_t = ctnn::tensor<float, shape<2>>;
    std::vector<x_t> xs;
    std::vector<y_t> ys;
    ctnn::random_generator rng(5);
    for (int i = 0; i < 128; ++i) {
        x_t x;
        for (float& v : x) v = rng.uniform(-1.0f, 1.0f);
        const bool positive = x[0] + 0.5f * x[1] - x[2] > 0;
        xs.push_back(x);
        ys.push_back(positive ? y_t{{1, 0}} : y_t{{0, 1}});
    }
    ctnn::parameters<net> p;
    ctnn::initialize(p, 2, ctnn::initializer::he_uniform);
    const float running_mean_before = p.values[net::param_offsets[1] + 32];
    ctnn::adam<net> opt{.learning_rate = 0.01f};
    ctnn::trainer<net, ctnn::softmax_cross_entropy, float, 16> trainer;
    const auto result = trainer.fit(p, opt, xs, ys, {.epochs = 40, .seed = 3});
    CHECK(result.outcome);
    CHECK(p.values[net::param_offsets[1] + 32] != running_mean_before);
    std::size_t right = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const auto y = net::infer(p, xs[i]);
        right += (y[0] > y[1]) == (ys[i][0] > 0.5f);
    }
    CHECK(double(right) / double(xs.size()) > 0.9);
}
