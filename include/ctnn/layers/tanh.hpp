// ctnn/layers/tanh.hpp: hyperbolic tangent.
#pragma once
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/layers/elementwise.hpp>
#include <ctnn/math.hpp>

namespace ctnn {

struct tanh : elementwise<tanh> {
    static constexpr std::string_view name = "tanh";
    static constexpr std::size_t flops_per_value = 4;
    template <class T>
    static T apply(T x) { return math::tanh(x); }
    template <class T>
    static T derivative(T, T y) { return T(1) - y * y; }

    // Generated C: the same expressions.
    static constexpr bool emit_pass_through = false;
    static constexpr bool derivative_reads_input = false;
    static constexpr bool derivative_reads_output = true;
    template <emit::writer W>
    static void emit_apply(W& c, std::string_view x) { c.put("tanhf(", x, ")"); }
    template <emit::writer W>
    static void emit_derivative(W& c, std::string_view, std::string_view y) { c.put("1.0f - ", y, " * ", y); }
};

}  // namespace ctnn
