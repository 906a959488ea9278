// Music-like test signals at 16 kHz, reproducible from a seed: a run of "notes", each a chord of
// one to three sines or a white-noise burst, with a level from quiet (the effect is almost
// linear) to loud (it clips hard), a short attack and an exponential decay.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <vector>

#include <ctnn/random.hpp>

#include "effect.h"

inline std::vector<float> make_test_signal(std::size_t samples, std::uint64_t seed) {
    ctnn::random_generator rng(seed);
    const auto log_uniform = [&rng](double low, double high) {
        return low * std::pow(high / low, rng.uniform01<double>());
    };
    constexpr double rate = FX_SAMPLE_RATE;
    std::vector<float> signal;
    signal.reserve(samples);
    while (signal.size() < samples) {
        const std::size_t length = std::size_t(rate * rng.uniform(0.05, 0.3));
        const double level = log_uniform(0.05, 1.0);
        const double decay_per_sample = 1.0 / (rate * rng.uniform(0.05, 0.5));
        const std::size_t attack = std::size_t(rate * 0.005);
        const bool noise = rng.below(4) == 0;
        const std::size_t partials = 1 + std::size_t(rng.below(3));
        double frequencies[3], phases[3], amplitudes[3], amplitude_sum = 0;
        for (std::size_t k = 0; k < partials; ++k) {
            frequencies[k] = log_uniform(50.0, 3000.0);
            phases[k] = rng.uniform(0.0, 2 * std::numbers::pi);
            amplitudes[k] = rng.uniform(0.2, 1.0);
            amplitude_sum += amplitudes[k];
        }
        for (std::size_t n = 0; n < length && signal.size() < samples; ++n) {
            const double envelope =
                level * std::min(1.0, double(n + 1) / double(attack)) * std::exp(-double(n) * decay_per_sample);
            double value = 0;
            if (noise) {
                value = rng.uniform(-1.0, 1.0);
            } else {
                for (std::size_t k = 0; k < partials; ++k)
                    value += amplitudes[k] / amplitude_sum *
                             std::sin(2 * std::numbers::pi * frequencies[k] * double(n) / rate + phases[k]);
            }
            signal.push_back(float(envelope * value));
        }
    }
    return signal;
}
