#include <cmath>
#include <vector>

#include <ctnn/loss.hpp>

#include "gradient_check.hpp"

namespace {
// Checks evaluate()'s dy against central differences of the loss it returns.
template <class Loss, std::size_t N>
void check_loss_gradient(std::vector<double> y, const std::vector<double>& target) {
    double dy[N];
    double scratch[N];
    Loss::template evaluate<N>(y.data(), target.data(), dy, 1.0);
    const double h = 1e-6;
    for (std::size_t i = 0; i < N; ++i) {
        const double saved = y[i];
        y[i] = saved + h;
        const double up = Loss::template evaluate<N>(y.data(), target.data(), scratch, 1.0);
        y[i] = saved - h;
        const double down = Loss::template evaluate<N>(y.data(), target.data(), scratch, 1.0);
        y[i] = saved;
        const double numeric = (up - down) / (2 * h);
        CHECK_MESSAGE(ctnn_test::relative_error(numeric, dy[i]) < 1e-6, "output ", i, ": numeric ", numeric,
                      " analytic ", dy[i]);
    }
}
}  // namespace

TEST_CASE("mse: value is the mean of squared differences; scale multiplies only the gradient") {
    const double y[] = {1, 2, 4};
    const double t[] = {1, 0, 1};
    double dy[3];
    CHECK(ctnn::mse::evaluate<3>(y, t, dy, 0.5) == doctest::Approx((0 + 4 + 9) / 3.0));
    CHECK(dy[1] == doctest::Approx(0.5 * 2 * 2 / 3.0));
}

TEST_CASE("binary_cross_entropy: value and clamping at 0 and 1") {
    const double y[] = {0.8, 0.1};
    const double t[] = {1, 0};
    double dy[2];
    CHECK(ctnn::binary_cross_entropy::evaluate<2>(y, t, dy, 1.0) ==
          doctest::Approx(-(std::log(0.8) + std::log(0.9)) / 2));
    const float certain_wrong[] = {0.0f};
    const float one[] = {1.0f};
    float g[1];
    // log(0) is clamped at -100, as PyTorch does: a finite loss of 100.
    CHECK(ctnn::binary_cross_entropy::evaluate<1>(certain_wrong, one, g, 1.0f) == doctest::Approx(100.0f));
    CHECK(std::isfinite(g[0]));
}

TEST_CASE("softmax_cross_entropy: value equals -log softmax of the true class") {
    const double z[] = {1, 2, 3};
    const double t[] = {0, 1, 0};
    double dz[3];
    const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
    CHECK(ctnn::softmax_cross_entropy::evaluate<3>(z, t, dz, 1.0) == doctest::Approx(lse - 2));
    CHECK(dz[1] == doctest::Approx(std::exp(2.0 - lse) - 1));
}

TEST_CASE("softmax_cross_entropy: finite loss and gradient for logits of +-1e4") {
    const float z[] = {1e4f, -1e4f, 0.0f};
    const float wrong[] = {0, 1, 0};
    const float right[] = {1, 0, 0};
    float dz[3];
    const float loss_wrong = ctnn::softmax_cross_entropy::evaluate<3>(z, wrong, dz, 1.0f);
    CHECK(std::isfinite(loss_wrong));
    CHECK(loss_wrong == doctest::Approx(2e4f));
    for (float g : dz) CHECK(std::isfinite(g));
    CHECK(ctnn::softmax_cross_entropy::evaluate<3>(z, right, dz, 1.0f) == 0.0f);
}

TEST_CASE("loss gradients match central finite differences") {
    check_loss_gradient<ctnn::mse, 4>({0.3, -1.2, 2.0, 0.0}, {0.0, 1.0, 2.5, -0.5});
    check_loss_gradient<ctnn::binary_cross_entropy, 3>({0.2, 0.7, 0.95}, {0.0, 1.0, 0.3});
    check_loss_gradient<ctnn::softmax_cross_entropy, 4>({0.5, -1.0, 2.0, 0.1}, {0.0, 0.0, 1.0, 0.0});
    check_loss_gradient<ctnn::softmax_cross_entropy, 3>({3.0, -2.0, 0.25}, {0.2, 0.5, 0.3});
}

TEST_CASE("softmax_cross_entropy: nearly tied logits near 1e4 keep float precision") {
    const float z[] = {1e4f, 9999.0f, 9998.5f, 9998.0f};
    const float t[] = {0, 1, 0, 0};
    float dz[4];
    const float loss = ctnn::softmax_cross_entropy::evaluate<4>(z, t, dz, 1.0f);
    // The same logits shifted to 0 are exact in float: the loss must not depend on the shift.
    const float shifted[] = {2.0f, 1.0f, 0.5f, 0.0f};
    float reference_dz[4];
    const float reference = ctnn::softmax_cross_entropy::evaluate<4>(shifted, t, reference_dz, 1.0f);
    CHECK(loss == doctest::Approx(reference).epsilon(1e-6));
    for (int i = 0; i < 4; ++i) CHECK(dz[i] == doctest::Approx(reference_dz[i]).epsilon(1e-6));
}

TEST_CASE("softmax_cross_entropy: one distribution per row, averaged") {
    const double z[] = {1, 2, 3, 0, 0, 5};
    const double t[] = {0, 0, 1, 1, 0, 0};
    double dz[6], row[3];
    const double both = ctnn::softmax_cross_entropy::evaluate<6, double, 3>(z, t, dz, 1.0);
    const double first = ctnn::softmax_cross_entropy::evaluate<3>(z, t, row, 1.0);
    CHECK(dz[0] == doctest::Approx(row[0] / 2));
    const double second = ctnn::softmax_cross_entropy::evaluate<3>(z + 3, t + 3, row, 1.0);
    CHECK(both == doctest::Approx((first + second) / 2));
    CHECK(dz[5] == doctest::Approx(row[2] / 2));
}
