#include <cmath>

#include <ctnn/layers/softmax.hpp>

#include "gradient_check.hpp"

using ctnn::shape;

TEST_CASE("softmax: outputs are positive, sum to one per position, and keep order") {
    using bound = ctnn::softmax::bind<shape<2, 3>, 1>;  // two distributions of three classes
    const double x[] = {1, 2, 3, -1, 0, 5};
    double y[6];
    bound::forward(static_cast<const double*>(nullptr), x, y, 1);
    CHECK(y[0] + y[1] + y[2] == doctest::Approx(1.0));
    CHECK(y[3] + y[4] + y[5] == doctest::Approx(1.0));
    CHECK(y[0] < y[1]);
    CHECK(y[1] < y[2]);
    CHECK(y[2] == doctest::Approx(std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0))));
}

TEST_CASE("softmax: finite for logits of +-1e4") {
    using bound = ctnn::softmax::bind<shape<3>, 1>;
    const float x[] = {1e4f, -1e4f, 0.0f};
    float y[3];
    bound::forward(static_cast<const float*>(nullptr), x, y, 1);
    for (float v : y) CHECK(std::isfinite(v));
    CHECK(y[0] == 1.0f);
}

TEST_CASE("softmax: gradients match central finite differences") {
    ctnn_test::check_layer_gradients<ctnn::softmax::bind<shape<4>, 1>>(1, 21);
    ctnn_test::check_layer_gradients<ctnn::softmax::bind<shape<3, 5>, 1>>(2, 22);
}
