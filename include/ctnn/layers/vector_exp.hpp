// ctnn/layers/vector_exp.hpp: exp and sigmoid for float that compilers can vectorise, in C++ and
// as C (for the sigmoid layer).
#pragma once
#include <bit>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include <ctnn/emit/c.hpp>
#include <ctnn/math.hpp>
#include <ctnn/multiply_add.hpp>

namespace ctnn::detail {

// An exponential that compilers vectorise. libm's expf is a call that no compiler turns into vector
// code, and a small sigmoid layer spends most of its time in it; this float exp is plain
// arithmetic: e^x = 2^n e^r with n = round(x / ln 2), |r| <= ln 2 / 2, e^r by its Taylor polynomial
// to r^7 (relative error near 1e-7, tested against std::exp), 2^n built in the exponent bits. The
// polynomial is evaluated in Estrin's scheme, not Horner's: three levels of independent products
// are much shorter than a chain of seven; the 1 comes last, where it costs the least precision.
// Multiply-adds are fused where the target has FMA (multiply_add.hpp): XOR's one-sample forward
// 21.6 -> 16.7 ns.
// Rounding n uses the 1.5 * 2^23 trick: it needs round-to-nearest and no reassociation, which
// ctnn's floating-point policy (no -ffast-math) guarantees, and leaves n in the low bits of the
// sum, so 2^n needs no float-to-int conversion (undefined for NaN). x is clamped to [-87, 88],
// where 2^n is a normal float; the clamps let NaN through, and NaN times anything is NaN, so no
// test on the result is needed (one made GCC split every call into branches around constant
// results). Double (finite-difference checks) keeps libm's exp.
inline float vector_exp(float x) {
    float v = x < -87.0f ? -87.0f : x;  // written so that NaN passes through
    v = v > 88.0f ? 88.0f : v;
    const float shifted = multiply_add(v, 1.44269504f, 12582912.0f);  // n = round(v / ln 2) in its low bits
    const float n = shifted - 12582912.0f;
    const float r = multiply_add(n, 2.12194440e-4f, multiply_add(n, -0.693359375f, v));
    const float r2 = r * r, r4 = r2 * r2;
    const float low = multiply_add(r2, multiply_add(r, 1.66666667e-1f, 0.5f), r);
    const float high = multiply_add(r2, multiply_add(r, 1.98412698e-4f, 1.38888889e-3f), multiply_add(r, 8.33333333e-3f, 4.16666667e-2f));
    const float p = 1.0f + multiply_add(r4, high, low);
    const std::uint32_t biased = std::bit_cast<std::uint32_t>(shifted) - 0x4B400000u + 127u;
    return p * std::bit_cast<float>(biased << 23);
}

// vector_exp for float; the C library's exp for double (finite-difference checks).
template <class T>
inline T exp_of(T x) {
    if constexpr (std::is_same_v<T, float>)
        return vector_exp(x);
    else
        return math::exp(x);
}

template <class T>
inline T vector_sigmoid(T x) {
    return T(1) / (T(1) + exp_of(-x));
}

template <emit::writer W>
void emit_vector_sigmoid(W& c, std::string_view x) {
    c.put("ctnn_vector_sigmoid(", x, ")");
}
// The same functions in C, each under its own guard (emit::guarded_function): the sigmoid layer
// writes both, and sources that share one translation unit (a unity build) define each once.
// Union punning is defined behaviour in C99. `inline`: without it GCC called ctnn_vector_exp
// for each of XOR's six values, and the calls cost a third of its forward (23 -> 17.5 ns).
template <emit::writer W>
void emit_vector_exp_function(W& c) {
    c.line("/* ctnn::detail::vector_exp (ctnn/layers/vector_exp.hpp). */");
    emit::guarded_function(c, "CTNN_VECTOR_EXP_V3", "static inline float ctnn_vector_exp(float x)", [&] {
        c.line("float v = x < -87.0f ? -87.0f : x;");
        c.line("float shifted, n, r, r2, r4, low, high, p;");
        c.line("union { float f; uint32_t u; } bits;");
        c.line("v = v > 88.0f ? 88.0f : v;");
        c.line("shifted = CTNN_MULTIPLY_ADD(v, 1.44269504f, 12582912.0f);");
        c.line("n = shifted - 12582912.0f;");
        c.line("r = CTNN_MULTIPLY_ADD(n, 2.12194440e-4f, CTNN_MULTIPLY_ADD(n, -0.693359375f, v));");
        c.line("r2 = r * r;");
        c.line("r4 = r2 * r2;");
        c.line("low = CTNN_MULTIPLY_ADD(r2, CTNN_MULTIPLY_ADD(r, 1.66666667e-1f, 0.5f), r);");
        c.line("high = CTNN_MULTIPLY_ADD(r2, CTNN_MULTIPLY_ADD(r, 1.98412698e-4f, 1.38888889e-3f), "
               "CTNN_MULTIPLY_ADD(r, 8.33333333e-3f, 4.16666667e-2f));");
        c.line("p = 1.0f + CTNN_MULTIPLY_ADD(r4, high, low);");
        c.line("bits.f = shifted;");
        c.line("bits.u = (bits.u - 0x4B400000u + 127u) << 23;");
        c.line("return p * bits.f;");
    });
}

template <emit::writer W>
void emit_vector_sigmoid_function(W& c) {
    emit_vector_exp_function(c);
    emit::guarded_function(c, "CTNN_VECTOR_SIGMOID_V1", "static inline float ctnn_vector_sigmoid(float x)",
                          [&] { c.line("return 1.0f / (1.0f + ctnn_vector_exp(-x));"); });
}

}  // namespace ctnn::detail
