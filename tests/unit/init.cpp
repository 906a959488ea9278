#include <doctest/doctest.h>
#include <cmath>

#include <ctnn/ctnn.hpp>

using xor_net = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid>;

TEST_CASE("initialization is seeded, bounded, and zeroes the biases") {
    ctnn::parameters<xor_net> a, b, c;
    ctnn::initialize(a, 1);
    ctnn::initialize(b, 1);
    ctnn::initialize(c, 2);
    CHECK(a == b);
    CHECK(!(a == c));
    const float xavier_first = std::sqrt(6.0f / (2 + 5));
    for (std::size_t i = 0; i < 10; ++i) CHECK(std::fabs(a.values[i]) <= xavier_first);
    for (std::size_t i = 10; i < 15; ++i) CHECK(a.values[i] == 0.0f);
    CHECK(a.values[20] == 0.0f);

    ctnn::parameters<xor_net> he;
    ctnn::initialize(he, 1, ctnn::initializer::he_uniform);
    // Same draws, wider bound sqrt(6 / fan_in): the weights scale by the ratio of the bounds.
    CHECK(he.values[0] == doctest::Approx(a.values[0] * std::sqrt(6.0f / 2) / xavier_first));
}

TEST_CASE("the generator is pinned: same numbers on every compiler and target") {
    // SplitMix64 reference values for seed 0 (integer-only, so any conforming compiler must agree);
    // g++ and clang runs of this suite both check them, which proves identical initial weights.
    ctnn::random_generator rng(0);
    CHECK(rng.next() == 0xE220A8397B1DCDAFull);
    CHECK(rng.next() == 0x6E789E6AA1B965F4ull);
    ctnn::random_generator uniform(0);
    CHECK(uniform.uniform01<float>() == float(0xE220A8ull) / 16777216.0f);
}

TEST_CASE("uniform draws cover their range") {
    ctnn::random_generator rng(3);
    double low = 1, high = 0, sum = 0;
    for (int i = 0; i < 10000; ++i) {
        const double v = rng.uniform01<double>();
        low = std::fmin(low, v);
        high = std::fmax(high, v);
        sum += v;
    }
    CHECK(low >= 0.0);
    CHECK(high < 1.0);
    CHECK(low < 0.001);
    CHECK(high > 0.999);
    CHECK(sum / 10000 == doctest::Approx(0.5).epsilon(0.02));
}
