// ctnn/sample_lanes.hpp: sixteen samples side by side, one per lane of a 512-bit vector.
//
// A per-sample computation whose order of operations is fixed (a convolution's sums) vectorises
// over samples without changing a bit: every lane does what the one-sample loop does. Layers whose
// own vector dimension is short (8 channels fill half an AVX-512 register) gain the most.
// Samples are stored one after another, so a group of 16 is turned into lanes and back by 16x16
// transposes. Only where the target has AVX-512 (CTNN_SAMPLE_LANES is then defined): elsewhere
// the vector would be emulated, and no layer takes this path.
#pragma once
#include <cstddef>
#include <utility>

#include <ctnn/target_vector.hpp>

#if defined(__AVX512F__)
#define CTNN_SAMPLE_LANES 1

namespace ctnn::detail::lanes {

// Sixteen samples are one AVX-512 register: target_vector.hpp's vector_float.
inline constexpr std::size_t count = 16;
static_assert(count == vector_floats);
using vec = vector_float;

inline vec load(const float* p) { return load_vector(p); }
inline void store(float* p, vec v) { store_vector(p, v); }
inline vec broadcast(float x) { return broadcast_vector(x); }

// One stage of the transpose: rows a (index bit B clear) and c (the row B below it) swap their
// off-diagonal blocks of B columns. After stages 8, 4, 2 and 1 row j holds column j.
template <std::size_t B, std::size_t... J>
inline vec upper_half(vec a, vec c, std::index_sequence<J...>) {
    return __builtin_shufflevector(a, c, ((J & B) ? count + J - B : J)...);
}
template <std::size_t B, std::size_t... J>
inline vec lower_half(vec a, vec c, std::index_sequence<J...>) {
    return __builtin_shufflevector(a, c, ((J & B) ? count + J : J + B)...);
}
template <std::size_t B>
inline void transpose_stage(vec (&rows)[count]) {
    for (std::size_t i = 0; i < count; ++i)
        if ((i & B) == 0) {
            const vec a = rows[i], c = rows[i + B];
            rows[i] = upper_half<B>(a, c, std::make_index_sequence<count>{});
            rows[i + B] = lower_half<B>(a, c, std::make_index_sequence<count>{});
        }
}
// Stages 4, 2 and 1. The stages commute, so stage 8, which swaps halves of eight, is left to the
// 8-float loads or stores around these (to_lanes_block, from_lanes_block).
inline void transpose_within_halves(vec (&rows)[count]) {
    transpose_stage<4>(rows);
    transpose_stage<2>(rows);
    transpose_stage<1>(rows);
}

// Half a vector: the 8-float loads and stores that make the transpose's first stage.
typedef float half __attribute__((vector_size(32)));
inline half load_half(const float* p) {
    half h;
    __builtin_memcpy(&h, p, sizeof h);
    return h;
}
inline void store_half(float* p, half h) { __builtin_memcpy(p, &h, sizeof h); }
template <std::size_t... J>
inline vec joined(half low, half high, std::index_sequence<J...>) {
    return __builtin_shufflevector(low, high, J...);
}
template <std::size_t Offset, std::size_t... J>
inline half half_of(vec v, std::index_sequence<J...>) {
    return __builtin_shufflevector(v, v, (Offset + J)...);
}

// Values [i, i + 16) of 16 samples into lanes: lanes[(i + j) * 16 + s] = samples[s * stride + i + j].
// Stage 8 is made by the loads: row s (s < 8) is the first eight values of samples s and s + 8, row
// s + 8 their last eight, two 8-float loads each.
inline void to_lanes_block(const float* samples, std::size_t stride, float* lanes, std::size_t i) {
    vec rows[count];
    for (std::size_t s = 0; s < count / 2; ++s) {
        const float* a = samples + s * stride + i;
        const float* c = a + count / 2 * stride;
        rows[s] = joined(load_half(a), load_half(c), std::make_index_sequence<count>{});
        rows[s + count / 2] = joined(load_half(a + count / 2), load_half(c + count / 2), std::make_index_sequence<count>{});
    }
    transpose_within_halves(rows);
    for (std::size_t j = 0; j < count; ++j) store(lanes + (i + j) * count, rows[j]);
}
// The way back for values [i, i + 16); stage 8 by the stores.
inline void from_lanes_block(const float* lanes, float* samples, std::size_t stride, std::size_t i) {
    vec rows[count];
    for (std::size_t j = 0; j < count; ++j) rows[j] = load(lanes + (i + j) * count);
    transpose_within_halves(rows);
    for (std::size_t s = 0; s < count / 2; ++s) {
        float* a = samples + s * stride + i;
        float* c = a + count / 2 * stride;
        store_half(a, half_of<0>(rows[s], std::make_index_sequence<count / 2>{}));
        store_half(a + count / 2, half_of<0>(rows[s + count / 2], std::make_index_sequence<count / 2>{}));
        store_half(c, half_of<count / 2>(rows[s], std::make_index_sequence<count / 2>{}));
        store_half(c + count / 2, half_of<count / 2>(rows[s + count / 2], std::make_index_sequence<count / 2>{}));
    }
}

// lanes[i * 16 + s] = samples[s * stride + i] for i < N: N values of 16 samples into lanes. A
// remainder of a longer row is one more block, overlapping the one before (the same values again):
// value by value, M3's first-layer rows (28 values) spent 192 scalar copies a row on it.
template <std::size_t N>
inline void to_lanes(const float* samples, std::size_t stride, float* lanes) {
    for (std::size_t i = 0; i + count <= N; i += count) to_lanes_block(samples, stride, lanes, i);
    if constexpr (N % count != 0 && N > count)
        to_lanes_block(samples, stride, lanes, N - count);
    else
        for (std::size_t i = N / count * count; i < N; ++i)
            for (std::size_t s = 0; s < count; ++s) lanes[i * count + s] = samples[s * stride + i];
}

// The way back: samples[s * stride + i] = lanes[i * 16 + s] for i < N.
template <std::size_t N>
inline void from_lanes(const float* lanes, float* samples, std::size_t stride) {
    for (std::size_t i = 0; i + count <= N; i += count) from_lanes_block(lanes, samples, stride, i);
    if constexpr (N % count != 0 && N > count)
        from_lanes_block(lanes, samples, stride, N - count);
    else
        for (std::size_t i = N / count * count; i < N; ++i)
            for (std::size_t s = 0; s < count; ++s) samples[s * stride + i] = lanes[i * count + s];
}

// One bit per lane, as AVX-512's mask registers hold it.
using mask = unsigned short;
// The lanes where a == b (an ordered comparison: false where either is NaN).
inline mask equal(vec a, vec b) { return __builtin_ia32_cmpps512_mask(a, b, 0, mask(-1), 4); }  // 0: _CMP_EQ_OQ

// a in the lanes of m, b in the others (one masked blend). The compilers' builtins differ, as for
// math.hpp's sqrt; <immintrin.h> is not included for its parsing time.
inline vec select(mask m, vec a, vec b) {
#if defined(__clang__)
    return __builtin_ia32_selectps_512(m, a, b);
#else
    return __builtin_ia32_blendmps_512_mask(b, a, m);
#endif
}

// a > b ? a : b in each lane, as one instruction: vmaxps returns its second operand unless the
// first is greater (so b where either is NaN, and b for -0 against +0), the expression's bits.
// GCC 12 compiles the expression itself to a comparison and a blend.
inline vec greater_or_second(vec a, vec b) {
#if defined(__clang__)
    return __builtin_ia32_maxps512(a, b, 4);
#else
    return __builtin_ia32_maxps512_mask(a, b, a, mask(-1), 4);
#endif
}

// Whether the n floats at p are all finite: the largest magnitude's bits (as integers, NaN the
// largest) below infinity's.
inline bool all_finite(const float* p, std::size_t n) {
    typedef int ints __attribute__((vector_size(64)));
    ints largest{};
    std::size_t i = 0;
    for (; i + count <= n; i += count) {
        ints bits;
        __builtin_memcpy(&bits, p + i, sizeof bits);
        bits &= 0x7fffffff;
        largest = bits > largest ? bits : largest;
    }
    bool finite = true;
    for (std::size_t l = 0; l < count; ++l) finite = finite && largest[l] < 0x7f800000;
    for (; i < n; ++i) finite = finite && __builtin_isfinite(p[i]);
    return finite;
}

}  // namespace ctnn::detail::lanes
#endif
