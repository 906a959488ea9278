// ctnn/layers/gru.hpp: gated recurrent unit over a sequence (steps, features) -> (steps, hidden).
#pragma once
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/error.hpp>
#include <ctnn/layers/gate_functions.hpp>
#include <ctnn/layers/recurrent.hpp>
#include <ctnn/shape.hpp>

namespace ctnn {

// PyTorch's nn.GRU (one layer, batch_first), with the same gates and parameters:
//   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
//   z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
//   h' = (1 - z) * n + z * h
// Parameters: W_ih^T [F][3H] (gates r, z, n), W_hh^T [H][3H], b_ih [3H], b_hh [3H]: the matrices
// are PyTorch's weight_ih_l0 and weight_hh_l0 transposed (recurrent.hpp says why). The output is
// every step's hidden state; a sequence starts from h = 0, a stream from its state.
template <std::size_t Hidden>
struct gru {
    static constexpr std::string_view name = "gru";
    // Version 2 of the parameter layout (matrices transposed): weight files of version 1 are refused.
    static constexpr unsigned long long signature_extra = 2;

    template <class In, std::size_t Position>
    struct bind : detail::gate_layout<In, Hidden, 3> {
        struct requirements {
            static_assert(error::check<In::rank == 2, error::at_layer<Position>, error::expects_rank<2>,
                                       error::got_shape<In>>,
                          "ctnn::gru needs a (steps, features) input: declare ctnn::input<Steps, Features> or "
                          "use ctnn::reshape");
            static_assert(error::check<Hidden != 0, error::at_layer<Position>>,
                          "ctnn::gru<0> has no hidden state: give it at least one unit");
        };

        using layer = gru;
        using input_shape = In;
        using layout = detail::gate_layout<In, Hidden, 3>;
        using layout::steps, layout::features, layout::gates, layout::hidden_weights, layout::input_biases,
            layout::hidden_biases, layout::offsets;
        using output_shape = shape<steps, Hidden>;

        // Per step: both matrix products, then 19 operations per unit (two sigmoids and a tanh at
        // 4 each, as the activation layers count them, and the adds and products around them).
        static constexpr std::size_t flops = steps * (2 * gates * (features + Hidden) + 19 * Hidden);
        // Per step, kept for backward: r, z, n and W_hn h + b_hn.
        static constexpr std::size_t saved_size = steps * 4 * Hidden;
        static constexpr std::size_t state_size = Hidden;

        template <class T>
        static void forward(const T* params, const T* x, T* y, std::size_t batch) {
            const std::array<T, Hidden> zero{};
            for (std::size_t s = 0; s < batch; ++s) run(params, x + s * In::size, y + s * output_shape::size, zero.data(), static_cast<T*>(nullptr));
        }

        template <class T>
        static void forward_training(const T* params, const T* x, T* y, std::size_t batch, T* saved) {
            const std::array<T, Hidden> zero{};
            for (std::size_t s = 0; s < batch; ++s)
                run(params, x + s * In::size, y + s * output_shape::size, zero.data(), saved + s * saved_size);
        }

        // One sample's steps, continuing from the stream's hidden state, which then becomes the last.
        template <class T>
        static void step(const T* params, const T* x, T* y, T* state) {
            run(params, x, y, state, static_cast<T*>(nullptr));
            for (std::size_t j = 0; j < Hidden; ++j) state[j] = y[(steps - 1) * Hidden + j];
        }

        // Backpropagation through time, last step first. Parameter gradients accumulate (+=); dx
        // is overwritten and skipped when null. The initial state of a sequence is 0.
        template <class T>
        static void backward(const T* params, const T* x, const T* y, const T* dy, T* dx, T* dparams,
                             std::size_t batch, const T* saved) {
            const T* w_ih = params;
            const T* w_hh = params + hidden_weights;
            T* dw_ih = dparams;
            T* dw_hh = dparams + hidden_weights;
            T* db_ih = dparams + input_biases;
            T* db_hh = dparams + hidden_biases;
            const std::array<T, Hidden> zero{};
            for (std::size_t s = 0; s < batch; ++s) {
                const T* xs = x + s * In::size;
                const T* ys = y + s * output_shape::size;
                const T* dys = dy + s * output_shape::size;
                const T* saved_s = saved + s * saved_size;
                std::array<T, Hidden> dh_next{};
                std::array<T, gates> d_input_gates, d_hidden_gates;
                for (std::size_t t = steps; t-- > 0;) {
                    const T* xt = xs + t * features;
                    const T* h = t == 0 ? zero.data() : ys + (t - 1) * Hidden;
                    const T* kept = saved_s + t * 4 * Hidden;
                    for (std::size_t j = 0; j < Hidden; ++j) {
                        const T dh = dys[t * Hidden + j] + dh_next[j];
                        const T r = kept[j], z = kept[Hidden + j], n = kept[2 * Hidden + j];
                        const T hidden_n = kept[3 * Hidden + j];
                        const T dn = dh * (T(1) - z);
                        const T dz = dh * (h[j] - n);
                        dh_next[j] = dh * z;
                        const T dn_pre = dn * (T(1) - n * n);
                        const T dr_pre = dn_pre * hidden_n * (r * (T(1) - r));
                        const T dz_pre = dz * (z * (T(1) - z));
                        d_input_gates[j] = dr_pre;
                        d_input_gates[Hidden + j] = dz_pre;
                        d_input_gates[2 * Hidden + j] = dn_pre;
                        d_hidden_gates[j] = dr_pre;
                        d_hidden_gates[Hidden + j] = dz_pre;
                        d_hidden_gates[2 * Hidden + j] = dn_pre * r;
                    }
                    detail::accumulate_gate_gradients<gates, features>(d_input_gates.data(), xt, dw_ih, db_ih);
                    detail::accumulate_gate_gradients<gates, Hidden>(d_hidden_gates.data(), h, dw_hh, db_hh);
                    if (dx != nullptr)
                        detail::transposed_products<gates, features>(w_ih, d_input_gates.data(), static_cast<const T*>(nullptr),
                                                             dx + s * In::size + t * features);
                    detail::transposed_products<gates, Hidden>(w_hh, d_hidden_gates.data(), dh_next.data(), dh_next.data());
                }
            }
        }

        // Generated C (ctnn-gen): the same loops and expressions, one sample.
        static constexpr emit::layer_traits emit_traits{.backward_reads_input = true, .backward_reads_output = true};

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            detail::emit_gate_parameters(c, b.params, offsets);
            c.line("const float *src = ", b.x, ";");
            c.line("float *dst = ", b.y, ";");
            if (!b.saved.empty()) c.line("float *kept = ", b.saved, ";");
            if (b.state.empty()) {
                c.line("static const float zero[", Hidden, "] = {0.0f};");
            }
            c.line("float input_gates[", gates, "], hidden_gates[", gates, "];");
            c.open("for (size_t t = 0; t < ", steps, "; ++t)");
            c.line("const float *xt = src + t * ", features, ";");
            c.line("const float *h = t == 0 ? ", b.state.empty() ? std::string_view("zero") : b.state, " : dst + (t - 1) * ",
                   Hidden, ";");
            c.line("float *ht = dst + t * ", Hidden, ";");
            detail::emit_gate_products(c, gates, features, "w_ih", "b_ih", "xt", "input_gates");
            detail::emit_gate_products(c, gates, Hidden, "w_hh", "b_hh", "h", "hidden_gates");
            c.open("for (size_t j = 0; j < ", Hidden, "; ++j)");
            c.put("const float r = ");
            detail::emit_gate_sigmoid(c, "(input_gates[j] + hidden_gates[j])");
            c.line(";");
            c.put("const float z = ");
            detail::emit_gate_sigmoid(c, "(input_gates[" + std::to_string(Hidden) + " + j] + hidden_gates[" +
                                       std::to_string(Hidden) + " + j])");
            c.line(";");
            c.put("const float n = ");
            detail::emit_gate_tanh(c, "CTNN_MULTIPLY_ADD(r, hidden_gates[" + std::to_string(2 * Hidden) +
                                          " + j], input_gates[" + std::to_string(2 * Hidden) + " + j])");
            c.line(";");
            if (!b.saved.empty()) {
                c.line("float *kept_t = kept + t * ", 4 * Hidden, ";");
                c.line("kept_t[j] = r;");
                c.line("kept_t[", Hidden, " + j] = z;");
                c.line("kept_t[", 2 * Hidden, " + j] = n;");
                c.line("kept_t[", 3 * Hidden, " + j] = hidden_gates[", 2 * Hidden, " + j];");
            }
            c.line("ht[j] = CTNN_MULTIPLY_ADD(1.0f - z, n, z * h[j]);");
            c.close();
            c.close();
            if (!b.state.empty())
                c.line("for (size_t j = 0; j < ", Hidden, "; ++j) (", b.state, ")[j] = dst[", (steps - 1) * Hidden, " + j];");
        }

        template <emit::writer W>
        static void emit_backward(W& c, const emit::backward_buffers& b) {
            detail::emit_gate_backward_buffers(c, b, offsets);
            c.line("static const float zero[", Hidden, "] = {0.0f};");
            c.line("float dh_next[", Hidden, "] = {0.0f};");
            c.line("float d_input_gates[", gates, "], d_hidden_gates[", gates, "];");
            c.open("for (size_t t = ", steps, "; t-- > 0;)");
            c.line("const float *xt = src + t * ", features, ";");
            c.line("const float *h = t == 0 ? zero : dst + (t - 1) * ", Hidden, ";");
            c.line("const float *kept_t = kept + t * ", 4 * Hidden, ";");
            c.open("for (size_t j = 0; j < ", Hidden, "; ++j)");
            c.line("const float dh = g_out[t * ", Hidden, " + j] + dh_next[j];");
            c.line("const float r = kept_t[j], z = kept_t[", Hidden, " + j], n = kept_t[", 2 * Hidden, " + j];");
            c.line("const float hidden_n = kept_t[", 3 * Hidden, " + j];");
            c.line("const float dn = dh * (1.0f - z);");
            c.line("const float dz = dh * (h[j] - n);");
            c.line("dh_next[j] = dh * z;");
            c.line("const float dn_pre = dn * (1.0f - n * n);");
            c.line("const float dr_pre = dn_pre * hidden_n * (r * (1.0f - r));");
            c.line("const float dz_pre = dz * (z * (1.0f - z));");
            c.line("d_input_gates[j] = dr_pre;");
            c.line("d_input_gates[", Hidden, " + j] = dz_pre;");
            c.line("d_input_gates[", 2 * Hidden, " + j] = dn_pre;");
            c.line("d_hidden_gates[j] = dr_pre;");
            c.line("d_hidden_gates[", Hidden, " + j] = dz_pre;");
            c.line("d_hidden_gates[", 2 * Hidden, " + j] = dn_pre * r;");
            c.close();
            detail::emit_accumulate_gate_gradients(c, gates, features, "d_input_gates", "xt", "g_w_ih", "g_b_ih");
            detail::emit_accumulate_gate_gradients(c, gates, Hidden, "d_hidden_gates", "h", "g_w_hh", "g_b_hh");
            if (b.dx_optional) c.open("if (g_in != NULL)");
            c.line("float *g_in_t = g_in + t * ", features, ";");
            detail::emit_transposed_products(c, gates, features, "w_ih", "d_input_gates", "", "g_in_t");
            if (b.dx_optional) c.close();
            detail::emit_transposed_products(c, gates, Hidden, "w_hh", "d_hidden_gates", "dh_next", "dh_next");
            c.close();
        }

        template <emit::writer W>
        static void emit_prelude(W& c) {
            detail::emit_gate_functions(c);
        }

        template <emit::writer W>
        static void emit_param_layout(W& c, std::size_t offset) {
            detail::emit_gate_param_layout(c, offset, offsets, gates, features, Hidden, "r, z, n", "nn.GRU");
        }

    private:
        // Every step of one sample from hidden state h0; saves what backward needs when `saved`
        // is not null. The previous hidden state is the previous output row.
        template <class T>
        static void run(const T* params, const T* x, T* y, const T* h0, T* saved) {
            const T* w_ih = params;
            const T* w_hh = params + hidden_weights;
            const T* b_ih = params + input_biases;
            const T* b_hh = params + hidden_biases;
            std::array<T, gates> input_gates, hidden_gates;
            for (std::size_t t = 0; t < steps; ++t) {
                const T* xt = x + t * features;
                const T* h = t == 0 ? h0 : y + (t - 1) * Hidden;
                T* ht = y + t * Hidden;
                detail::gate_products<gates, features>(w_ih, b_ih, xt, input_gates.data());
                detail::gate_products<gates, Hidden>(w_hh, b_hh, h, hidden_gates.data());
                for (std::size_t j = 0; j < Hidden; ++j) {
                    const T r = detail::gate_sigmoid(input_gates[j] + hidden_gates[j]);
                    const T z = detail::gate_sigmoid(input_gates[Hidden + j] + hidden_gates[Hidden + j]);
                    const T n = detail::gate_tanh(detail::multiply_add(r, hidden_gates[2 * Hidden + j], input_gates[2 * Hidden + j]));
                    if (saved != nullptr) {
                        T* kept = saved + t * 4 * Hidden;
                        kept[j] = r;
                        kept[Hidden + j] = z;
                        kept[2 * Hidden + j] = n;
                        kept[3 * Hidden + j] = hidden_gates[2 * Hidden + j];
                    }
                    ht[j] = detail::multiply_add(T(1) - z, n, z * h[j]);
                }
            }
        }
    };
};

}  // namespace ctnn
