// ctnn/target_vector.hpp: the target's vector registers, for kernels whose tiles must fit in them
// or that hold a register's worth of floats explicitly.
//
// vector_float is one register of floats as a GNU vector (GCC and clang): 16 with AVX-512, 8 with
// AVX, 4 with SSE2; on x86 only (CTNN_VECTOR_FLOAT). With AVX-512 GCC 12 vectorises ctnn's loops
// over float arrays well, and most kernels keep them. With 16 registers of 8 or 4 floats the same
// loops spilled their tiles or were left scalar with a branch per value, so some kernels take an
// explicit vector path there (CTNN_NARROW_VECTORS).
#pragma once
#include <cstddef>
#include <utility>

namespace ctnn::detail {

#if defined(__AVX512F__)
inline constexpr std::size_t vector_floats = 16, vector_registers = 32;
#elif defined(__AVX__)
inline constexpr std::size_t vector_floats = 8, vector_registers = 16;
#elif defined(__aarch64__)
inline constexpr std::size_t vector_floats = 4, vector_registers = 32;
#else
inline constexpr std::size_t vector_floats = 4, vector_registers = 16;
#endif

#if defined(__SSE2__)
#define CTNN_VECTOR_FLOAT 1
#if !defined(__AVX512F__)
#define CTNN_NARROW_VECTORS 1
#endif
typedef float vector_float __attribute__((vector_size(vector_floats * sizeof(float))));
// What comparing two vector_float gives: all ones where true, zeros where false.
typedef int vector_mask __attribute__((vector_size(vector_floats * sizeof(float))));

inline vector_float load_vector(const float* p) {
    vector_float v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
inline void store_vector(float* p, vector_float v) { __builtin_memcpy(p, &v, sizeof v); }

template <std::size_t... L>
inline vector_float broadcast_vector(float x, std::index_sequence<L...>) {
    const vector_float first = {x};
    return __builtin_shufflevector(first, first, (L * 0)...);
}
// x in every lane, its bits unchanged (0 + x would turn -0 into +0).
inline vector_float broadcast_vector(float x) { return broadcast_vector(x, std::make_index_sequence<vector_floats>{}); }

// where ? v : +0, lane by lane, as bits.
inline vector_float keep_where(vector_mask where, vector_float v) { return vector_float(where & vector_mask(v)); }
#endif

}  // namespace ctnn::detail
