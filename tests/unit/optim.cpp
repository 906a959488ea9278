#include <doctest/doctest.h>
#include <cmath>
#include <cstddef>
#include <limits>

#include <ctnn/ctnn.hpp>

using net = ctnn::sequential<ctnn::input<1>, ctnn::dense<2>>;  // 4 parameters

TEST_CASE("sgd without momentum: p -= lr * g") {
    ctnn::parameters<net, double> p{{1, 2, 3, 4}};
    const ctnn::gradients<net, double> g{{0.5, -1, 0, 2}};
    ctnn::sgd<net, double> opt{.learning_rate = 0.1};
    opt.step(p, g);
    CHECK(p.values[0] == doctest::Approx(0.95));
    CHECK(p.values[1] == doctest::Approx(2.1));
    CHECK(p.values[2] == 3.0);
    CHECK(p.values[3] == doctest::Approx(3.8));
    CHECK(opt.velocity[0] == 0.0);  // no buffer without momentum, as in PyTorch
}

TEST_CASE("sgd with momentum: the velocity carries the previous step") {
    ctnn::parameters<net, double> p{{1, 1, 1, 1}};
    const ctnn::gradients<net, double> g{{1, 1, 1, 1}};
    ctnn::sgd<net, double> opt{.learning_rate = 0.1, .momentum = 0.9};
    opt.step(p, g);  // v = 1,   p = 1 - 0.1
    opt.step(p, g);  // v = 1.9, p = 0.9 - 0.19
    CHECK(p.values[0] == doctest::Approx(0.71));
}

TEST_CASE("adam: the first step moves each parameter by about lr against its gradient's sign") {
    // With bias correction, m_hat = g and v_hat = g^2 after one step: the update is lr * g / (|g| + eps).
    ctnn::parameters<net, double> p{{0, 0, 0, 0}};
    const ctnn::gradients<net, double> g{{3, -0.001, 0, 50}};
    ctnn::adam<net, double> opt{.learning_rate = 0.1};
    opt.step(p, g);
    CHECK(p.values[0] == doctest::Approx(-0.1 * 3 / (3 + 1e-8)));
    CHECK(p.values[1] == doctest::Approx(0.1 * 0.001 / (0.001 + 1e-8)));
    CHECK(p.values[2] == 0.0);
    CHECK(p.values[3] == doctest::Approx(-0.1));
}

TEST_CASE("adam: second step follows the bias-corrected moments") {
    ctnn::parameters<net, double> p{{0, 0, 0, 0}};
    ctnn::adam<net, double> opt{.learning_rate = 0.01, .beta1 = 0.9, .beta2 = 0.99};
    opt.step(p, ctnn::gradients<net, double>{{1, 1, 1, 1}});
    opt.step(p, ctnn::gradients<net, double>{{-2, -2, -2, -2}});
    // Independent recomputation of step 2 from the textbook formulas.
    const double m = 0.9 * 0.1 + 0.1 * -2;
    const double v = 0.99 * 0.01 + 0.01 * 4;
    const double m_hat = m / (1 - 0.81), v_hat = v / (1 - 0.9801);
    const double expected = -0.01 - 0.01 * m_hat / (std::sqrt(v_hat) + 1e-8);
    CHECK(p.values[0] == doctest::Approx(expected).epsilon(1e-7));
}

namespace {
bool subnormal(float x) { return std::fpclassify(x) == FP_SUBNORMAL; }

// adam.hpp's formula applied to one float after another. The powers are multiplied on (so that
// they may go subnormal) unless stop_powers, which stops them as adam.hpp does.
template <std::size_t N>
struct reference_adam {
    float learning_rate, beta1 = 0.9f, beta2 = 0.999f;
    bool stop_powers = false;
    float p[N] = {}, m[N] = {}, v[N] = {};
    float beta1_power = 1, beta2_power = 1;

    void advance(float& power, float beta) const {
        if (!stop_powers || std::fabs(power) > std::numeric_limits<float>::epsilon() / 4) power *= beta;
    }
    void step(const float* g) {
        advance(beta1_power, beta1);
        advance(beta2_power, beta2);
        const float step_size = learning_rate / (1.0f - beta1_power), correction2_root = std::sqrt(1.0f - beta2_power);
        for (std::size_t i = 0; i < N; ++i) {
            m[i] = beta1 * m[i] + (1.0f - beta1) * g[i];
            v[i] = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
            p[i] = p[i] - step_size * m[i] / (std::sqrt(v[i]) / correction2_root + 1e-8f);
        }
    }
};
}  // namespace

TEST_CASE("adam in float: every parameter has the bits of the formula applied to it alone") {
    // 70 parameters: four blocks of 16 go through detail::vector_float where the target has it (4
    // lanes with SSE2, 8 with AVX, 16 with AVX-512; tests/CMakeLists.txt builds this file for all
    // three), the last 6 one at a time. The reference applies adam.hpp's formula to one float
    // after another.
    using wide = ctnn::sequential<ctnn::input<9>, ctnn::dense<7>>;
    static_assert(wide::param_count == 70);
    ctnn::parameters<wide> p;
    ctnn::adam<wide> opt{.learning_rate = 0.05f};
    reference_adam<70> ref{.learning_rate = 0.05f};
    for (std::size_t i = 0; i < 70; ++i) p.values[i] = ref.p[i] = 0.37f * float(i % 11) - 1.5f;
    for (int step = 1; step <= 5; ++step) {
        ctnn::gradients<wide> g;
        // Gradients of every size and sign, some zero, and exact powers of two next to roundings.
        for (std::size_t i = 0; i < 70; ++i)
            g.values[i] = i % 13 == 0 ? 0.0f : std::ldexp(float(int(i * 7 + step * 3) % 19) - 9.0f, int(i % 9) - 6) / 3.0f;
        opt.step(p, g);
        ref.step(g.data());
        for (std::size_t i = 0; i < 70; ++i) {
            INFO("step ", step, ", parameter ", i);
            REQUIRE(p.values[i] == ref.p[i]);
            REQUIRE(opt.first_moment[i] == ref.m[i]);
            REQUIRE(opt.second_moment[i] == ref.v[i]);
        }
    }
}

TEST_CASE("adam: b^t stops once 1 - b^t rounds to 1, and the updates keep the running product's bits") {
    // The reference multiplies the powers on: beta1^t goes subnormal after about 830 steps (and
    // stays at 4 x 2^-149, which 0.9 times rounds back to); with beta2 0.98, 1 - beta2^t rounds
    // to 1 from about step 860.
    using small = ctnn::sequential<ctnn::input<3>, ctnn::dense<2>>;
    ctnn::parameters<small> p;
    ctnn::adam<small> opt{.learning_rate = 0.01f, .beta2 = 0.98f};
    constexpr std::size_t n = small::param_count;
    reference_adam<n> ref{.learning_rate = 0.01f, .beta2 = 0.98f};
    for (std::size_t i = 0; i < n; ++i) p.values[i] = ref.p[i] = 0.25f * float(i) - 0.6f;
    bool went_subnormal = false;
    for (int step = 1; step <= 1200; ++step) {
        ctnn::gradients<small> g;
        for (std::size_t i = 0; i < n; ++i) g.values[i] = std::ldexp(float(int(i * 5 + std::size_t(step) * 3) % 17) - 8.0f, -int(i % 4));
        opt.step(p, g);
        ref.step(g.data());
        went_subnormal = went_subnormal || subnormal(ref.beta1_power);
        for (std::size_t i = 0; i < n; ++i) {
            INFO("step ", step, ", parameter ", i);
            REQUIRE(p.values[i] == ref.p[i]);
        }
        REQUIRE(std::fpclassify(opt.beta1_power) == FP_NORMAL);
        REQUIRE(std::fpclassify(opt.beta2_power) == FP_NORMAL);
    }
    CHECK(went_subnormal);
    CHECK(opt.beta1_power <= ctnn::adam<small>::negligible_power);
    CHECK(opt.beta1_power > 0.9f * ctnn::adam<small>::negligible_power);
    CHECK(opt.beta2_power <= ctnn::adam<small>::negligible_power);
}

// Gradients that stop (a unit that died, a memorised batch): the state decays geometrically and,
// multiplied on, would sink into the subnormal range and stay there (ctnn/optim/subnormal.hpp).
namespace {
using small_net = ctnn::sequential<ctnn::input<3>, ctnn::dense<5>>;  // 20: a vector of 16 and 4 alone
float stopping_gradient(std::size_t i, int step) {
    return step <= 20 ? std::ldexp(float(int(i * 5 + std::size_t(step) * 3) % 17) - 8.5f, -int(i % 4)) : 0.0f;
}
}  // namespace

TEST_CASE("adam: moments that would be subnormal are +0, and the parameters keep the plain formula's bits") {
    constexpr std::size_t n = small_net::param_count;
    ctnn::parameters<small_net> p;
    ctnn::adam<small_net> opt{.learning_rate = 0.01f, .beta2 = 0.9f};
    reference_adam<n> ref{.learning_rate = 0.01f, .beta2 = 0.9f, .stop_powers = true};
    for (std::size_t i = 0; i < n; ++i) p.values[i] = ref.p[i] = 0.25f * float(i) - 0.6f;
    bool reference_went_subnormal = false;
    for (int step = 1; step <= 1500; ++step) {
        ctnn::gradients<small_net> g;
        for (std::size_t i = 0; i < n; ++i) g.values[i] = stopping_gradient(i, step);
        opt.step(p, g);
        ref.step(g.data());
        for (std::size_t i = 0; i < n; ++i) {
            INFO("step ", step, ", parameter ", i);
            reference_went_subnormal = reference_went_subnormal || subnormal(ref.m[i]) || subnormal(ref.v[i]);
            REQUIRE(p.values[i] == ref.p[i]);
            REQUIRE(!subnormal(opt.first_moment[i]));
            REQUIRE(!subnormal(opt.second_moment[i]));
            // Where the reference is still normal, the moments are its bits.
            if (!subnormal(ref.m[i])) REQUIRE(opt.first_moment[i] == ref.m[i]);
            if (!subnormal(ref.v[i])) REQUIRE(opt.second_moment[i] == ref.v[i]);
        }
    }
    CHECK(reference_went_subnormal);
    for (std::size_t i = 0; i < n; ++i) {
        CHECK(opt.first_moment[i] == 0.0f);
        CHECK(opt.second_moment[i] == 0.0f);
    }
}

TEST_CASE("sgd with momentum: a velocity that would be subnormal is +0, and the parameters keep the plain formula's bits") {
    constexpr std::size_t n = small_net::param_count;
    ctnn::parameters<small_net> p;
    ctnn::sgd<small_net> opt{.learning_rate = 0.01f, .momentum = 0.9f};
    float ref_p[n], ref_v[n] = {};
    for (std::size_t i = 0; i < n; ++i) p.values[i] = ref_p[i] = 0.25f * float(i) - 0.6f;
    bool reference_went_subnormal = false;
    for (int step = 1; step <= 1200; ++step) {
        ctnn::gradients<small_net> g;
        for (std::size_t i = 0; i < n; ++i) g.values[i] = stopping_gradient(i, step);
        opt.step(p, g);
        for (std::size_t i = 0; i < n; ++i) {
            ref_v[i] = 0.9f * ref_v[i] + g.values[i];
            ref_p[i] -= 0.01f * ref_v[i];
            reference_went_subnormal = reference_went_subnormal || subnormal(ref_v[i]);
        }
        for (std::size_t i = 0; i < n; ++i) {
            INFO("step ", step, ", parameter ", i);
            REQUIRE(p.values[i] == ref_p[i]);
            REQUIRE(!subnormal(opt.velocity[i]));
            if (!subnormal(ref_v[i])) REQUIRE(opt.velocity[i] == ref_v[i]);
        }
    }
    CHECK(reference_went_subnormal);
    for (std::size_t i = 0; i < n; ++i) CHECK(opt.velocity[i] == 0.0f);
}
