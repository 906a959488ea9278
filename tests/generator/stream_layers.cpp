// Stream mode of the generated C against the header path: each layer of stream_layers.hpp runs a
// long stream of random rows through Bound::step() and through the generated stream_layer_<k>(),
// each from a zero state; outputs and states must agree bit for bit after every call, including
// after the state was saved and restored mid-stream.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstring>
#include <utility>
#include <vector>

#include <ctnn/random.hpp>

#include "stream_layers.h"
#include "stream_layers.hpp"

namespace {

using c_step = void (*)(const float*, const float*, float*, float*);

template <std::size_t K>
constexpr c_step c_function() {
    constexpr c_step functions[] = {&stream_layer_0, &stream_layer_1, &stream_layer_2, &stream_layer_3};
    static_assert(sizeof functions / sizeof functions[0] == stream_layers::count, "one C function per layer");
    return functions[K];
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

template <std::size_t K>
void check_layer() {
    using bound = stream_layers::layer<K>;
    constexpr std::size_t calls = 40;
    ctnn::random_generator rng(100 + K);
    std::vector<float> params(bound::param_count);
    for (float& v : params) v = rng.uniform(-1.0f, 1.0f);
    // The state holds at least one value, so that data() is a valid pointer for either side.
    std::vector<float> header_state(bound::state_size + 1, 0.0f), c_state = header_state, saved;
    std::vector<float> x(bound::input_shape::size), header_y(bound::output_shape::size), c_y(header_y.size());
    std::vector<std::vector<float>> header_outputs;
    bool all_same = true;
    for (std::size_t call = 0; call < calls; ++call) {
        for (float& v : x) v = rng.uniform(-2.0f, 2.0f);
        bound::step(params.data(), x.data(), header_y.data(), header_state.data());
        c_function<K>()(params.data(), x.data(), c_y.data(), c_state.data());
        all_same = all_same && same_bits(header_y, c_y) && same_bits(header_state, c_state);
        if (call == calls / 2) saved = c_state;
    }
    CHECK_MESSAGE(all_same, "layer ", K, ": generated stream step differs from Bound::step");

    // Restore the saved state in C and replay the second half of the stream against the header.
    ctnn::random_generator replay(100 + K);
    for (float& v : params) v = replay.uniform(-1.0f, 1.0f);
    std::vector<float> header_again(bound::state_size + 1, 0.0f);
    bool replay_same = true;
    for (std::size_t call = 0; call < calls; ++call) {
        for (float& v : x) v = replay.uniform(-2.0f, 2.0f);
        bound::step(params.data(), x.data(), header_y.data(), header_again.data());
        if (call == calls / 2) c_state = saved;
        if (call > calls / 2) {
            c_function<K>()(params.data(), x.data(), c_y.data(), c_state.data());
            replay_same = replay_same && same_bits(header_y, c_y) && same_bits(header_again, c_state);
        }
    }
    CHECK_MESSAGE(replay_same, "layer ", K, ": the generated step resumed from a saved state differs");
}

}  // namespace

TEST_CASE("generated stream steps give Bound::step()'s bits, also resumed from a saved state") {
    [&]<std::size_t... K>(std::index_sequence<K...>) {
        (check_layer<K>(), ...);
    }(std::make_index_sequence<stream_layers::count>{});
}
