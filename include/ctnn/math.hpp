// ctnn/math.hpp: the few C math functions ctnn calls, as the compiler's builtins.
//
// std::exp and the others are these same builtins, but <cmath> (with C++17's special functions)
// takes about 0.1 s to parse, 8% of compiling a program that trains M2 or M3 with g++ -O2.
// GCC and Clang both provide the builtins; they become inline code or the libm call std::
// would make, so the results are the same bits.
#pragma once
#if defined(__AVX512F__)
#include <immintrin.h>  // _mm512_sqrt_ps: GCC and clang name its builtin differently
#endif

namespace ctnn::math {

inline float exp(float x) { return __builtin_expf(x); }
inline double exp(double x) { return __builtin_exp(x); }

inline float log(float x) { return __builtin_logf(x); }
inline double log(double x) { return __builtin_log(x); }

inline float sqrt(float x) { return __builtin_sqrtf(x); }
inline double sqrt(double x) { return __builtin_sqrt(x); }

inline float tanh(float x) { return __builtin_tanhf(x); }
inline double tanh(double x) { return __builtin_tanh(x); }

inline float fma(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
inline double fma(double a, double b, double c) { return __builtin_fma(a, b, c); }

// As many floats as the target's vectors hold (16 with AVX-512, 8 with AVX; GCC's vector
// extension, which clang shares), with a square root that sets no errno: sqrt's errno path for
// negative inputs keeps every loop that calls it scalar in GCC 12 and clang 14 unless
// -fno-math-errno is given (Adam on M2: 490 against 220 us a step). x86's vector square roots are
// correctly rounded, as sqrt is, so every width gives the same bits. The full width matters: Adam's
// pass over M2's 109k parameters is bound by its square roots and divisions, 38 us in vectors of 8
// and 20 us in vectors of 16 (Zen 5). Elsewhere there is no float_vector, and
// CTNN_MATH_FLOAT_VECTOR is not defined.
#if defined(__AVX512F__)
#define CTNN_MATH_FLOAT_VECTOR 16
typedef float float_vector __attribute__((vector_size(64)));
// Masked with every lane on: the same single vsqrtps, where GCC 12 warns that _mm512_sqrt_ps's
// undefined pass-through is used uninitialized.
inline float_vector sqrt(float_vector x) { return float_vector(_mm512_mask_sqrt_ps(__m512(x), 0xFFFF, __m512(x))); }
#elif defined(__AVX__)
#define CTNN_MATH_FLOAT_VECTOR 8
typedef float float_vector __attribute__((vector_size(32)));
inline float_vector sqrt(float_vector x) { return __builtin_ia32_sqrtps256(x); }
#endif
#if defined(CTNN_MATH_FLOAT_VECTOR)
inline constexpr unsigned float_vector_size = CTNN_MATH_FLOAT_VECTOR;
inline float_vector load_vector(const float* p) {
    float_vector v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
inline void store_vector(float* p, float_vector v) { __builtin_memcpy(p, &v, sizeof v); }
#endif

template <class T>
inline bool isfinite(T x) {
    return __builtin_isfinite(x);
}

}  // namespace ctnn::math
