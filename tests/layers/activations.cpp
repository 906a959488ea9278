// identity, relu, leaky_relu, sigmoid and tanh share the elementwise binding; each is checked here.
#include <cmath>
#include <cstring>
#include <limits>
#include <ratio>
#include <vector>

#include <ctnn/apply_activation.hpp>

#include <ctnn/layers/identity.hpp>
#include <ctnn/layers/leaky_relu.hpp>
#include <ctnn/layers/relu.hpp>
#include <ctnn/layers/sigmoid.hpp>
#include <ctnn/layers/tanh.hpp>

#include "gradient_check.hpp"

using ctnn::shape;

template <class Activation>
using bound_on = typename Activation::template bind<shape<2, 3>, 1>;

TEST_CASE("activations keep the input shape and have no parameters") {
    static_assert(std::is_same_v<bound_on<ctnn::relu>::output_shape, shape<2, 3>>);
    static_assert(bound_on<ctnn::sigmoid>::param_count == 0);
    static_assert(bound_on<ctnn::tanh>::flops == 6 * ctnn::tanh::flops_per_value);
}

TEST_CASE("activations compute their functions") {
    CHECK(ctnn::identity::apply(-2.5) == -2.5);
    CHECK(ctnn::relu::apply(-2.0) == 0.0);
    CHECK(ctnn::relu::apply(3.0) == 3.0);
    CHECK(ctnn::leaky_relu<>::apply(-2.0) == doctest::Approx(-0.02));
    CHECK(ctnn::leaky_relu<std::ratio<1, 5>>::apply(-2.0) == doctest::Approx(-0.4));
    CHECK(ctnn::leaky_relu<std::ratio<1, 5>>::apply(2.0) == 2.0);
    CHECK(ctnn::sigmoid::apply(0.0) == 0.5);
    CHECK(ctnn::sigmoid::apply(2.0) == doctest::Approx(1.0 / (1.0 + std::exp(-2.0))));
    CHECK(ctnn::tanh::apply(0.5) == doctest::Approx(std::tanh(0.5)));
}

// The layers' passes apply an activation a register at a time where it has a vector form
// (apply_activation.hpp): relu's must give its scalar expression's bits, for NaNs (both signs),
// zeros of both signs, infinities and subnormals too, and the tail past whole registers.
TEST_CASE("relu over a run of values gives the scalar expression's bits") {
    constexpr float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    const float special[] = {1.5f, -1.5f, 0.0f, -0.0f, nan, -nan, inf, -inf, 1e-40f, -1e-40f, 3e38f, -3e38f};
    std::vector<float> x(37), y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = special[i % std::size(special)] * float(1 + i % 3);
    ctnn::detail::apply_activation<ctnn::relu>(x.data(), y.data(), x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        CAPTURE(i);
        CAPTURE(x[i]);
        const float expected = x[i] > 0.0f ? x[i] : 0.0f;
        CHECK(std::memcmp(&expected, &y[i], sizeof expected) == 0);
    }
#if defined(CTNN_SAMPLE_LANES)
    static_assert(ctnn::detail::vector_activation<ctnn::relu>, "with AVX-512 relu takes whole registers");
#endif
}

TEST_CASE("sigmoid stays finite and saturates for huge inputs") {
    // Float clamps exp's argument at 88: 1 / (1 + e^88), a tiny positive value (exactly 0 in double).
    CHECK(ctnn::sigmoid::apply(-1e4f) >= 0.0f);
    CHECK(ctnn::sigmoid::apply(-1e4f) < 1e-37f);
    CHECK(ctnn::sigmoid::apply(-1e4) == 0.0);
    CHECK(ctnn::sigmoid::apply(1e4f) == 1.0f);
}

TEST_CASE("activation gradients match central finite differences") {
    ctnn_test::check_layer_gradients<bound_on<ctnn::identity>>(3, 11);
    ctnn_test::check_layer_gradients<bound_on<ctnn::relu>>(3, 12, 1e-3);
    ctnn_test::check_layer_gradients<bound_on<ctnn::leaky_relu<>>>(3, 13, 1e-3);
    ctnn_test::check_layer_gradients<bound_on<ctnn::leaky_relu<std::ratio<1, 5>>>>(3, 14, 1e-3);
    ctnn_test::check_layer_gradients<bound_on<ctnn::sigmoid>>(3, 15);
    ctnn_test::check_layer_gradients<bound_on<ctnn::tanh>>(3, 16);
}
