// ctnn's vectorisable float exp, sigmoid and tanh (ctnn/layers/vector_exp.hpp) against the C library.
#include <cmath>
#include <limits>

#include <doctest/doctest.h>

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

TEST_CASE("vector_sigmoid and vector_tanh are within 2.5e-7 of the exact functions") {
    double sigmoid_worst = 0, tanh_worst = 0;
    for (float x = -30.0f; x <= 30.0f; x += 0.00731f) {
        const double s = 1 / (1 + std::exp(-double(x)));
        sigmoid_worst = std::fmax(sigmoid_worst, std::fabs(double(ctnn::detail::vector_sigmoid(x)) - s));
        tanh_worst = std::fmax(tanh_worst, std::fabs(double(ctnn::detail::vector_tanh(x)) - std::tanh(double(x))));
    }
    MESSAGE("largest absolute error: sigmoid " << sigmoid_worst << ", tanh " << tanh_worst);
    CHECK(sigmoid_worst < 2.5e-7);
    CHECK(tanh_worst < 2.5e-7);
    CHECK(ctnn::detail::vector_tanh(40.0f) == 1.0f);
    CHECK(ctnn::detail::vector_tanh(-40.0f) == -1.0f);
    CHECK(std::isnan(ctnn::detail::vector_sigmoid(std::numeric_limits<float>::quiet_NaN())));
    // Double keeps the C library's functions (finite-difference checks need their accuracy).
    CHECK(ctnn::detail::vector_tanh(0.3) == std::tanh(0.3));
}
