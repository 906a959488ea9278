// ctnn/layers/elementwise.hpp: the shared binding of activations applied value by value.
#pragma once
#include <cstddef>

#include <ctnn/apply_activation.hpp>
#include <ctnn/emit/c.hpp>
#include <ctnn/shape.hpp>

namespace ctnn {

namespace detail {
// What ctnn-gen needs to know about an activation, with safe answers for one that does not say
// (no sharing, keep both x and y): binding such an activation still compiles.
template <class Activation>
constexpr emit::layer_traits activation_emit_traits() {
    emit::layer_traits traits{.forward_in_place = true, .backward_in_place = true,
                              .backward_reads_input = true, .backward_reads_output = true};
    if constexpr (requires { Activation::emit_pass_through; }) traits.pass_through = Activation::emit_pass_through;
    if constexpr (requires { Activation::derivative_reads_input; })
        traits.backward_reads_input = Activation::derivative_reads_input;
    if constexpr (requires { Activation::derivative_reads_output; })
        traits.backward_reads_output = Activation::derivative_reads_output;
    return traits;
}
}  // namespace detail

// An activation provides `name`, `flops_per_value`, `apply(x)` and `derivative(x, y)`;
// this base turns them into a bound layer of any input shape, with no parameters.
// For ctnn-gen it also provides `emit_apply(c, x)` and `emit_derivative(c, x, y)`, which write the
// same expressions in C, and says which of x and y the derivative reads
// (`derivative_reads_input`, `derivative_reads_output`).
template <class Activation>
struct elementwise {
    template <class In, std::size_t Position>
    struct bind {
        using layer = Activation;
        using activation = Activation;  // what the layer before may apply itself (fused_activation.hpp)
        using input_shape = In;
        using output_shape = In;
        static constexpr std::size_t param_count = 0;
        static constexpr std::size_t flops = In::size * Activation::flops_per_value;
        static constexpr bool time_local = true;  // value by value, so row by row: it streams

        template <class T>
        static void forward(const T*, const T* x, T* y, std::size_t batch) {
            detail::apply_activation<Activation>(x, y, batch * In::size);
        }

        // x is not read when the derivative does not need it: the layer before may not have written
        // it (ctnn/fused_activation.hpp).
        template <class T>
        static void backward(const T*, const T* x, const T* y, const T* dy, T* dx, T*, std::size_t batch) {
            if (dx == nullptr) return;
            for (std::size_t i = 0; i < batch * In::size; ++i)
                dx[i] = dy[i] * Activation::derivative(emit_traits.backward_reads_input ? x[i] : T(0), y[i]);
        }

        // Generated C (ctnn-gen), one sample. Each value is read before it is written, so the output
        // may overwrite the input (and dL/dx may overwrite dL/dy).
        static constexpr emit::layer_traits emit_traits = detail::activation_emit_traits<Activation>();

        // Functions the activation's C expressions call, written once per generated source.
        template <emit::writer W>
            requires requires(W& c) { Activation::emit_prelude(c); }
        static void emit_prelude(W& c) {
            Activation::emit_prelude(c);
        }

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            c.line("const float *src = ", b.x, ";");
            c.line("float *dst = ", b.y, ";");
            c.put("for (size_t i = 0; i < ", In::size, "; ++i) dst[i] = ");
            Activation::emit_apply(c, "src[i]");
            c.line(";");
        }

        // dx[i] = dy[i] * derivative(x[i], y[i]): the derivative is one parenthesised operand.
        template <emit::writer W>
        static void emit_backward(W& c, const emit::backward_buffers& b) {
            if (b.dx_optional) c.open("if (", b.dx, " != NULL)");
            if constexpr (emit_traits.backward_reads_input) c.line("const float *src = ", b.x, ";");
            if constexpr (emit_traits.backward_reads_output) c.line("const float *dst = ", b.y, ";");
            c.line("const float *g_out = ", b.dy, ";");
            c.line("float *g_in = ", b.dx, ";");
            c.put("for (size_t i = 0; i < ", In::size, "; ++i) g_in[i] = g_out[i] * (");
            Activation::emit_derivative(c, "src[i]", "dst[i]");
            c.line(");");
            if (b.dx_optional) c.close();
        }
    };
};

}  // namespace ctnn
