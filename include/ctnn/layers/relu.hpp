// ctnn/layers/relu.hpp: max(0, x).
#pragma once
#include <string_view>

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
};

}  // namespace ctnn
