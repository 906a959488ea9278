#include <cmath>
#include <cstring>
#include <vector>

#include <ctnn/layers/conv1d.hpp>
#include <ctnn/random.hpp>

#include "gradient_check.hpp"

using ctnn::padding;
using ctnn::shape;

namespace {

std::vector<float> random_floats(std::size_t count, std::uint64_t seed) {
    ctnn::random_generator rng(seed);
    std::vector<float> values(count);
    for (float& v : values) v = rng.uniform(-1.0f, 1.0f);
    return values;
}

bool same_bits(const float* a, const float* b, std::size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

}  // namespace

TEST_CASE("conv1d: output shapes, figures and streaming facts for each padding, stride and dilation") {
    using valid = ctnn::conv1d<4, 3>::bind<shape<10, 2>, 1>;
    static_assert(std::is_same_v<valid::output_shape, shape<8, 4>>);
    static_assert(valid::param_count == 4 * 3 * 2 + 4);
    static_assert(valid::flops == 2 * 8 * 4 * 3 * 2);
    static_assert(!valid::streamable && valid::state_size == 0 && !valid::time_local);
    // Dilation 3 spreads 3 taps over 7 rows; stride 2.
    static_assert(std::is_same_v<ctnn::conv1d<2, 3, 2, 3>::bind<shape<16, 1>, 1>::output_shape, shape<5, 2>>);
    static_assert(std::is_same_v<ctnn::conv1d<2, 3, 1, 3>::bind<shape<7, 1>, 1>::output_shape, shape<1, 2>>);
    // same and causal: ceil(steps / stride) outputs.
    static_assert(std::is_same_v<ctnn::conv1d<3, 4, 2, 1, padding::same>::bind<shape<9, 2>, 1>::output_shape,
                                 shape<5, 3>>);
    static_assert(ctnn::conv1d<3, 4, 2, 1, padding::same>::bind<shape<9, 2>, 1>::leading == 1);
    using causal = ctnn::conv1d<4, 3, 1, 2, padding::causal>::bind<shape<16, 2>, 1>;
    static_assert(std::is_same_v<causal::output_shape, shape<16, 4>>);
    static_assert(causal::leading == 4 && causal::history_rows == 4);
    static_assert(causal::streamable && causal::state_size == 4 * 2);
    static_assert(std::is_same_v<ctnn::conv1d<2, 3, 3, 1, padding::causal>::bind<shape<10, 2>, 1>::output_shape,
                                 shape<4, 2>>);
    static_assert(!ctnn::conv1d<2, 3, 3, 1, padding::causal>::bind<shape<10, 2>, 1>::streamable);
    // A kernel of one tap keeps no history but still streams.
    static_assert(ctnn::conv1d<2, 1, 1, 1, padding::causal>::bind<shape<1, 3>, 1>::streamable);
    static_assert(ctnn::conv1d<2, 1, 1, 1, padding::causal>::bind<shape<1, 3>, 1>::state_size == 0);
}

TEST_CASE("conv1d: hand-computed outputs") {
    SUBCASE("two channels, layout [filter][tap][channel]") {
        using bound = ctnn::conv1d<1, 2>::bind<shape<3, 2>, 1>;
        const float params[] = {1, 2, 3, 4, 0.5f};  // tap 0: (1, 2), tap 1: (3, 4); bias 0.5
        const float x[] = {1, 10, 2, 20, 3, 30};
        float y[2];
        bound::forward(params, x, y, 1);
        CHECK(y[0] == 1 * 1 + 2 * 10 + 3 * 2 + 4 * 20 + 0.5f);
        CHECK(y[1] == 1 * 2 + 2 * 20 + 3 * 3 + 4 * 30 + 0.5f);
    }
    SUBCASE("dilation 2: taps two rows apart") {
        using bound = ctnn::conv1d<1, 2, 1, 2>::bind<shape<5, 1>, 1>;
        const float params[] = {1, -1, 0.25f};
        const float x[] = {1, 2, 4, 8, 16};
        float y[3];
        bound::forward(params, x, y, 1);
        CHECK(y[0] == 1 - 4 + 0.25f);
        CHECK(y[1] == 2 - 8 + 0.25f);
        CHECK(y[2] == 4 - 16 + 0.25f);
    }
    SUBCASE("causal: output t sees inputs t-1 and t, zeros before the start") {
        using bound = ctnn::conv1d<1, 2, 1, 1, padding::causal>::bind<shape<3, 1>, 1>;
        const float params[] = {2, 3, 0};  // 2 * x[t-1] + 3 * x[t]
        const float x[] = {1, 2, 3};
        float y[3];
        bound::forward(params, x, y, 1);
        CHECK(y[0] == 3);
        CHECK(y[1] == 8);
        CHECK(y[2] == 13);
    }
    SUBCASE("same, stride 2: one zero before, one after (TensorFlow's split)") {
        using bound = ctnn::conv1d<1, 3, 2, 1, padding::same>::bind<shape<5, 1>, 1>;
        const float params[] = {1, 1, 1, 0};
        const float x[] = {1, 2, 3, 4, 5};
        float y[3];
        bound::forward(params, x, y, 1);
        CHECK(y[0] == 0 + 1 + 2);
        CHECK(y[1] == 2 + 3 + 4);
        CHECK(y[2] == 4 + 5 + 0);
    }
    SUBCASE("causal, stride 3: windows end at rows 0, 3, 6") {
        using bound = ctnn::conv1d<1, 3, 3, 1, padding::causal>::bind<shape<7, 1>, 1>;
        const float params[] = {1, 10, 100, 0};
        const float x[] = {1, 2, 3, 4, 5, 6, 7};
        float y[3];
        bound::forward(params, x, y, 1);
        CHECK(y[0] == 100 * 1);
        CHECK(y[1] == 1 * 2 + 10 * 3 + 100 * 4);
        CHECK(y[2] == 1 * 5 + 10 * 6 + 100 * 7);
    }
}

TEST_CASE("conv1d: a batch gives the bits of one call per sample") {
    using bound = ctnn::conv1d<3, 3, 2, 2, padding::same>::bind<shape<9, 2>, 1>;
    const auto params = random_floats(bound::param_count, 1);
    const auto x = random_floats(3 * bound::input_shape::size, 2);
    std::vector<float> batched(3 * bound::output_shape::size), single(batched.size());
    bound::forward(params.data(), x.data(), batched.data(), 3);
    for (std::size_t s = 0; s < 3; ++s)
        bound::forward(params.data(), x.data() + s * bound::input_shape::size,
                       single.data() + s * bound::output_shape::size, 1);
    CHECK(same_bits(batched.data(), single.data(), batched.size()));
}

TEST_CASE("conv1d: gradients match central finite differences") {
    double worst = 0;
    worst = std::fmax(worst, ctnn_test::check_layer_gradients<ctnn::conv1d<3, 3>::bind<shape<7, 2>, 1>>(2, 41));
    worst = std::fmax(worst, ctnn_test::check_layer_gradients<ctnn::conv1d<2, 3, 1, 3>::bind<shape<9, 2>, 1>>(1, 42));
    worst = std::fmax(worst, ctnn_test::check_layer_gradients<ctnn::conv1d<2, 2, 3>::bind<shape<10, 3>, 1>>(2, 43));
    worst = std::fmax(worst, ctnn_test::check_layer_gradients<
                                 ctnn::conv1d<3, 4, 2, 1, padding::same>::bind<shape<9, 2>, 1>>(2, 44));
    worst = std::fmax(worst, ctnn_test::check_layer_gradients<
                                 ctnn::conv1d<2, 3, 1, 2, padding::same>::bind<shape<6, 1>, 1>>(1, 45));
    worst = std::fmax(worst, ctnn_test::check_layer_gradients<
                                 ctnn::conv1d<4, 3, 1, 2, padding::causal>::bind<shape<8, 2>, 1>>(2, 46));
    worst = std::fmax(worst, ctnn_test::check_layer_gradients<
                                 ctnn::conv1d<2, 3, 2, 1, padding::causal>::bind<shape<7, 3>, 1>>(1, 47));
    worst = std::fmax(worst, ctnn_test::check_layer_gradients<ctnn::conv1d<1, 1>::bind<shape<3, 1>, 1>>(1, 48));
    MESSAGE("largest relative error against finite differences: ", worst);
}

TEST_CASE("conv1d: parameter gradients accumulate and a null dx is skipped") {
    using bound = ctnn::conv1d<1, 1>::bind<shape<1, 1>, 1>;
    const double params[] = {2.0, 0.0};
    const double x[] = {3.0};
    const double dy[] = {1.0};
    double y[1];
    double dparams[] = {10.0, 20.0};
    bound::forward(params, x, y, 1);
    bound::backward(params, x, y, dy, static_cast<double*>(nullptr), dparams, 1);
    CHECK(dparams[0] == 13.0);
    CHECK(dparams[1] == 21.0);
}

// ---- streaming: step() against forward() over the whole sequence, bit for bit ----

namespace {

// Feeds a sequence of Steps rows to step() in pieces of Piece rows (the layer bound to (Piece, C)),
// from a zero state, and returns the outputs one after another.
template <class Layer, std::size_t Steps, std::size_t Channels, std::size_t Piece>
std::vector<float> stream_in_pieces(const std::vector<float>& params, const std::vector<float>& x) {
    static_assert(Steps % Piece == 0);
    using piece = typename Layer::template bind<shape<Piece, Channels>, 1>;
    std::vector<float> state(piece::state_size, 0.0f), y(Steps * piece::output_shape::dims[1]);
    for (std::size_t t = 0; t < Steps; t += Piece)
        piece::step(params.data(), x.data() + t * Channels, y.data() + t * piece::output_shape::dims[1], state.data());
    return y;
}

template <class Layer, std::size_t Steps, std::size_t Channels>
void check_stream_matches_forward(std::uint64_t seed) {
    using whole = typename Layer::template bind<shape<Steps, Channels>, 1>;
    const auto params = random_floats(whole::param_count, seed);
    const auto x = random_floats(whole::input_shape::size, seed + 1);
    std::vector<float> expected(whole::output_shape::size);
    whole::forward(params.data(), x.data(), expected.data(), 1);
    const std::size_t n = expected.size();
    CHECK(same_bits(stream_in_pieces<Layer, Steps, Channels, Steps>(params, x).data(), expected.data(), n));
    CHECK(same_bits(stream_in_pieces<Layer, Steps, Channels, 1>(params, x).data(), expected.data(), n));
    CHECK(same_bits(stream_in_pieces<Layer, Steps, Channels, 2>(params, x).data(), expected.data(), n));
    CHECK(same_bits(stream_in_pieces<Layer, Steps, Channels, 6>(params, x).data(), expected.data(), n));
}

}  // namespace

TEST_CASE("conv1d: step() over a sequence, whole or in pieces, gives forward()'s bits") {
    // History of 4 rows: pieces of 1 and 2 rows shift it, pieces of 6 and 12 replace it.
    check_stream_matches_forward<ctnn::conv1d<4, 3, 1, 2, padding::causal>, 12, 2>(51);
    check_stream_matches_forward<ctnn::conv1d<3, 5, 1, 1, padding::causal>, 12, 3>(52);
    check_stream_matches_forward<ctnn::conv1d<2, 2, 1, 6, padding::causal>, 12, 1>(53);
    check_stream_matches_forward<ctnn::conv1d<2, 1, 1, 1, padding::causal>, 12, 2>(54);  // no history
}

TEST_CASE("conv1d: a stream's state copied mid-stream resumes it exactly (save and restore)") {
    using layer = ctnn::conv1d<3, 3, 1, 2, padding::causal>;
    using row = layer::bind<shape<1, 2>, 1>;
    using whole = layer::bind<shape<20, 2>, 1>;
    const auto params = random_floats(row::param_count, 61);
    const auto x = random_floats(40, 62);
    std::vector<float> expected(whole::output_shape::size);
    whole::forward(params.data(), x.data(), expected.data(), 1);

    float state[row::state_size] = {};
    float y[3 * 20];
    for (std::size_t t = 0; t < 8; ++t) row::step(params.data(), x.data() + 2 * t, y + 3 * t, state);
    float saved[row::state_size];
    std::memcpy(saved, state, sizeof state);
    for (std::size_t t = 8; t < 20; ++t) row::step(params.data(), x.data() + 2 * t, y + 3 * t, state);
    CHECK(same_bits(y, expected.data(), 60));

    // Restored into a fresh state (another stream object), the rest of the stream comes again.
    float restored[row::state_size];
    std::memcpy(restored, saved, sizeof saved);
    float again[3 * 20] = {};
    for (std::size_t t = 8; t < 20; ++t) row::step(params.data(), x.data() + 2 * t, again + 3 * t, restored);
    CHECK(same_bits(again + 24, expected.data() + 24, 36));
    CHECK(same_bits(restored, state, row::state_size));
}

TEST_CASE("conv1d: causal padding is multiplied like history, so a -0 bias gives step()'s bits too") {
    // Skipping the padded taps would leave y = -0 for a zero input; a zero history gives +0.
    using layer = ctnn::conv1d<1, 3, 1, 1, padding::causal>;
    using whole = layer::bind<shape<3, 1>, 1>;
    using row = layer::bind<shape<1, 1>, 1>;
    const float params[] = {0.5f, 0.5f, 0.5f, -0.0f};
    const float x[] = {0, 0, 0};
    float expected[3], streamed[3];
    whole::forward(params, x, expected, 1);
    float state[row::state_size] = {};
    for (std::size_t t = 0; t < 3; ++t) row::step(params, x + t, streamed + t, state);
    CHECK(same_bits(expected, streamed, 3));
}

TEST_CASE("conv1d: a NaN in the stream spoils only the outputs that read it, then leaves the history") {
    using layer = ctnn::conv1d<1, 3, 1, 2, padding::causal>;  // taps at t - 4, t - 2, t
    using row = layer::bind<shape<1, 1>, 1>;
    const float params[] = {0.5f, -0.25f, 1.0f, 0.125f};
    float state[row::state_size] = {};
    for (std::size_t t = 0; t < 12; ++t) {
        const float x = t == 3 ? std::nanf("") : float(t);
        float y;
        row::step(params, &x, &y, state);
        CHECK(std::isnan(y) == (t == 3 || t == 5 || t == 7));
    }
}
