// ctnn/math.hpp: the few C math functions ctnn calls, as the compiler's builtins.
//
// std::exp and the others are these same builtins, but <cmath> (with C++17's special functions)
// takes about 0.1 s to parse, 8% of compiling a program that trains M2 or M3 with g++ -O2.
// GCC and Clang both provide the builtins; they become inline code or the libm call std::
// would make, so the results are the same bits.
#pragma once

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

// Eight floats as one vector (GCC's vector extension, which clang shares), with a square root
// that sets no errno: sqrt's errno path for negative inputs keeps every loop that calls it scalar
// in GCC 12 and clang 14 unless -fno-math-errno is given (Adam on M2: 490 against 220 us a step).
// x86's vector square root is correctly rounded, as sqrt is. Elsewhere there is no float8, and
// CTNN_MATH_FLOAT8 is not defined.
#if defined(__AVX__)
#define CTNN_MATH_FLOAT8 1
typedef float float8 __attribute__((vector_size(32)));
inline float8 sqrt(float8 x) { return __builtin_ia32_sqrtps256(x); }
inline float8 load8(const float* p) {
    float8 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
inline void store8(float* p, float8 v) { __builtin_memcpy(p, &v, sizeof v); }
#endif

template <class T>
inline bool isfinite(T x) {
    return __builtin_isfinite(x);
}

}  // namespace ctnn::math
