// ctnn/math.hpp: the few C math functions ctnn calls, as the compiler's builtins.
//
// std::exp and the others are these same builtins, but <cmath> (with C++17's special functions)
// takes about 0.1 s to parse, 8% of compiling a program that trains M2 or M3 with g++ -O2.
// GCC and Clang both provide the builtins; they become inline code or the libm call std::
// would make, so the results are the same bits.
#pragma once
#include <ctnn/target_vector.hpp>

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

// A square root of a register of floats (detail::vector_float) that sets no errno: sqrt's errno
// path for negative inputs keeps every loop that calls it scalar in GCC 12 and clang 14 unless
// -fno-math-errno is given (Adam on M2: 490 against 220 us a step). x86's vector square roots are
// correctly rounded, as sqrt is, so every width gives the same bits. The full width matters:
// Adam's pass over M2's 109k parameters is bound by its square roots and divisions, 38 us in
// vectors of 8 and 20 us in vectors of 16 (Zen 5).
#if defined(CTNN_VECTOR_FLOAT)
#if defined(__AVX512F__)
// The compilers' builtins rather than <immintrin.h>, which with AVX-512 takes 0.5 s to parse (M2
// with training, g++ -O2 -march=native: 1.45 s with it). They differ here: GCC's is the masked
// form (mask -1: every lane), clang's takes the rounding alone; 4 is the current rounding mode.
inline detail::vector_float sqrt(detail::vector_float x) {
#if defined(__clang__)
    return __builtin_ia32_sqrtps512(x, 4);
#else
    return __builtin_ia32_sqrtps512_mask(x, x, -1, 4);
#endif
}
#elif defined(__AVX__)
inline detail::vector_float sqrt(detail::vector_float x) { return __builtin_ia32_sqrtps256(x); }
#else
inline detail::vector_float sqrt(detail::vector_float x) { return __builtin_ia32_sqrtps(x); }
#endif
#endif

template <class T>
inline bool isfinite(T x) {
    return __builtin_isfinite(x);
}

}  // namespace ctnn::math
