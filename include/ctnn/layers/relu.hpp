// ctnn/layers/relu.hpp: max(0, x).
#pragma once
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/layers/elementwise.hpp>

namespace ctnn {

struct relu : elementwise<relu> {
    static constexpr std::string_view name = "relu";
    static constexpr std::size_t flops_per_value = 1;
    template <class T>
    static T apply(T x) { return x > T(0) ? x : T(0); }
    // The derivative at 0 is taken as 0, as PyTorch does.
    template <class T>
    static T derivative(T x, T) { return x > T(0) ? T(1) : T(0); }

    // Generated C: the same expressions.
    static constexpr bool emit_pass_through = false;
    static constexpr bool derivative_reads_input = true;
    static constexpr bool derivative_reads_output = false;
    template <emit::writer W>
    static void emit_apply(W& c, std::string_view x) { c.put(x, " > 0.0f ? ", x, " : 0.0f"); }
    template <emit::writer W>
    static void emit_derivative(W& c, std::string_view x, std::string_view) { c.put(x, " > 0.0f ? 1.0f : 0.0f"); }
};

}  // namespace ctnn
