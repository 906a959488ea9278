#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include <ctnn/init.hpp>
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/gru.hpp>
#include <ctnn/layers/sigmoid.hpp>
#include <ctnn/model.hpp>

#include "gradient_check.hpp"

using ctnn::shape;

TEST_CASE("gru: shapes, parameter count, saved and state sizes are compile-time constants") {
    using bound = ctnn::gru<4>::bind<shape<5, 3>, 1>;
    static_assert(std::is_same_v<bound::output_shape, shape<5, 4>>);
    static_assert(bound::param_count == 3 * 4 * 3 + 3 * 4 * 4 + 2 * 3 * 4);  // = nn.GRU(3, 4)'s 120
    static_assert(bound::saved_size == 5 * 4 * 4);
    static_assert(bound::state_size == 4);
}

// One step written out from PyTorch's documented equations, independently of the layer's loops.
TEST_CASE("gru: one step follows nn.GRU's equations") {
    using bound = ctnn::gru<1>::bind<shape<1, 2>, 1>;
    // W_ih^T: input 0's column (r, z, n), input 1's; W_hh^T (r, z, n); b_ih; b_hh
    const double p[] = {0.5, -0.25, 0.75, 0.1, -0.3, 0.2, 0.4, -0.6, 0.9, 0.05, -0.07, 0.11, 0.13, 0.17, -0.19};
    const double x[] = {0.8, -1.2};
    const double h = 0.3;
    const auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
    const double r = sig(p[0] * x[0] + p[3] * x[1] + p[9] + p[6] * h + p[12]);
    const double z = sig(p[1] * x[0] + p[4] * x[1] + p[10] + p[7] * h + p[13]);
    const double n = std::tanh(p[2] * x[0] + p[5] * x[1] + p[11] + r * (p[8] * h + p[14]));
    const double expected = (1 - z) * n + z * h;
    double state[] = {h};
    double y[1];
    bound::step(p, x, y, state);
    CHECK(y[0] == doctest::Approx(expected).epsilon(1e-14));
    CHECK(state[0] == y[0]);
}

TEST_CASE("gru: gradients through time match central finite differences") {
    ctnn_test::check_layer_gradients<ctnn::gru<3>::bind<shape<4, 2>, 1>>(2, 1);
    ctnn_test::check_layer_gradients<ctnn::gru<1>::bind<shape<6, 1>, 1>>(1, 2);
    ctnn_test::check_layer_gradients<ctnn::gru<2>::bind<shape<1, 3>, 1>>(3, 3);
}

namespace {
using sequence_net = ctnn::sequential<ctnn::input<12, 2>, ctnn::gru<5>, ctnn::dense<3>, ctnn::sigmoid>;
}

TEST_CASE("gru: stepping a model through a sequence gives forward's outputs, bit for bit") {
    ctnn::parameters<sequence_net> params;
    ctnn::initialize(params, 7);
    ctnn::random_generator rng(11);
    ctnn::tensor<float, sequence_net::input_shape> x;
    for (float& v : x) v = rng.uniform<float>(-2, 2);
    const auto whole = sequence_net::infer(params, x);

    static_assert(sequence_net::state_size == 5);
    ctnn::stream_state<sequence_net> state;  // starts as a reset stream
    ctnn::stream_state<sequence_net> saved_at_5{};
    ctnn::tensor<float, sequence_net::step_input_shape> row;
    ctnn::tensor<float, sequence_net::step_output_shape> out;
    for (std::size_t t = 0; t < 12; ++t) {
        if (t == 5) saved_at_5 = state;
        std::memcpy(row.data(), x.data() + 2 * t, sizeof row);
        sequence_net::step(params, row, out, state);
        CHECK(std::memcmp(out.data(), whole.data() + 3 * t, sizeof out) == 0);
    }
    // Restoring a saved state replays the stream from there.
    for (std::size_t t = 5; t < 12; ++t) {
        std::memcpy(row.data(), x.data() + 2 * t, sizeof row);
        sequence_net::step(params, row, out, saved_at_5);
        CHECK(std::memcmp(out.data(), whole.data() + 3 * t, sizeof out) == 0);
    }
    CHECK(std::memcmp(saved_at_5.data(), state.data(), sizeof state.values) == 0);
    state.reset();
    std::memcpy(row.data(), x.data(), sizeof row);
    sequence_net::step(params, row, out, state);
    CHECK(std::memcmp(out.data(), whole.data(), sizeof out) == 0);
}

TEST_CASE("gru: a NaN in the stream spreads into the state until reset, without a crash") {
    ctnn::parameters<sequence_net> params;
    ctnn::initialize(params, 3);
    ctnn::stream_state<sequence_net> state;
    ctnn::tensor<float, sequence_net::step_input_shape> row{std::numeric_limits<float>::quiet_NaN(), 0.5f};
    ctnn::tensor<float, sequence_net::step_output_shape> out;
    sequence_net::step(params, row, out, state);
    CHECK(std::isnan(out[0]));
    row = {0.1f, 0.2f};
    sequence_net::step(params, row, out, state);
    CHECK(std::isnan(out[0]));  // the state remembers the NaN
    state.reset();
    sequence_net::step(params, row, out, state);
    CHECK(std::isfinite(out[0]));
}
