#include <ctnn/layers/dense.hpp>
#include <ctnn/model.hpp>

#include <cstring>
#include <vector>

#include <ctnn/multiply_add.hpp>

#include "gradient_check.hpp"

using ctnn::shape;

TEST_CASE("dense: shapes, parameter count and FLOPs are compile-time constants") {
    using bound = ctnn::dense<4>::bind<shape<3>, 1>;
    static_assert(std::is_same_v<bound::output_shape, shape<4>>);
    static_assert(bound::param_count == 3 * 4 + 4);
    static_assert(bound::flops == 2 * 3 * 4);
}

TEST_CASE("dense: forward is W x + b with PyTorch's [out][in] layout") {
    using bound = ctnn::dense<2>::bind<shape<3>, 1>;
    // W = [[1, 2, 3], [4, 5, 6]], b = [0.5, -1]
    const float params[] = {1, 2, 3, 4, 5, 6, 0.5f, -1};
    const float x[] = {1, 0, -1};
    float y[2];
    bound::forward(params, x, y, 1);
    CHECK(y[0] == doctest::Approx(1 - 3 + 0.5));
    CHECK(y[1] == doctest::Approx(4 - 6 - 1));
}

TEST_CASE("dense: a batch gives the same outputs as one call per sample") {
    using bound = ctnn::dense<3>::bind<shape<2>, 1>;
    const float params[] = {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, 0.01f, 0.02f, 0.03f};
    const float x[] = {1, 2, -3, 4, 0.5f, -0.25f};
    float batched[9], single[9];
    bound::forward(params, x, batched, 3);
    for (int s = 0; s < 3; ++s) bound::forward(params, x + 2 * s, single + 3 * s, 1);
    for (int i = 0; i < 9; ++i) CHECK(batched[i] == single[i]);
}

TEST_CASE("dense: gradients match central finite differences") {
    ctnn_test::check_layer_gradients<ctnn::dense<5>::bind<shape<2>, 1>>(1, 1);
    ctnn_test::check_layer_gradients<ctnn::dense<3>::bind<shape<7>, 1>>(4, 2);
    ctnn_test::check_layer_gradients<ctnn::dense<1>::bind<shape<1>, 1>>(2, 3);
}

TEST_CASE("dense: parameter gradients accumulate and a null dx is skipped") {
    using bound = ctnn::dense<1>::bind<shape<1>, 1>;
    const double params[] = {2.0, 0.0};
    const double x[] = {3.0};
    const double dy[] = {1.0};
    double y[1];
    double dparams[] = {10.0, 20.0};
    bound::forward(params, x, y, 1);
    bound::backward(params, x, y, dy, static_cast<double*>(nullptr), dparams, 1);
    CHECK(dparams[0] == 13.0);  // += dy * x
    CHECK(dparams[1] == 21.0);  // += dy
}

TEST_CASE("dense: a sequence (steps, features) applies the same W and b to every row") {
    using bound = ctnn::dense<2>::bind<shape<3, 2>, 1>;
    static_assert(std::is_same_v<bound::output_shape, shape<3, 2>>);
    static_assert(bound::param_count == 2 * 2 + 2);
    static_assert(bound::flops == 3 * 2 * 2 * 2);
    using row = ctnn::dense<2>::bind<shape<2>, 1>;
    const float params[] = {0.5f, -1, 2, 0.25f, 0.1f, -0.2f};
    const float x[] = {1, 2, -3, 4, 0.5f, -0.25f, 7, 8, 9, 10, 11, 12};  // two samples of 3 rows
    float sequence[12], rows[12];
    bound::forward(params, x, sequence, 2);
    for (int r = 0; r < 6; ++r) row::forward(params, x + 2 * r, rows + 2 * r, 1);
    for (int i = 0; i < 12; ++i) CHECK(sequence[i] == rows[i]);
}

TEST_CASE("dense: sequence gradients match central finite differences") {
    ctnn_test::check_layer_gradients<ctnn::dense<3>::bind<shape<4, 2>, 1>>(1, 4);
    ctnn_test::check_layer_gradients<ctnn::dense<2>::bind<shape<3, 5>, 1>>(2, 5);
}

// The documented order of a wide layer's sums, written plainly (dense_kernels.hpp): 16 lanes, input
// i to lane i % 16, each lane its first product then multiply-adds in input order; lanes added by
// halving; the bias last. Weight gradients: 0 + the samples' terms in order, as multiply-adds;
// bias gradients: 0 + dy in sample order; dL/dx: 0 + the units' terms in order, as multiply-adds.
// The batched kernels (blocks of samples and units, explicit vectors with AVX-512, passes of one
// register below it) must give these bits.
template <std::size_t Inputs, std::size_t Units>
void plain_dense(const float* params, const float* x, const float* dy, float* y, float* dparams, float* dx,
                 std::size_t batch) {
    static_assert(Inputs >= 16);
    using ctnn::detail::multiply_add;
    const float* bias = params + Inputs * Units;
    for (std::size_t s = 0; s < batch; ++s)
        for (std::size_t j = 0; j < Units; ++j) {
            const float* w = params + j * Inputs;
            const float* xs = x + s * Inputs;
            float lanes[16];
            for (std::size_t l = 0; l < 16; ++l) lanes[l] = w[l] * xs[l];
            for (std::size_t i = 16; i < Inputs; ++i) lanes[i % 16] = multiply_add(w[i], xs[i], lanes[i % 16]);
            for (std::size_t half = 8; half > 0; half /= 2)
                for (std::size_t l = 0; l < half; ++l) lanes[l] = lanes[l] + lanes[l + half];
            y[s * Units + j] = bias[j] + lanes[0];
        }
    for (std::size_t k = 0; k < Inputs * Units + Units; ++k) dparams[k] = 0.0f;
    for (std::size_t s = 0; s < batch; ++s)
        for (std::size_t j = 0; j < Units; ++j) {
            const float g = dy[s * Units + j];
            for (std::size_t i = 0; i < Inputs; ++i)
                dparams[j * Inputs + i] = multiply_add(g, x[s * Inputs + i], dparams[j * Inputs + i]);
            dparams[Inputs * Units + j] += g;
        }
    for (std::size_t s = 0; s < batch; ++s)
        for (std::size_t i = 0; i < Inputs; ++i) {
            float sum = 0.0f;
            for (std::size_t j = 0; j < Units; ++j) sum = multiply_add(params[j * Inputs + i], dy[s * Units + j], sum);
            dx[s * Inputs + i] = sum;
        }
}

template <std::size_t Inputs, std::size_t Units>
void check_dense_matches_plain_loops(std::size_t batch, unsigned seed) {
    using bound = typename ctnn::dense<Units>::template bind<shape<Inputs>, 1>;
    std::vector<float> params(bound::param_count), x(batch * Inputs), dy(batch * Units);
    ctnn::random_generator rng(seed);
    for (float& v : params) v = rng.uniform<float>(-1.0f, 1.0f);
    for (float& v : x) v = rng.uniform<float>(-1.0f, 1.0f);
    for (float& v : dy) v = rng.uniform<float>(-1.0f, 1.0f);
    std::vector<float> y(batch * Units), y_plain(batch * Units), dx(batch * Inputs), dx_plain(batch * Inputs);
    std::vector<float> grads(bound::param_count, 0.0f), assigned(bound::param_count, 7.0f), grads_plain(bound::param_count);
    bound::forward(params.data(), x.data(), y.data(), batch);
    bound::backward(params.data(), x.data(), y.data(), dy.data(), dx.data(), grads.data(), batch);
    bound::backward_assign(params.data(), x.data(), y.data(), dy.data(), dx.data(), assigned.data(), batch);
    plain_dense<Inputs, Units>(params.data(), x.data(), dy.data(), y_plain.data(), grads_plain.data(), dx_plain.data(),
                               batch);
    CHECK(std::memcmp(y.data(), y_plain.data(), y.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(dx.data(), dx_plain.data(), dx.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(grads.data(), grads_plain.data(), grads.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(assigned.data(), grads_plain.data(), grads.size() * sizeof(float)) == 0);
}

TEST_CASE("dense: wide layers' batched kernels give the bits of the plain loops") {
    // Tiles differ by target (dense_kernels.hpp; this file is also built with -mavx2 and -mavx512f):
    // 13 samples are blocks of 4, 6 or 8 and lone ones; 40 and 128 units blocks of 6 or 8 with a remainder.
    check_dense_matches_plain_loops<100, 40>(13, 71);   // a 4-input tail
    check_dense_matches_plain_loops<784, 128>(6, 72);   // M2's first layer
    check_dense_matches_plain_loops<64, 10>(9, 73);     // units not a multiple of the blocks: two of 5
    check_dense_matches_plain_loops<40, 13>(5, 76);     // two blocks of 7 that overlap by a unit
    check_dense_matches_plain_loops<16, 3>(1, 74);      // one sample, one lane block
    check_dense_matches_plain_loops<20, 3>(5, 75);      // 12 and 3 sums in a block
}
