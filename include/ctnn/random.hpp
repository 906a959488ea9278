// ctnn/random.hpp: a small seeded generator that gives the same numbers everywhere.
#pragma once
#include <cstdint>

namespace ctnn {

// SplitMix64 (Steele, Lea, Flood 2014): integer-only, so every compiler and target produces
// the same sequence, unlike std:: distributions whose algorithms are implementation-defined.
class random_generator {
public:
    constexpr explicit random_generator(std::uint64_t seed) : state_(seed) {}

    constexpr std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    // Uniform in [0, 1) with 24 random bits: exact in float and in double, so both agree.
    template <class T>
    constexpr T uniform01() {
        return T(next() >> 40) * T(1.0 / 16777216.0);
    }

    template <class T>
    constexpr T uniform(T low, T high) {
        return low + (high - low) * uniform01<T>();
    }

    // Uniform integer in [0, bound) by multiply-shift; bias is below 2^-32 for bound < 2^32.
    constexpr std::uint64_t below(std::uint64_t bound) {
        return ((next() >> 32) * bound) >> 32;
    }

private:
    std::uint64_t state_;
};

}  // namespace ctnn
