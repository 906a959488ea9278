// ctnn/layers/identity.hpp: passes values through; a placeholder and a linear output.
#pragma once
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/layers/elementwise.hpp>

namespace ctnn {

struct identity : elementwise<identity> {
    static constexpr std::string_view name = "identity";
    static constexpr std::size_t flops_per_value = 0;
    template <class T>
    static T apply(T x) { return x; }
    template <class T>
    static T derivative(T, T) { return T(1); }

    // Generated C: a copy, so ctnn-gen shares the storage instead of emitting one.
    static constexpr bool emit_pass_through = true;
    static constexpr bool derivative_reads_input = false;
    static constexpr bool derivative_reads_output = false;
    template <emit::writer W>
    static void emit_apply(W& c, std::string_view x) { c.put(x); }
    template <emit::writer W>
    static void emit_derivative(W& c, std::string_view, std::string_view) { c.put("1.0f"); }
};

}  // namespace ctnn
