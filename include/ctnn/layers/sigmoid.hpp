// ctnn/layers/sigmoid.hpp: 1 / (1 + exp(-x)).
#pragma once
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/layers/elementwise.hpp>
#include <ctnn/layers/vector_exp.hpp>

namespace ctnn {

struct sigmoid : elementwise<sigmoid> {
    static constexpr std::string_view name = "sigmoid";
    static constexpr std::size_t flops_per_value = 4;
    // Float uses ctnn's vectorisable exp (a call to expf per value would keep the loop scalar);
    // it clamps at -87 and 88, so no NaN comes out of a finite input.
    template <class T>
    static T apply(T x) { return detail::vector_sigmoid(x); }
    // Written in terms of the output, which forward already computed.
    template <class T>
    static T derivative(T, T y) { return y * (T(1) - y); }

    // Generated C: the same expressions.
    static constexpr bool emit_pass_through = false;
    static constexpr bool derivative_reads_input = false;
    static constexpr bool derivative_reads_output = true;
    template <emit::writer W>
    static void emit_apply(W& c, std::string_view x) { detail::emit_vector_sigmoid(c, x); }
    template <emit::writer W>
    static void emit_prelude(W& c) { detail::emit_vector_sigmoid_function(c); }
    template <emit::writer W>
    static void emit_derivative(W& c, std::string_view, std::string_view y) { c.put(y, " * (1.0f - ", y, ")"); }
};

}  // namespace ctnn
