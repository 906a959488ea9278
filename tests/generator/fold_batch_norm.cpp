// --fold-batch-norm: the generated <name>_infer on <name>_infer_weights (batch_norm folded into
// the dense, conv2d or depthwise_conv2d before it) against the header path's Model::infer on the
// unfolded parameters, over many random inputs, within 1e-5 of the largest |output|. The models
// (fold_models.hpp) carry non-trivial running statistics, baked from weights files.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <ctnn/model.hpp>
#include <ctnn/parameters.hpp>
#include <ctnn/random.hpp>

#include "fold_conv.h"
#include "fold_dense.h"
#include "fold_mixed.h"
#include "fold_models.hpp"

namespace {

constexpr int samples = 500;
constexpr double tolerance = 1e-5;

template <class M>
struct generated;

#define CTNN_FOLD_MODEL(net, p, P, seed_, folded_)                                              \
    template <>                                                                                 \
    struct generated<net> {                                                                     \
        static constexpr auto infer = &p##_infer;                                               \
        static constexpr const float* weights = p##_weights;                                    \
        static constexpr const float* infer_weights = p##_infer_weights;                        \
        static constexpr std::size_t input_size = P##_INPUT_SIZE, output_size = P##_OUTPUT_SIZE; \
        static constexpr std::size_t param_count = P##_PARAM_COUNT;                             \
        static constexpr std::size_t infer_param_count = P##_INFER_PARAM_COUNT;                 \
        static constexpr std::size_t scratch_size = P##_INFER_SCRATCH_SIZE;                     \
        static constexpr std::size_t flops = P##_FLOPS, infer_flops = P##_INFER_FLOPS;          \
        static constexpr std::uint64_t seed = seed_;                                            \
        static constexpr std::size_t folded_channels = folded_;                                 \
    };
// folded_: the channels of the folded batch_norm layers (each had 4 per channel).
CTNN_FOLD_MODEL(fold_dense_net, fold_dense, FOLD_DENSE, 11, 6 + 5)
CTNN_FOLD_MODEL(fold_conv_net, fold_conv, FOLD_CONV, 12, 4 + 4)
CTNN_FOLD_MODEL(fold_mixed_net, fold_mixed, FOLD_MIXED, 13, 4 + 4)
#undef CTNN_FOLD_MODEL

template <class M>
void check(const char* label) {
    using C = generated<M>;
    static_assert(C::input_size == M::input_shape::size && C::output_size == M::output_shape::size);
    static_assert(C::param_count == M::param_count);
    // Folding drops exactly the 4 values per channel of each folded batch_norm, and its FLOPs.
    static_assert(C::infer_param_count < C::param_count);
    static_assert(C::infer_param_count == C::param_count - 4 * C::folded_channels);
    static_assert(C::infer_flops < C::flops);

    auto params = std::make_unique<ctnn::parameters<M, float>>();
    fold_test::perturbed_parameters(*params, C::seed);
    // The baked table is the weights file the test wrote: the same parameters, bit for bit.
    REQUIRE(std::memcmp(params->data(), C::weights, sizeof(float) * C::param_count) == 0);

    auto scratch_h = std::make_unique<ctnn::inference_scratch<M, float>>();
    std::vector<float> x(C::input_size), y_h(C::output_size), y_c(C::output_size), scratch_c(C::scratch_size);
    ctnn::random_generator rng(C::seed + 100);
    double worst = 0;
    for (int s = 0; s < samples; ++s) {
        for (float& v : x) v = float(rng.uniform(-2.0, 2.0));
        M::infer_raw(params->data(), x.data(), y_h.data(), scratch_h->data());
        C::infer(C::infer_weights, x.data(), y_c.data(), scratch_c.data());
        double largest = 0, diff = 0;
        for (std::size_t k = 0; k < C::output_size; ++k) {
            REQUIRE(std::isfinite(y_c[k]));
            largest = std::max(largest, std::fabs(double(y_h[k])));
            diff = std::max(diff, std::fabs(double(y_c[k]) - double(y_h[k])));
        }
        const double relative = largest > 0 ? diff / largest : diff;
        worst = std::max(worst, relative);
        CHECK(relative <= tolerance);
    }
    std::printf("%s: %d inputs, %zu -> %zu parameters, %zu -> %zu FLOPs, max relative difference %.3g\n", label,
                samples, C::param_count, C::infer_param_count, C::flops, C::infer_flops, worst);
}

}  // namespace

TEST_CASE("fold_batch_norm: batch_norm after dense") { check<fold_dense_net>("fold_dense"); }
TEST_CASE("fold_batch_norm: batch_norm after conv2d and depthwise_conv2d") { check<fold_conv_net>("fold_conv"); }
TEST_CASE("fold_batch_norm: strided conv2d, valid depthwise, an unfolded batch_norm on the input") {
    check<fold_mixed_net>("fold_mixed");
}
