// ctnn/layers/leaky_relu.hpp: x for x > 0, slope * x otherwise.
#pragma once
#include <ratio>
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/layers/elementwise.hpp>

namespace ctnn {

// The slope is a std::ratio because clang 14 has no floating-point template parameters;
// the default matches PyTorch's nn.LeakyReLU (0.01).
template <class Slope = std::ratio<1, 100>>
struct leaky_relu : elementwise<leaky_relu<Slope>> {
    static_assert(Slope::num * Slope::den >= 0, "ctnn::leaky_relu: the slope must not be negative");
    static constexpr std::string_view name = "leaky_relu";
    static constexpr std::size_t flops_per_value = 1;
    static constexpr double slope = double(Slope::num) / double(Slope::den);
    static constexpr unsigned long long signature_extra =
        (static_cast<unsigned long long>(Slope::num) << 32) ^ static_cast<unsigned long long>(Slope::den);
    template <class T>
    static T apply(T x) { return x > T(0) ? x : T(slope) * x; }
    template <class T>
    static T derivative(T x, T) { return x > T(0) ? T(1) : T(slope); }

    // Generated C: the same expressions; the slope is printed as the float T(slope), exactly.
    static constexpr bool emit_pass_through = false;
    static constexpr bool derivative_reads_input = true;
    static constexpr bool derivative_reads_output = false;
    template <emit::writer W>
    static void emit_apply(W& c, std::string_view x) { c.put(x, " > 0.0f ? ", x, " : ", emit::real{slope}, " * ", x); }
    template <emit::writer W>
    static void emit_derivative(W& c, std::string_view x, std::string_view) {
        c.put(x, " > 0.0f ? 1.0f : ", emit::real{slope});
    }
};

}  // namespace ctnn
