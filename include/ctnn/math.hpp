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

template <class T>
inline bool isfinite(T x) {
    return __builtin_isfinite(x);
}

}  // namespace ctnn::math
