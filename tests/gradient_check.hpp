// Central finite differences in double: the independent reference for every backward pass.
#pragma once
#include <cmath>
#include <cstddef>
#include <vector>

#include <doctest/doctest.h>

#include <ctnn/random.hpp>
#include <ctnn/training_context.hpp>

namespace ctnn_test {

// |a - b| relative to the larger magnitude, with a floor so that values near 0 compare absolutely.
inline double relative_error(double a, double b) {
    return std::fabs(a - b) / std::fmax(1e-3, std::fmax(std::fabs(a), std::fabs(b)));
}

inline std::vector<double> random_values(std::size_t count, ctnn::random_generator& rng, double low, double high) {
    std::vector<double> values(count);
    for (double& v : values) v = rng.uniform<double>(low, high);
    return values;
}

// dL/d(value) by central differences (step 1e-6), `value` restored afterwards.
template <class Loss>
double central_difference(double& value, Loss&& loss) {
    const double h = 1e-6, saved = value;
    value = saved + h;
    const double up = loss();
    value = saved - h;
    const double down = loss();
    value = saved;
    return (up - down) / (2 * h);
}

// Moves values away from the kinks of relu-like functions, where a derivative does not exist.
inline void avoid_kinks(std::vector<double>& values, double margin) {
    for (double& v : values)
        if (std::fabs(v) < margin) v = v < 0 ? v - margin : v + margin;
}

// Checks a bound layer's backward against central differences of L = sum(upstream * y) over a
// batch: dL/dx and dL/dparams, in training mode (batch statistics, a fixed dropout mask).
// Returns the largest relative error seen.
template <class Bound>
double check_layer_gradients(std::size_t batch, std::uint64_t seed, double input_margin = 0.0) {
    constexpr std::size_t in = Bound::input_shape::size;
    constexpr std::size_t out = Bound::output_shape::size;
    constexpr std::size_t np = Bound::param_count;
    ctnn::random_generator rng(seed);
    auto params = random_values(np, rng, -0.8, 0.8);
    auto x = random_values(batch * in, rng, -2.0, 2.0);
    if (input_margin > 0) avoid_kinks(x, input_margin);
    const auto upstream = random_values(batch * out, rng, -1.0, 1.0);

    const ctnn::training_context context{seed * 7919};
    std::vector<double> y(batch * out), dx(batch * in), dparams(np, 0.0);
    std::vector<double> saved(batch * ctnn::detail::saved_size_of<Bound>() + 1);
    ctnn::detail::forward_training<Bound>(params.data(), x.data(), y.data(), batch, context, saved.data());
    ctnn::detail::backward_training<Bound>(params.data(), x.data(), y.data(), upstream.data(), dx.data(),
                                           dparams.data(), batch, context, saved.data());

    const auto loss = [&] {
        std::vector<double> probe(batch * out), probe_saved(saved.size());
        ctnn::detail::forward_training<Bound>(params.data(), x.data(), probe.data(), batch, context,
                                              probe_saved.data());
        double total = 0;
        for (std::size_t i = 0; i < probe.size(); ++i) total += upstream[i] * probe[i];
        return total;
    };
    const double h = 1e-6;
    double worst = 0;
    const auto probe_each = [&](std::vector<double>& values, const std::vector<double>& analytic) {
        for (std::size_t i = 0; i < values.size(); ++i) {
            const double saved = values[i];
            values[i] = saved + h;
            const double up = loss();
            values[i] = saved - h;
            const double down = loss();
            values[i] = saved;
            const double numeric = (up - down) / (2 * h);
            const double error = relative_error(numeric, analytic[i]);
            worst = std::fmax(worst, error);
            CHECK_MESSAGE(error < 1e-6, "value ", i, ": numeric ", numeric, " analytic ", analytic[i]);
        }
    };
    probe_each(x, dx);
    probe_each(params, dparams);
    return worst;
}

}  // namespace ctnn_test
