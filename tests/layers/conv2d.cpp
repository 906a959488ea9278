#include <ctnn/layers/conv2d.hpp>
#include <ctnn/layers/depthwise_conv2d.hpp>
#include <ctnn/layers/max_pool2d.hpp>
#include <ctnn/layers/relu.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "gradient_check.hpp"

using ctnn::padding;
using ctnn::shape;

TEST_CASE("conv2d: output shapes for valid and same padding, with strides") {
    static_assert(std::is_same_v<ctnn::conv2d<8, 3, 3>::bind<shape<28, 28, 1>, 1>::output_shape, shape<26, 26, 8>>);
    static_assert(std::is_same_v<ctnn::conv2d<8, 3, 3, 1, padding::same>::bind<shape<28, 28, 1>, 1>::output_shape,
                                 shape<28, 28, 8>>);
    static_assert(std::is_same_v<ctnn::conv2d<4, 3, 3, 2>::bind<shape<7, 9, 2>, 1>::output_shape, shape<3, 4, 4>>);
    static_assert(std::is_same_v<ctnn::conv2d<4, 3, 3, 2, padding::same>::bind<shape<7, 8, 2>, 1>::output_shape,
                                 shape<4, 4, 4>>);
    static_assert(ctnn::conv2d<8, 3, 3>::bind<shape<28, 28, 1>, 1>::param_count == 8 * 9 + 8);
    static_assert(ctnn::conv2d<8, 3, 3>::bind<shape<28, 28, 1>, 1>::flops == 2 * 26 * 26 * 8 * 9);
}

TEST_CASE("conv2d: a hand-computed 2x2 kernel on a 3x3 image") {
    using bound = ctnn::conv2d<1, 2, 2>::bind<shape<3, 3, 1>, 1>;
    const float params[] = {1, 0, 0, -1, 0.5f};  // kernel [[1, 0], [0, -1]], bias 0.5
    const float x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    float y[4];
    bound::forward(params, x, y, 1);
    CHECK(y[0] == 1 - 5 + 0.5f);
    CHECK(y[1] == 2 - 6 + 0.5f);
    CHECK(y[2] == 4 - 8 + 0.5f);
    CHECK(y[3] == 5 - 9 + 0.5f);
}

TEST_CASE("conv2d: same padding pads with zeros, TensorFlow-style split") {
    using bound = ctnn::conv2d<1, 3, 3, 1, padding::same>::bind<shape<2, 2, 1>, 1>;
    float params[10] = {};
    for (int i = 0; i < 9; ++i) params[i] = 1;  // sums the 3x3 neighbourhood
    const float x[] = {1, 2, 3, 4};
    float y[4];
    bound::forward(params, x, y, 1);
    for (float v : y) CHECK(v == 10);
}

TEST_CASE("conv2d: gradients match central finite differences") {
    ctnn_test::check_layer_gradients<ctnn::conv2d<3, 3, 3>::bind<shape<5, 6, 2>, 1>>(2, 31);
    ctnn_test::check_layer_gradients<ctnn::conv2d<2, 3, 2, 2, padding::same>::bind<shape<5, 5, 3>, 1>>(1, 32);
    ctnn_test::check_layer_gradients<ctnn::conv2d<4, 1, 1>::bind<shape<3, 3, 2>, 1>>(1, 33);
}

// A batch runs other loops than one sample does (blocks of pixels; with AVX-512, 16 samples in
// vector lanes for layers with fewer than 16 output or input channels), which must add the same
// terms in the same order: a batch of 37 (two groups of 16 and five alone) gives every sample's
// bits, for the output, dL/dx and the parameter gradients added up sample after sample.
template <class Bound>
void check_batch_matches_samples(unsigned seed) {
    constexpr std::size_t batch = 37, in = Bound::input_shape::size, out = Bound::output_shape::size;
    std::vector<float> params(Bound::param_count), x(batch * in), dy(batch * out);
    ctnn::random_generator rng(seed);
    for (float& v : params) v = rng.uniform<float>(-1.0f, 1.0f);
    for (float& v : x) v = rng.uniform<float>(-1.0f, 1.0f);
    for (float& v : dy) v = rng.uniform<float>(-1.0f, 1.0f);
    params[Bound::param_count - 1] = -0.0f;  // a bias of -0 stays -0 where every term is -0
    for (std::size_t i = 0; i < in; ++i) x[3 * in + i] = 0.0f;
    std::vector<float> y(batch * out), dx(batch * in), grads(Bound::param_count, 0.0f);
    std::vector<float> y1(batch * out), dx1(batch * in), grads1(Bound::param_count, 0.0f);
    Bound::forward(params.data(), x.data(), y.data(), batch);
    Bound::backward(params.data(), x.data(), y.data(), dy.data(), dx.data(), grads.data(), batch);
    for (std::size_t s = 0; s < batch; ++s) {
        Bound::forward(params.data(), x.data() + s * in, y1.data() + s * out, 1);
        Bound::backward(params.data(), x.data() + s * in, y1.data() + s * out, dy.data() + s * out,
                        dx1.data() + s * in, grads1.data(), 1);
    }
    CHECK(std::memcmp(y.data(), y1.data(), y.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(dx.data(), dx1.data(), dx.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(grads.data(), grads1.data(), grads.size() * sizeof(float)) == 0);
}

TEST_CASE("conv2d: a batch gives the bits of its samples one at a time") {
    check_batch_matches_samples<ctnn::conv2d<8, 3, 3, 1, padding::same>::bind<shape<28, 28, 1>, 1>>(41);
    check_batch_matches_samples<ctnn::conv2d<16, 3, 3, 1, padding::same>::bind<shape<14, 14, 8>, 1>>(42);
    check_batch_matches_samples<ctnn::conv2d<5, 3, 2>::bind<shape<9, 7, 4>, 1>>(43);
    check_batch_matches_samples<ctnn::conv2d<12, 5, 5, 1, padding::same>::bind<shape<11, 13, 6>, 1>>(44);
    check_batch_matches_samples<ctnn::conv2d<3, 2, 4, 1, padding::same>::bind<shape<6, 9, 5>, 1>>(45);
    check_batch_matches_samples<ctnn::conv2d<4, 3, 3, 2, padding::same>::bind<shape<7, 8, 2>, 1>>(46);
    check_batch_matches_samples<ctnn::conv2d<8, 3, 5, 1, padding::same>::bind<shape<9, 7, 1>, 1>>(47);
}

// The loops of one sample written the plain way, with the documented order of every sum and its
// multiply-adds as multiply_add (one rounding each where the target has FMA): the bias, then taps
// in row-major order skipping the padding (forward); samples, then output pixels in order (kernel
// and bias gradients, added to what dparams holds). A layer with gradients_per_sample sums each
// sample's gradients from zero and adds them to dparams after the sample.
template <class Bound>
void plain_forward_and_kernel_gradients(const float* params, const float* x, const float* dy, float* y,
                                        float* dparams, std::size_t batch) {
    constexpr std::size_t filters = Bound::output_shape::dims[2], kernel = Bound::kernel_size;
    constexpr std::size_t oh_count = Bound::out_height, ow_count = Bound::out_width;
    std::vector<float> sample_sums(Bound::param_count);
    float* sums = Bound::gradients_per_sample ? sample_sums.data() : dparams;
    for (std::size_t s = 0; s < batch; ++s) {
        std::fill(sample_sums.begin(), sample_sums.end(), 0.0f);
        for (std::size_t oh = 0; oh < oh_count; ++oh)
            for (std::size_t ow = 0; ow < ow_count; ++ow)
                for (std::size_t f = 0; f < filters; ++f) {
                    const std::size_t o = ((s * oh_count + oh) * ow_count + ow) * filters + f;
                    float sum = params[filters * kernel + f];
                    sums[filters * kernel + f] += dy[o];
                    Bound::window::for_each_tap(oh, ow, [&](std::size_t tap, std::size_t xo) {
                        for (std::size_t c = 0; c < Bound::channels; ++c) {
                            const float xv = x[s * Bound::input_shape::size + xo + c];
                            float& dw = sums[f * kernel + tap * Bound::channels + c];
                            sum = ctnn::detail::multiply_add(params[f * kernel + tap * Bound::channels + c], xv, sum);
                            dw = ctnn::detail::multiply_add(dy[o], xv, dw);
                        }
                    });
                    y[o] = sum;
                }
        if constexpr (Bound::gradients_per_sample)
            for (std::size_t i = 0; i < Bound::param_count; ++i) dparams[i] += sample_sums[i];
    }
}

// Compares a layer's forward pass and parameter gradients with the plain loops, bit for bit: on a
// batch with exact zeros and signed zeros in it; and on positive inputs with an infinite kernel
// weight and infinite dL/dy at the first pixel, where a tap in the padding added as a zero instead
// of skipped would turn an infinity into NaN.
template <class Bound>
void check_matches_plain_loops(std::size_t batch, unsigned seed, bool infinities) {
    constexpr std::size_t in = Bound::input_shape::size, out = Bound::output_shape::size;
    std::vector<float> params(Bound::param_count), x(batch * in), dy(batch * out);
    ctnn::random_generator rng(seed);
    for (float& v : params) v = rng.uniform<float>(-1.0f, 1.0f);
    for (float& v : x) v = infinities ? rng.uniform<float>(0.5f, 1.0f) : rng.uniform<float>(-1.0f, 1.0f);
    for (float& v : dy) v = rng.uniform<float>(-1.0f, 1.0f);
    if (infinities) {
        params[0] = std::numeric_limits<float>::infinity();
        for (std::size_t f = 0; f < Bound::output_shape::dims[2]; ++f) dy[f] = std::numeric_limits<float>::infinity();
    } else {
        for (std::size_t i = 0; i < x.size(); i += 7) x[i] = (i / 7) % 2 ? 0.0f : -0.0f;
    }
    params[Bound::param_count - 1] = -0.0f;
    std::vector<float> y(batch * out), y_plain(batch * out), dx(batch * in);
    std::vector<float> grads(Bound::param_count, 0.25f), grads_plain(Bound::param_count, 0.25f);
    Bound::forward(params.data(), x.data(), y.data(), batch);
    Bound::backward(params.data(), x.data(), y.data(), dy.data(), static_cast<float*>(nullptr), grads.data(), batch);
    plain_forward_and_kernel_gradients<Bound>(params.data(), x.data(), dy.data(), y_plain.data(), grads_plain.data(),
                                              batch);
    CHECK(std::memcmp(y.data(), y_plain.data(), y.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(grads.data(), grads_plain.data(), grads.size() * sizeof(float)) == 0);
}

template <class Bound>
void check_matches_plain_loops(std::size_t batch, unsigned seed) {
    for (const bool infinities : {false, true}) {
        CAPTURE(infinities);
        check_matches_plain_loops<Bound>(batch, seed, infinities);
    }
}

// One input channel and eight filters take their own kernels with AVX-512 (two pixels or two
// taps per vector, conv2d_one_channel.hpp): same and valid padding, odd and even widths, a kernel
// row of odd and of even length, the narrowest output.
TEST_CASE("conv2d: one-channel layers with eight filters give the bits of the plain loops") {
    check_matches_plain_loops<ctnn::conv2d<8, 3, 3, 1, padding::same>::bind<shape<28, 28, 1>, 1>>(3, 51);
    check_matches_plain_loops<ctnn::conv2d<8, 3, 5, 1, padding::same>::bind<shape<9, 7, 1>, 1>>(2, 52);
    check_matches_plain_loops<ctnn::conv2d<8, 2, 4, 1, padding::same>::bind<shape<5, 10, 1>, 1>>(2, 53);
    check_matches_plain_loops<ctnn::conv2d<8, 3, 3>::bind<shape<6, 9, 1>, 1>>(2, 54);
    check_matches_plain_loops<ctnn::conv2d<8, 2, 3>::bind<shape<4, 4, 1>, 1>>(3, 55);
    check_matches_plain_loops<ctnn::conv2d<8, 1, 1>::bind<shape<3, 2, 1>, 1>>(2, 56);
    // 200 kernel gradients: one running sum each over the batch, not per sample.
    static_assert(!ctnn::conv2d<8, 5, 5, 1, padding::same>::bind<shape<9, 11, 1>, 1>::gradients_per_sample);
    check_matches_plain_loops<ctnn::conv2d<8, 5, 5, 1, padding::same>::bind<shape<9, 11, 1>, 1>>(3, 59);
    // Other layers, through conv2d's other loops.
    check_matches_plain_loops<ctnn::conv2d<16, 3, 3, 1, padding::same>::bind<shape<14, 14, 8>, 1>>(2, 57);
    check_matches_plain_loops<ctnn::conv2d<8, 3, 3, 2, padding::same>::bind<shape<9, 8, 1>, 1>>(2, 58);
    // Forward blocks of pixels: rows of two blocks that overlap (21 wide), and of three with one
    // between the edges (40 wide), for the blocks of 16 and of 8.
    check_matches_plain_loops<ctnn::conv2d<16, 3, 3, 1, padding::same>::bind<shape<4, 21, 4>, 1>>(2, 61);
    check_matches_plain_loops<ctnn::conv2d<16, 3, 3, 1, padding::same>::bind<shape<3, 40, 4>, 1>>(2, 62);
    check_matches_plain_loops<ctnn::conv2d<32, 3, 3>::bind<shape<4, 21, 4>, 1>>(2, 63);
}

TEST_CASE("conv2d: one-channel gradients match central finite differences") {
    ctnn_test::check_layer_gradients<ctnn::conv2d<8, 3, 3, 1, padding::same>::bind<shape<5, 6, 1>, 1>>(2, 59);
    ctnn_test::check_layer_gradients<ctnn::conv2d<8, 2, 3>::bind<shape<4, 5, 1>, 1>>(1, 60);
}

// A layer with its relu and a max-pool folded in (ctnn/fused_pool.hpp) against the three layers'
// own passes, bit for bit: the pool's output; the parameter gradients, with and without dL/dx (a
// one-channel layer without makes dL/dy from the pool's choices as its sums go); dL/dx. With zero
// kernels every window holds equal values (ties: the first tap is chosen).
template <class Conv, std::size_t PoolSize = 2>
void check_folded_pool(std::size_t batch, unsigned seed, bool zero_kernels, bool infinite_input = false) {
    using pool = typename ctnn::max_pool2d<PoolSize>::template bind<typename Conv::output_shape, 3>;
    constexpr std::size_t in = Conv::input_shape::size, out = Conv::output_shape::size, pooled = pool::output_shape::size;
    constexpr std::size_t filters = Conv::output_shape::dims[2];
    std::vector<float> params(Conv::param_count), x(batch * in), dpooled(batch * pooled);
    ctnn::random_generator rng(seed);
    for (float& v : params) v = zero_kernels ? 0.0f : rng.uniform<float>(-1.0f, 1.0f);
    if (zero_kernels)
        for (std::size_t f = 0; f < filters; ++f) params[Conv::param_count - filters + f] = f % 2 ? 0.5f : -0.5f;
    for (float& v : x) v = rng.uniform<float>(-1.0f, 1.0f);
    for (float& v : dpooled) v = rng.uniform<float>(-1.0f, 1.0f);
    dpooled[1] = -0.0f;
    if (infinite_input) x[in + 5] = std::numeric_limits<float>::infinity();

    std::vector<float> activated(batch * out), y(batch * pooled), dy(batch * out), dx(batch * in);
    std::vector<float> grads(Conv::param_count, 0.25f), grads_with_dx(Conv::param_count, 0.25f);
    Conv::template forward_activated<ctnn::relu>(params.data(), x.data(), activated.data(), batch);
    pool::forward(static_cast<const float*>(nullptr), activated.data(), y.data(), batch);
    pool::template backward_activated<ctnn::relu>(static_cast<const float*>(nullptr), activated.data(), y.data(),
                                                  dpooled.data(), dy.data(), static_cast<float*>(nullptr), batch);
    Conv::backward(params.data(), x.data(), activated.data(), dy.data(), static_cast<float*>(nullptr), grads.data(), batch);
    Conv::backward(params.data(), x.data(), activated.data(), dy.data(), dx.data(), grads_with_dx.data(), batch);

    if constexpr (requires(float* p) { Conv::template forward_pooled<ctnn::relu, pool>(p, p, p, p, 1); }) {
        std::vector<float> y_folded(batch * pooled), choices(batch * pooled), dy_folded(batch * out),
            dx_folded(batch * in);
        std::vector<float> grads_folded(Conv::param_count, 0.25f), grads_with_dx_folded(Conv::param_count, 0.25f);
        Conv::template forward_pooled<ctnn::relu, pool>(params.data(), x.data(), y_folded.data(), choices.data(), batch);
        CHECK(std::memcmp(y.data(), y_folded.data(), y.size() * sizeof(float)) == 0);
        Conv::template backward_pooled<ctnn::relu, pool>(params.data(), x.data(), choices.data(), y_folded.data(),
                                                          dpooled.data(), dy_folded.data(), static_cast<float*>(nullptr),
                                                          grads_folded.data(), batch);
        CHECK(std::memcmp(grads.data(), grads_folded.data(), grads.size() * sizeof(float)) == 0);
        Conv::template backward_pooled<ctnn::relu, pool>(params.data(), x.data(), choices.data(), y_folded.data(),
                                                          dpooled.data(), dy_folded.data(), dx_folded.data(),
                                                          grads_with_dx_folded.data(), batch);
        CHECK(std::memcmp(dx.data(), dx_folded.data(), dx.size() * sizeof(float)) == 0);
        CHECK(std::memcmp(grads_with_dx.data(), grads_with_dx_folded.data(), grads.size() * sizeof(float)) == 0);
    } else {
#if defined(CTNN_SAMPLE_LANES)
        FAIL("these layers fold the pool with AVX-512");
#endif
        MESSAGE("this target has no folded pool: only the separate passes ran");
    }
}

TEST_CASE("conv2d: a relu and a max-pool folded into the layer give the separate passes' bits") {
    for (const bool zero_kernels : {false, true}) {
        CAPTURE(zero_kernels);
        // M3's first layer; a batch with a sample left over from the pairs; batches with groups of
        // sixteen samples in lanes and samples left over (conv2d_one_channel.hpp).
        check_folded_pool<ctnn::conv2d<8, 3, 3, 1, padding::same>::bind<shape<28, 28, 1>, 1>>(3, 61, zero_kernels);
        check_folded_pool<ctnn::conv2d<8, 3, 3, 1, padding::same>::bind<shape<28, 28, 1>, 1>>(35, 66, zero_kernels);
        check_folded_pool<ctnn::conv2d<8, 3, 3, 1, padding::same>::bind<shape<6, 10, 1>, 1>>(16, 67, zero_kernels);
        check_folded_pool<ctnn::conv2d<8, 2, 4, 1, padding::same>::bind<shape<6, 8, 1>, 1>>(17, 68, zero_kernels);
        check_folded_pool<ctnn::conv2d<8, 3, 3>::bind<shape<8, 10, 1>, 1>>(18, 69, zero_kernels);
        // An infinite input: its group of sixteen takes the tap pairs (0 * inf is NaN, which the
        // lanes' masked sums would not add).
        check_folded_pool<ctnn::conv2d<8, 3, 3, 1, padding::same>::bind<shape<6, 10, 1>, 1>>(32, 70, zero_kernels, true);
        // Valid padding, an odd number of windows per row.
        check_folded_pool<ctnn::conv2d<8, 3, 3>::bind<shape<6, 8, 1>, 1>>(2, 62, zero_kernels);
        // 200 kernel gradients: one running sum each over the batch.
        static_assert(!ctnn::conv2d<8, 5, 5, 1, padding::same>::bind<shape<6, 10, 1>, 1>::gradients_per_sample);
        check_folded_pool<ctnn::conv2d<8, 5, 5, 1, padding::same>::bind<shape<6, 10, 1>, 1>>(2, 63, zero_kernels);
        // Sixteen filters in blocks of pixels: M3's second layer, and 3x3 windows over 32 filters.
        check_folded_pool<ctnn::conv2d<16, 3, 3, 1, padding::same>::bind<shape<14, 14, 8>, 1>>(3, 64, zero_kernels);
        check_folded_pool<ctnn::conv2d<32, 3, 3, 1, padding::same>::bind<shape<6, 9, 4>, 1>, 3>(2, 65, zero_kernels);
    }
}

TEST_CASE("depthwise_conv2d: shapes and gradients") {
    static_assert(std::is_same_v<ctnn::depthwise_conv2d<3, 3>::bind<shape<6, 6, 4>, 1>::output_shape, shape<4, 4, 4>>);
    static_assert(ctnn::depthwise_conv2d<3, 3>::bind<shape<6, 6, 4>, 1>::param_count == 9 * 4 + 4);
    ctnn_test::check_layer_gradients<ctnn::depthwise_conv2d<3, 3>::bind<shape<5, 5, 3>, 1>>(2, 34);
    ctnn_test::check_layer_gradients<ctnn::depthwise_conv2d<3, 3, 2, padding::same>::bind<shape<5, 6, 2>, 1>>(1, 35);
}

TEST_CASE("depthwise_conv2d: each channel sees only its own kernel") {
    using bound = ctnn::depthwise_conv2d<1, 1>::bind<shape<1, 2, 2>, 1>;
    const float params[] = {2, 3, 0, 1};  // kernels 2 (channel 0), 3 (channel 1); biases 0, 1
    const float x[] = {1, 10, 2, 20};
    float y[4];
    bound::forward(params, x, y, 1);
    CHECK(y[0] == 2);
    CHECK(y[1] == 31);
    CHECK(y[2] == 4);
    CHECK(y[3] == 61);
}
