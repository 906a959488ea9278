// This core's peak FP32 FMA rate: independent chains of vector FMAs, enough of them to cover the
// FMA latency on both pipes, on registers only. Compiled with -march=native (see CMakeLists.txt).
#include <immintrin.h>

#include <benchmark/benchmark.h>

namespace bench {

#if defined(__AVX512F__)
using vec = __m512;
constexpr int lanes = 16;
inline vec splat(float v) { return _mm512_set1_ps(v); }
inline vec fma(vec a, vec b, vec c) { return _mm512_fmadd_ps(a, b, c); }
inline float first(vec v) { return _mm512_cvtss_f32(v); }
#elif defined(__AVX2__) && defined(__FMA__)
using vec = __m256;
constexpr int lanes = 8;
inline vec splat(float v) { return _mm256_set1_ps(v); }
inline vec fma(vec a, vec b, vec c) { return _mm256_fmadd_ps(a, b, c); }
inline float first(vec v) { return _mm256_cvtss_f32(v); }
#else
#error "peak_fma.cpp needs FMA (AVX2+FMA or AVX-512): build the benchmark with -march=native on such a CPU"
#endif

// FLOPs of one call of fma_block: chains x steps x lanes x 2.
constexpr int chains = 12;
constexpr int steps = 1024;
constexpr double flops_per_block = double(chains) * steps * lanes * 2;

[[gnu::noinline]] float fma_block(float seed) {
    vec acc[chains];
    for (int c = 0; c < chains; ++c) acc[c] = splat(seed + float(c));
    const vec a = splat(0.999999f), b = splat(1e-7f);
    for (int s = 0; s < steps; ++s)
        for (int c = 0; c < chains; ++c) acc[c] = fma(acc[c], a, b);
    float sum = 0;
    for (int c = 0; c < chains; ++c) sum += first(acc[c]);
    return sum;
}

void time_peak_fma(benchmark::State& state) {
    float seed = 1;
    for (auto _ : state) {
        seed = fma_block(seed) * 1e-9f;
        benchmark::DoNotOptimize(seed);
    }
    state.counters["flops_per_iteration"] = flops_per_block;
}

}  // namespace bench
