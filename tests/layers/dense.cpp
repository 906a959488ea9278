#include <ctnn/layers/dense.hpp>
#include <ctnn/model.hpp>

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
