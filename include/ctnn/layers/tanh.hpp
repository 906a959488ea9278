// ctnn/layers/tanh.hpp: hyperbolic tangent.
#pragma once
#include <cmath>
#include <string_view>

#include <ctnn/layers/elementwise.hpp>

namespace ctnn {

struct tanh : elementwise<tanh> {
    static constexpr std::string_view name = "tanh";
    static constexpr std::size_t flops_per_value = 4;
    template <class T>
    static T apply(T x) { return std::tanh(x); }
    template <class T>
    static T derivative(T, T y) { return T(1) - y * y; }
};

}  // namespace ctnn
