#include <ctnn/layers/avg_pool2d.hpp>
#include <ctnn/layers/flatten.hpp>
#include <ctnn/layers/global_avg_pool2d.hpp>
#include <ctnn/layers/max_pool2d.hpp>
#include <ctnn/layers/relu.hpp>
#include <ctnn/layers/reshape.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

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

// backward_activated<relu> must give the bits of backward followed by relu's own backward (dx
// times the derivative at the pool's input), signed zeros included: a window whose values are
// all 0 (relu of negatives) hands a negative dL/dy on as -0. Windows that tile the input take
// the derivative once per window, the others in a pass over dx.
template <class Bound>
void check_relu_fused_backward(unsigned seed) {
    constexpr std::size_t batch = 3, in = Bound::input_shape::size, out = Bound::output_shape::size;
    ctnn::random_generator rng(seed);
    std::vector<float> x(batch * in), y(batch * out), dy(batch * out);
    for (float& v : x) v = ctnn::relu::apply(rng.uniform<float>(-1.0f, 0.6f));
    for (float& v : dy) v = rng.uniform<float>(-1.0f, 1.0f);
    const float* no_params = nullptr;
    float* no_gradients = nullptr;
    Bound::forward(no_params, x.data(), y.data(), batch);
    std::vector<float> fused(batch * in), expected(batch * in);
    Bound::template backward_activated<ctnn::relu>(no_params, x.data(), y.data(), dy.data(), fused.data(),
                                                   no_gradients, batch);
    Bound::backward(no_params, x.data(), y.data(), dy.data(), expected.data(), no_gradients, batch);
    std::size_t negative_zeros = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        expected[i] = expected[i] * ctnn::relu::derivative(0.0f, x[i]);
        negative_zeros += expected[i] == 0.0f && std::signbit(expected[i]);
    }
    CHECK(negative_zeros > 0);
    CHECK(std::memcmp(fused.data(), expected.data(), fused.size() * sizeof(float)) == 0);
}

TEST_CASE("max_pool2d's backward with relu's derivative gives the bits of the two backward passes") {
    check_relu_fused_backward<ctnn::max_pool2d<2>::bind<shape<8, 6, 3>, 1>>(61);
    check_relu_fused_backward<ctnn::max_pool2d<3, 2, padding::same>::bind<shape<7, 6, 2>, 1>>(62);
    check_relu_fused_backward<ctnn::max_pool2d<2>::bind<shape<28, 28, 8>, 1>>(63);
}

// max_pool2d's backward against the rule written plainly: each window hands dL/dy to the first tap
// in scan order that equals its output (the first tap when the output is NaN) and +0 to the others,
// added to dx, which starts at +0. The values come from a small set, so windows have ties, and some
// are NaN. Channels of 8 and 16 take the vector path where the target has one (this file is also
// built with -mavx2), 3 the float loops; stride 1 overlaps the windows.
template <std::size_t Stride, class In>
void check_max_pool_backward_rule(unsigned seed) {
    using Bound = typename ctnn::max_pool2d<2, Stride>::template bind<In, 1>;
    constexpr std::size_t batch = 2, in = Bound::input_shape::size, out = Bound::output_shape::size;
    constexpr std::size_t height = Bound::input_shape::dims[0], width = Bound::input_shape::dims[1];
    constexpr std::size_t channels = Bound::input_shape::dims[2];
    constexpr std::size_t out_height = Bound::output_shape::dims[0], out_width = Bound::output_shape::dims[1];
    constexpr std::size_t size = 2, stride = Stride;
    static_assert(height - size == (out_height - 1) * stride && width - size == (out_width - 1) * stride);
    ctnn::random_generator rng(seed);
    const float levels[] = {0.0f, 0.5f, 1.0f, -1.0f, std::numeric_limits<float>::quiet_NaN()};
    std::vector<float> x(batch * in), y(batch * out), dy(batch * out);
    for (float& v : x) v = levels[rng.below(rng.below(8) == 0 ? 5 : 4)];
    for (float& v : dy) v = rng.uniform<float>(-1.0f, 1.0f);
    dy[1] = -0.0f;
    const float* no_params = nullptr;
    float* no_gradients = nullptr;
    Bound::forward(no_params, x.data(), y.data(), batch);
    std::vector<float> dx(batch * in, 7.0f), expected(batch * in, 0.0f);
    Bound::backward(no_params, x.data(), y.data(), dy.data(), dx.data(), no_gradients, batch);
    std::size_t nan_windows = 0, tied_windows = 0;
    for (std::size_t s = 0; s < batch; ++s)
        for (std::size_t oh = 0; oh < out_height; ++oh)
            for (std::size_t ow = 0; ow < out_width; ++ow)
                for (std::size_t c = 0; c < channels; ++c) {
                    const std::size_t o = s * out + (oh * out_width + ow) * channels + c;
                    std::size_t equal = 0;
                    bool handed = false;
                    for (std::size_t kh = 0; kh < size; ++kh)
                        for (std::size_t kw = 0; kw < size; ++kw) {
                            const std::size_t i = s * in + ((oh * stride + kh) * width + ow * stride + kw) * channels + c;
                            const bool first = kh == 0 && kw == 0;
                            const bool winner = !handed && (x[i] == y[o] || (first && std::isnan(y[o])));
                            equal += x[i] == y[o];
                            expected[i] = expected[i] + (winner ? dy[o] : 0.0f);
                            handed = handed || winner;
                        }
                    nan_windows += std::isnan(y[o]);
                    tied_windows += equal > 1;
                }
    CHECK(nan_windows > 0);
    CHECK(tied_windows > 0);
    CHECK(std::memcmp(dx.data(), expected.data(), dx.size() * sizeof(float)) == 0);
}

TEST_CASE("max_pool2d's backward: the first maximum in scan order takes dL/dy, bit for bit") {
    check_max_pool_backward_rule<2, shape<6, 8, 16>>(91);
    check_max_pool_backward_rule<2, shape<4, 6, 8>>(92);
    check_max_pool_backward_rule<2, shape<4, 4, 3>>(93);
    check_max_pool_backward_rule<1, shape<5, 5, 8>>(94);
}
