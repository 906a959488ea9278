#include <ctnn/layers/avg_pool2d.hpp>
#include <ctnn/layers/flatten.hpp>
#include <ctnn/layers/global_avg_pool2d.hpp>
#include <ctnn/layers/max_pool2d.hpp>
#include <ctnn/layers/reshape.hpp>

#include "gradient_check.hpp"

using ctnn::padding;
using ctnn::shape;

TEST_CASE("pooling shapes") {
    static_assert(std::is_same_v<ctnn::max_pool2d<2>::bind<shape<28, 28, 8>, 1>::output_shape, shape<14, 14, 8>>);
    static_assert(std::is_same_v<ctnn::avg_pool2d<3, 2>::bind<shape<7, 7, 1>, 1>::output_shape, shape<3, 3, 1>>);
    static_assert(std::is_same_v<ctnn::max_pool2d<2, 2, padding::same>::bind<shape<7, 7, 3>, 1>::output_shape,
                                 shape<4, 4, 3>>);
    static_assert(std::is_same_v<ctnn::global_avg_pool2d::bind<shape<5, 4, 6>, 1>::output_shape, shape<6>>);
    static_assert(std::is_same_v<ctnn::flatten::bind<shape<5, 4, 6>, 1>::output_shape, shape<120>>);
    static_assert(std::is_same_v<ctnn::reshape<4, 30>::bind<shape<5, 4, 6>, 1>::output_shape, shape<4, 30>>);
}

TEST_CASE("max_pool2d picks each window's maximum per channel") {
    using bound = ctnn::max_pool2d<2>::bind<shape<2, 4, 1>, 1>;
    const float x[] = {1, 5, 2, 0, 3, 4, -1, 7};
    float y[2];
    bound::forward(static_cast<const float*>(nullptr), x, y, 1);
    CHECK(y[0] == 5);
    CHECK(y[1] == 7);
}

TEST_CASE("avg_pool2d with same padding averages only real values") {
    using bound = ctnn::avg_pool2d<2, 2, padding::same>::bind<shape<3, 3, 1>, 1>;
    const double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    double y[4];
    bound::forward(static_cast<const double*>(nullptr), x, y, 1);
    CHECK(y[0] == doctest::Approx((1 + 2 + 4 + 5) / 4.0));
    CHECK(y[1] == doctest::Approx((3 + 6) / 2.0));
    CHECK(y[3] == 9);
}

TEST_CASE("pooling, flatten and reshape gradients match central finite differences") {
    // Random inputs have distinct values almost surely, so max pooling is differentiable there.
    ctnn_test::check_layer_gradients<ctnn::max_pool2d<2>::bind<shape<4, 6, 3>, 1>>(2, 41);
    ctnn_test::check_layer_gradients<ctnn::max_pool2d<3, 2, padding::same>::bind<shape<5, 5, 2>, 1>>(1, 42);
    ctnn_test::check_layer_gradients<ctnn::avg_pool2d<2>::bind<shape<4, 4, 2>, 1>>(2, 43);
    ctnn_test::check_layer_gradients<ctnn::avg_pool2d<3, 2, padding::same>::bind<shape<5, 4, 2>, 1>>(1, 44);
    ctnn_test::check_layer_gradients<ctnn::global_avg_pool2d::bind<shape<3, 4, 5>, 1>>(2, 45);
    ctnn_test::check_layer_gradients<ctnn::flatten::bind<shape<2, 3, 2>, 1>>(2, 46);
    ctnn_test::check_layer_gradients<ctnn::reshape<6, 2>::bind<shape<2, 3, 2>, 1>>(2, 47);
}
