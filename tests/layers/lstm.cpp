#include <array>
#include <cmath>
#include <cstring>

#include <ctnn/init.hpp>
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/gru.hpp>
#include <ctnn/layers/lstm.hpp>
#include <ctnn/model.hpp>

#include "gradient_check.hpp"

using ctnn::shape;

TEST_CASE("lstm: shapes, parameter count, saved and state sizes are compile-time constants") {
    using bound = ctnn::lstm<4>::bind<shape<5, 3>, 1>;
    static_assert(std::is_same_v<bound::output_shape, shape<5, 4>>);
    static_assert(bound::param_count == 4 * 4 * 3 + 4 * 4 * 4 + 2 * 4 * 4);  // = nn.LSTM(3, 4)'s 144
    static_assert(bound::saved_size == 5 * 5 * 4);
    static_assert(bound::state_size == 2 * 4);
}

// One step written out from PyTorch's documented equations, independently of the layer's loops.
TEST_CASE("lstm: one step follows nn.LSTM's equations and keeps (h, c) as its state") {
    using bound = ctnn::lstm<1>::bind<shape<1, 2>, 1>;
    // W_ih^T: input 0's column (i, f, g, o), input 1's; W_hh^T (i, f, g, o); b_ih; b_hh
    const double p[] = {0.5, -0.25, 0.75, 0.1, -0.3, 0.2, 0.4, -0.6,  // W_ih
                        0.9, -0.8, 0.35, 0.45,                           // W_hh
                        0.05, -0.07, 0.11, 0.13,                         // b_ih
                        0.17, -0.19, 0.23, -0.29};                       // b_hh
    const double x[] = {0.8, -1.2};
    const double h = 0.3, c = -0.7;
    const auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
    const auto pre = [&](int gate) { return p[gate] * x[0] + p[4 + gate] * x[1] + p[12 + gate] + p[8 + gate] * h + p[16 + gate]; };
    const double i = sig(pre(0)), f = sig(pre(1)), g = std::tanh(pre(2)), o = sig(pre(3));
    const double c_new = f * c + i * g;
    const double h_new = o * std::tanh(c_new);
    double state[] = {h, c};
    double y[1];
    bound::step(p, x, y, state);
    CHECK(y[0] == doctest::Approx(h_new).epsilon(1e-14));
    CHECK(state[0] == y[0]);
    CHECK(state[1] == doctest::Approx(c_new).epsilon(1e-14));
}

TEST_CASE("lstm: gradients through time match central finite differences") {
    ctnn_test::check_layer_gradients<ctnn::lstm<3>::bind<shape<4, 2>, 1>>(2, 1);
    ctnn_test::check_layer_gradients<ctnn::lstm<1>::bind<shape<7, 1>, 1>>(1, 2);
    ctnn_test::check_layer_gradients<ctnn::lstm<2>::bind<shape<1, 3>, 1>>(3, 3);
}

TEST_CASE("lstm: stepping a stacked model gives forward's outputs, bit for bit, and restores saved states") {
    using net = ctnn::sequential<ctnn::input<10, 3>, ctnn::lstm<4>, ctnn::gru<3>, ctnn::dense<2>>;
    static_assert(net::state_size == 2 * 4 + 3);
    ctnn::parameters<net> params;
    ctnn::initialize(params, 5);
    ctnn::random_generator rng(13);
    ctnn::tensor<float, net::input_shape> x;
    for (float& v : x) v = rng.uniform<float>(-2, 2);
    const auto whole = net::infer(params, x);
    ctnn::stream_state<net> state, checkpoint;
    ctnn::tensor<float, net::step_input_shape> row;
    ctnn::tensor<float, net::step_output_shape> out;
    for (std::size_t t = 0; t < 10; ++t) {
        if (t == 4) checkpoint = state;
        std::memcpy(row.data(), x.data() + 3 * t, sizeof row);
        net::step(params, row, out, state);
        CHECK(std::memcmp(out.data(), whole.data() + 2 * t, sizeof out) == 0);
    }
    for (std::size_t t = 4; t < 10; ++t) {
        std::memcpy(row.data(), x.data() + 3 * t, sizeof row);
        net::step(params, row, out, checkpoint);
        CHECK(std::memcmp(out.data(), whole.data() + 2 * t, sizeof out) == 0);
    }
}
