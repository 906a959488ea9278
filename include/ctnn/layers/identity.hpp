// ctnn/layers/identity.hpp: passes values through; a placeholder and a linear output.
#pragma once
#include <string_view>

#include <ctnn/layers/elementwise.hpp>

namespace ctnn {

struct identity : elementwise<identity> {
    static constexpr std::string_view name = "identity";
    static constexpr std::size_t flops_per_value = 0;
    template <class T>
    static T apply(T x) { return x; }
    template <class T>
    static T derivative(T, T) { return T(1); }
};

}  // namespace ctnn
