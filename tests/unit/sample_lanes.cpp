// ctnn/sample_lanes.hpp: sixteen samples into lanes and back, the transposes every lane path of the
// convolutions relies on for its bits.
#include <doctest/doctest.h>

#include <array>
#include <cstddef>

#include <ctnn/sample_lanes.hpp>

#if defined(CTNN_SAMPLE_LANES)
namespace {

// N values per sample, samples Stride apart (the gap holds values that must stay untouched).
template <std::size_t N, std::size_t Stride>
void check_round_trip() {
    constexpr std::size_t count = ctnn::detail::lanes::count;
    std::array<float, count * Stride> samples{}, back{};
    for (std::size_t k = 0; k < samples.size(); ++k) samples[k] = float(k) + 0.5f;
    for (std::size_t k = 0; k < back.size(); ++k) back[k] = -float(k);
    alignas(64) std::array<float, N * count> lanes{};
    ctnn::detail::lanes::to_lanes<N>(samples.data(), Stride, lanes.data());
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t s = 0; s < count; ++s) REQUIRE(lanes[i * count + s] == samples[s * Stride + i]);
    ctnn::detail::lanes::from_lanes<N>(lanes.data(), back.data(), Stride);
    for (std::size_t s = 0; s < count; ++s)
        for (std::size_t i = 0; i < Stride; ++i) {
            const std::size_t k = s * Stride + i;
            REQUIRE(back[k] == (i < N ? samples[k] : -float(k)));
        }
}

}  // namespace

TEST_CASE("sample lanes: to_lanes and from_lanes transpose sixteen samples, whole blocks and a tail") {
    check_round_trip<16, 16>();
    check_round_trip<16, 21>();
    check_round_trip<28, 28>();    // M3's first layer's rows: a block and a tail of 12
    check_round_trip<28, 31>();
    check_round_trip<20, 20>();    // a tail of 4: its block overlaps the first by 12
    check_round_trip<112, 115>();  // seven blocks (M3's pooled rows)
    check_round_trip<5, 9>();      // a tail alone
}
#else
TEST_CASE("sample lanes: this target has none") { MESSAGE("no AVX-512: no lane paths to test"); }
#endif
