// ctnn/layers/relu.hpp: max(0, x).
#pragma once
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/layers/elementwise.hpp>
#include <ctnn/sample_lanes.hpp>

namespace ctnn {

struct relu : elementwise<relu> {
    static constexpr std::string_view name = "relu";
    static constexpr std::size_t flops_per_value = 1;
    template <class T>
    static T apply(T x) { return x > T(0) ? x : T(0); }
#if defined(CTNN_SAMPLE_LANES)
    // Sixteen at once, the same bits (ctnn/apply_activation.hpp).
    static detail::lanes::vec apply_vector(detail::lanes::vec x) {
        return detail::lanes::greater_or_second(x, detail::lanes::vec{});
    }
#endif
    // The derivative at 0 is taken as 0, as PyTorch does. It reads the output, which is positive
    // exactly where the input is (a NaN input gives 0): so the layer before may write the output
    // directly and no pass keeps the input (model.hpp, fused activations).
    template <class T>
    static T derivative(T, T y) { return y > T(0) ? T(1) : T(0); }
    static constexpr bool derivative_is_zero_or_one = true;

    // Generated C: the same expressions.
    static constexpr bool emit_pass_through = false;
    static constexpr bool derivative_reads_input = false;
    static constexpr bool derivative_reads_output = true;
    template <emit::writer W>
    static void emit_apply(W& c, std::string_view x) { c.put(x, " > 0.0f ? ", x, " : 0.0f"); }
    template <emit::writer W>
    static void emit_derivative(W& c, std::string_view, std::string_view y) { c.put(y, " > 0.0f ? 1.0f : 0.0f"); }
};

}  // namespace ctnn
