// ctnn/layers/gate_functions.hpp: the sigmoid and tanh of gru's and lstm's gates, in C++ and as C.
#pragma once
#include <string_view>
#include <type_traits>

#include <ctnn/emit/c.hpp>
#include <ctnn/math.hpp>
#include <ctnn/multiply_add.hpp>

namespace ctnn::detail {

// A streaming recurrent step waits on two gate functions in a row (GRU: r, then n; LSTM: the cell,
// then its tanh), so their latency is the step's. tanh here is a rational function,
// x P(x^2) / Q(x^2) with P and Q of degree 4, whose coefficients ctnn fitted for the smallest
// largest error on [0, 9] (1.9e-8 in exact arithmetic; about 4e-7 in float, tested). P and Q are
// evaluated in Estrin's scheme (x^2, x^4, x^8 and independent pairs): one gate is a few
// multiply-adds deep plus one division, instead of an exponential and a division. x is clamped to
// +-7.9 (tanh 7.9 = 1 - 2.8e-7): above about 8.1 the float roundings would pass 1 by an ulp, and a
// clamp of the input is off the result's path, where one of the result cost a GRU step 25%.
// sigmoid x = (1 + tanh(x / 2)) / 2: an absolute error, like tanh's, which is what gates need (they
// scale other terms); the sigmoid layer, whose small outputs feed logarithms, keeps its exponential
// (vector_exp.hpp). The function is odd, exactly. NaN comes out as NaN. Double (finite-difference
// checks) keeps the C library's functions.
inline constexpr float gate_tanh_numerator[5] = {9.999999065e-01f, 1.337318178e-01f, 3.486562523e-03f,
                                                 2.047150008e-05f, 1.318375664e-08f};
inline constexpr float gate_tanh_denominator[5] = {1.0f, 4.670647868e-01f, 2.584190664e-02f, 3.271353114e-04f,
                                                   7.702473624e-07f};
inline constexpr float gate_tanh_limit = 7.9f;

// c[0] + c[1] s + c[2] s^2 + c[3] s^3 + c[4] s^4, given s, s^2 and s^4.
inline float gate_polynomial(const float (&c)[5], float s, float s2, float s4) {
    return multiply_add(s4, c[4], multiply_add(s2, multiply_add(s, c[3], c[2]), multiply_add(s, c[1], c[0])));
}

template <class T>
inline T gate_tanh(T x) {
    if constexpr (std::is_same_v<T, float>) {
        float v = x < -gate_tanh_limit ? -gate_tanh_limit : x;  // written so that NaN passes through
        v = v > gate_tanh_limit ? gate_tanh_limit : v;
        const float s = v * v, s2 = s * s, s4 = s2 * s2;
        return v * gate_polynomial(gate_tanh_numerator, s, s2, s4) / gate_polynomial(gate_tanh_denominator, s, s2, s4);
    } else {
        return math::tanh(x);
    }
}

template <class T>
inline T gate_sigmoid(T x) {
    if constexpr (std::is_same_v<T, float>)
        return multiply_add(0.5f, gate_tanh(0.5f * x), 0.5f);
    else
        return T(1) / (T(1) + math::exp(-x));
}

template <emit::writer W>
void emit_gate_sigmoid(W& c, std::string_view x) {
    c.put("ctnn_gate_sigmoid(", x, ")");
}
template <emit::writer W>
void emit_gate_tanh(W& c, std::string_view x) {
    c.put("ctnn_gate_tanh(", x, ")");
}

// The same functions in C, token for token, each under its own guard (gru and lstm both write both).
template <emit::writer W>
void emit_gate_functions(W& c) {
    const auto polynomial = [&](std::string_view name, const float (&k)[5]) {
        c.line(name, " = CTNN_MULTIPLY_ADD(s4, ", emit::real{k[4]}, ", CTNN_MULTIPLY_ADD(s2, CTNN_MULTIPLY_ADD(s, ",
               emit::real{k[3]}, ", ", emit::real{k[2]}, "), CTNN_MULTIPLY_ADD(s, ", emit::real{k[1]}, ", ",
               emit::real{k[0]}, ")));");
    };
    c.line("/* ctnn::detail::gate_tanh and gate_sigmoid (ctnn/layers/gate_functions.hpp). */");
    emit::guarded_function(c, "CTNN_GATE_TANH_V1", "static inline float ctnn_gate_tanh(float x)", [&] {
        c.line("float v = x < ", emit::real{-gate_tanh_limit}, " ? ", emit::real{-gate_tanh_limit}, " : x;");
        c.line("float s, s2, s4, numerator, denominator;");
        c.line("v = v > ", emit::real{gate_tanh_limit}, " ? ", emit::real{gate_tanh_limit}, " : v;");
        c.line("s = v * v;");
        c.line("s2 = s * s;");
        c.line("s4 = s2 * s2;");
        polynomial("numerator", gate_tanh_numerator);
        polynomial("denominator", gate_tanh_denominator);
        c.line("return v * numerator / denominator;");
    });
    emit::guarded_function(c, "CTNN_GATE_SIGMOID_V1", "static inline float ctnn_gate_sigmoid(float x)",
                           [&] { c.line("return CTNN_MULTIPLY_ADD(0.5f, ctnn_gate_tanh(0.5f * x), 0.5f);"); });
}

}  // namespace ctnn::detail
