// ctnn's vectorisable float exp and sigmoid (ctnn/layers/vector_exp.hpp) and the gate functions of
// gru and lstm (ctnn/layers/gate_functions.hpp) against the C library.
#include <cmath>
#include <limits>

#include <doctest/doctest.h>

#include <ctnn/layers/gate_functions.hpp>
#include <ctnn/layers/vector_exp.hpp>

TEST_CASE("vector_exp stays within 1e-7 of exp over the whole clamped range, and keeps NaN") {
    double worst = 0;
    for (float x = -87.0f; x <= 88.0f; x = std::nextafter(x + 0.0037f, 100.0f)) {
        const double exact = std::exp(double(x));
        worst = std::fmax(worst, std::fabs(double(ctnn::detail::vector_exp(x)) - exact) / exact);
    }
    MESSAGE("largest relative error of vector_exp: " << worst);
    CHECK(worst < 1.5e-7);
    CHECK(ctnn::detail::vector_exp(0.0f) == 1.0f);
    CHECK(std::isnan(ctnn::detail::vector_exp(std::numeric_limits<float>::quiet_NaN())));
    CHECK(ctnn::detail::vector_exp(-1000.0f) == doctest::Approx(std::exp(-87.0)));  // clamped, positive
    CHECK(std::isfinite(ctnn::detail::vector_exp(std::numeric_limits<float>::infinity())));
}

TEST_CASE("vector_sigmoid is within 2.5e-7 of the exact function and keeps NaN") {
    double worst = 0;
    for (float x = -30.0f; x <= 30.0f; x += 0.00731f)
        worst = std::fmax(worst, std::fabs(double(ctnn::detail::vector_sigmoid(x)) - 1 / (1 + std::exp(-double(x)))));
    MESSAGE("largest absolute error of vector_sigmoid: " << worst);
    CHECK(worst < 2.5e-7);
    CHECK(std::isnan(ctnn::detail::vector_sigmoid(std::numeric_limits<float>::quiet_NaN())));
    CHECK(ctnn::detail::vector_sigmoid(0.3) == 1 / (1 + std::exp(-0.3)));  // double: the C library
}

// Every float in [-12, 12] at a fine step, and the clamped tails: absolute errors, as gates need.
TEST_CASE("gate_tanh and gate_sigmoid are within 5e-7 of the exact functions, within [-1, 1], and keep NaN") {
    double tanh_worst = 0, sigmoid_worst = 0;
    float largest = 0;
    for (float x = -12.0f; x <= 12.0f; x = std::nextafter(x + 3.1e-5f, 100.0f)) {
        const float t = ctnn::detail::gate_tanh(x);
        tanh_worst = std::fmax(tanh_worst, std::fabs(double(t) - std::tanh(double(x))));
        sigmoid_worst = std::fmax(sigmoid_worst, std::fabs(double(ctnn::detail::gate_sigmoid(x)) -
                                                           1 / (1 + std::exp(-double(x)))));
        largest = std::fmax(largest, std::fabs(t));
        if (std::fabs(x) < 1e-3f) CHECK(std::signbit(t) == std::signbit(x));  // odd, no offset
    }
    MESSAGE("largest absolute error: gate_tanh " << tanh_worst << ", gate_sigmoid " << sigmoid_worst);
    CHECK(tanh_worst < 5e-7);
    CHECK(sigmoid_worst < 5e-7);
    // Where tanh nears 1, every float: the roundings never take the result past 1 (nor, the
    // function being odd, past -1), so a sigmoid gate stays in [0, 1].
    for (float x = 4.0f; x <= 12.0f; x = std::nextafter(x, 100.0f)) largest = std::fmax(largest, ctnn::detail::gate_tanh(x));
    CHECK(largest <= 1.0f);
    CHECK(ctnn::detail::gate_tanh(-2.5f) == -ctnn::detail::gate_tanh(2.5f));
    CHECK(ctnn::detail::gate_tanh(0.0f) == 0.0f);
    CHECK(ctnn::detail::gate_tanh(1e30f) == ctnn::detail::gate_tanh(8.0f));
    CHECK(ctnn::detail::gate_tanh(-std::numeric_limits<float>::infinity()) == -ctnn::detail::gate_tanh(8.0f));
    CHECK(std::isnan(ctnn::detail::gate_tanh(std::numeric_limits<float>::quiet_NaN())));
    CHECK(std::isnan(ctnn::detail::gate_sigmoid(std::numeric_limits<float>::quiet_NaN())));
    // Double keeps the C library's functions (finite-difference checks need their accuracy).
    CHECK(ctnn::detail::gate_tanh(0.3) == std::tanh(0.3));
    CHECK(ctnn::detail::gate_sigmoid(0.3) == 1 / (1 + std::exp(-0.3)));
}
