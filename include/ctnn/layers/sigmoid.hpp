// ctnn/layers/sigmoid.hpp: 1 / (1 + exp(-x)).
#pragma once
#include <cmath>
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/layers/elementwise.hpp>

namespace ctnn {

struct sigmoid : elementwise<sigmoid> {
    static constexpr std::string_view name = "sigmoid";
    static constexpr std::size_t flops_per_value = 4;
    // exp(-x) overflows to +inf for x < -88 (float), giving exactly 0: no NaN either way.
    template <class T>
    static T apply(T x) { return T(1) / (T(1) + std::exp(-x)); }
    // Written in terms of the output, which forward already computed.
    template <class T>
    static T derivative(T, T y) { return y * (T(1) - y); }

    // Generated C: the same expressions.
    static constexpr bool emit_pass_through = false;
    static constexpr bool derivative_reads_input = false;
    static constexpr bool derivative_reads_output = true;
    template <emit::writer W>
    static void emit_apply(W& c, std::string_view x) { c.put("1.0f / (1.0f + expf(-", x, "))"); }
    template <emit::writer W>
    static void emit_derivative(W& c, std::string_view, std::string_view y) { c.put(y, " * (1.0f - ", y, ")"); }
};

}  // namespace ctnn
