// ctnn/layers/lstm.hpp: long short-term memory over a sequence (steps, features) -> (steps, hidden).
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

// PyTorch's nn.LSTM (one layer, batch_first), with the same gates and parameters:
//   i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      f = sigmoid(... forget gate ...)
//   g = tanh(W_ig x + b_ig + W_hg h + b_hg)         o = sigmoid(... output gate ...)
//   c' = f * c + i * g,   h' = o * tanh(c')
// Parameters: W_ih^T [F][4H] (gates i, f, g, o), W_hh^T [H][4H], b_ih [4H], b_hh [4H]: the
// matrices are PyTorch's weight_ih_l0 and weight_hh_l0 transposed (recurrent.hpp says why). The
// output is every step's h; a sequence starts from h = c = 0, a stream from its state (h, then c).
template <std::size_t Hidden>
struct lstm {
    static constexpr std::string_view name = "lstm";
    // Version 2 of the parameter layout (matrices transposed): weight files of version 1 are refused.
    static constexpr unsigned long long signature_extra = 2;

    template <class In, std::size_t Position>
    struct bind : detail::gate_layout<In, Hidden, 4> {
        struct requirements {
            static_assert(error::check<In::rank == 2, error::at_layer<Position>, error::expects_rank<2>,
                                       error::got_shape<In>>,
                          "ctnn::lstm needs a (steps, features) input: declare ctnn::input<Steps, Features> or "
                          "use ctnn::reshape");
            static_assert(error::check<Hidden != 0, error::at_layer<Position>>,
                          "ctnn::lstm<0> has no hidden state: give it at least one unit");
        };

        using layer = lstm;
        using input_shape = In;
        using layout = detail::gate_layout<In, Hidden, 4>;
        using layout::steps, layout::features, layout::gates, layout::hidden_weights, layout::input_biases,
            layout::hidden_biases, layout::offsets;
        using output_shape = shape<steps, Hidden>;

        // Per step: both matrix products, then 25 operations per unit (three sigmoids and two tanh
        // at 4 each, and the sums and products around them).
        static constexpr std::size_t flops = steps * (2 * gates * (features + Hidden) + 25 * Hidden);
        // Per step, kept for backward: i, f, g, o and the new cell state c'.
        static constexpr std::size_t saved_per_step = 5 * Hidden;
        static constexpr std::size_t saved_size = steps * saved_per_step;
        static constexpr std::size_t state_size = 2 * Hidden;  // h, then c

        template <class T>
        static void forward(const T* params, const T* x, T* y, std::size_t batch) {
            for (std::size_t s = 0; s < batch; ++s) {
                std::array<T, 2 * Hidden> state{};
                run(params, x + s * In::size, y + s * output_shape::size, state.data(), static_cast<T*>(nullptr));
            }
        }

        template <class T>
        static void forward_training(const T* params, const T* x, T* y, std::size_t batch, T* saved) {
            for (std::size_t s = 0; s < batch; ++s) {
                std::array<T, 2 * Hidden> state{};
                run(params, x + s * In::size, y + s * output_shape::size, state.data(), saved + s * saved_size);
            }
        }

        template <class T>
        static void step(const T* params, const T* x, T* y, T* state) {
            run(params, x, y, state, static_cast<T*>(nullptr));
        }

        // Backpropagation through time, last step first. Parameter gradients accumulate (+=); dx
        // is overwritten and skipped when null.
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
                std::array<T, Hidden> dh_next{}, dc_next{};
                std::array<T, gates> d_gates;
                for (std::size_t t = steps; t-- > 0;) {
                    const T* xt = xs + t * features;
                    const T* h = t == 0 ? zero.data() : ys + (t - 1) * Hidden;
                    const T* kept = saved_s + t * saved_per_step;
                    const T* c = t == 0 ? zero.data() : kept - saved_per_step + 4 * Hidden;
                    for (std::size_t j = 0; j < Hidden; ++j) {
                        const T dh = dys[t * Hidden + j] + dh_next[j];
                        const T i = kept[j], f = kept[Hidden + j], g = kept[2 * Hidden + j], o = kept[3 * Hidden + j];
                        const T cell_out = detail::gate_tanh(kept[4 * Hidden + j]);
                        const T dc = dc_next[j] + dh * o * (T(1) - cell_out * cell_out);
                        dc_next[j] = dc * f;
                        d_gates[j] = dc * g * (i * (T(1) - i));
                        d_gates[Hidden + j] = dc * c[j] * (f * (T(1) - f));
                        d_gates[2 * Hidden + j] = dc * i * (T(1) - g * g);
                        d_gates[3 * Hidden + j] = dh * cell_out * (o * (T(1) - o));
                    }
                    detail::accumulate_gate_gradients<gates, features>(d_gates.data(), xt, dw_ih, db_ih);
                    detail::accumulate_gate_gradients<gates, Hidden>(d_gates.data(), h, dw_hh, db_hh);
                    if (dx != nullptr)
                        detail::transposed_products<gates, features>(w_ih, d_gates.data(), static_cast<const T*>(nullptr),
                                                                     dx + s * In::size + t * features);
                    detail::transposed_products<gates, Hidden>(w_hh, d_gates.data(), static_cast<const T*>(nullptr),
                                                               dh_next.data());
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
            if (b.state.empty())
                c.line("float memory[", 2 * Hidden, "] = {0.0f};");
            else
                c.line("float *memory = ", b.state, ";");
            c.line("float *cell = memory + ", Hidden, ";");
            c.line("float input_gates[", gates, "], hidden_gates[", gates, "];");
            c.open("for (size_t t = 0; t < ", steps, "; ++t)");
            c.line("const float *xt = src + t * ", features, ";");
            c.line("const float *h = t == 0 ? memory : dst + (t - 1) * ", Hidden, ";");
            c.line("float *ht = dst + t * ", Hidden, ";");
            detail::emit_gate_products(c, gates, features, "w_ih", "b_ih", "xt", "input_gates");
            detail::emit_gate_products(c, gates, Hidden, "w_hh", "b_hh", "h", "hidden_gates");
            c.open("for (size_t j = 0; j < ", Hidden, "; ++j)");
            const auto gate = [&](std::string_view var, std::size_t index, bool squash_with_tanh) {
                const std::string k = std::to_string(index * Hidden);
                const std::string sum = "(input_gates[" + k + " + j] + hidden_gates[" + k + " + j])";
                c.put("const float ", var, " = ");
                if (squash_with_tanh)
                    detail::emit_gate_tanh(c, sum);
                else
                    detail::emit_gate_sigmoid(c, sum);
                c.line(";");
            };
            gate("i", 0, false);
            gate("f", 1, false);
            gate("g", 2, true);
            gate("o", 3, false);
            c.line("const float cell_new = CTNN_MULTIPLY_ADD(f, cell[j], i * g);");
            if (!b.saved.empty()) {
                c.line("float *kept_t = kept + t * ", saved_per_step, ";");
                c.line("kept_t[j] = i;");
                c.line("kept_t[", Hidden, " + j] = f;");
                c.line("kept_t[", 2 * Hidden, " + j] = g;");
                c.line("kept_t[", 3 * Hidden, " + j] = o;");
                c.line("kept_t[", 4 * Hidden, " + j] = cell_new;");
            }
            c.line("cell[j] = cell_new;");
            c.put("ht[j] = o * ");
            detail::emit_gate_tanh(c, "cell_new");
            c.line(";");
            c.close();
            c.close();
            if (!b.state.empty())
                c.line("for (size_t j = 0; j < ", Hidden, "; ++j) memory[j] = dst[", (steps - 1) * Hidden, " + j];");
        }

        template <emit::writer W>
        static void emit_backward(W& c, const emit::backward_buffers& b) {
            detail::emit_gate_backward_buffers(c, b, offsets);
            c.line("static const float zero[", Hidden, "] = {0.0f};");
            c.line("float dh_next[", Hidden, "] = {0.0f}, dc_next[", Hidden, "] = {0.0f};");
            c.line("float d_gates[", gates, "];");
            c.open("for (size_t t = ", steps, "; t-- > 0;)");
            c.line("const float *xt = src + t * ", features, ";");
            c.line("const float *h = t == 0 ? zero : dst + (t - 1) * ", Hidden, ";");
            c.line("const float *kept_t = kept + t * ", saved_per_step, ";");
            c.line("const float *cell = t == 0 ? zero : kept_t - ", saved_per_step - 4 * Hidden, ";");
            c.open("for (size_t j = 0; j < ", Hidden, "; ++j)");
            c.line("const float dh = g_out[t * ", Hidden, " + j] + dh_next[j];");
            c.line("const float i = kept_t[j], f = kept_t[", Hidden, " + j], g = kept_t[", 2 * Hidden,
                   " + j], o = kept_t[", 3 * Hidden, " + j];");
            c.put("const float cell_out = ");
            detail::emit_gate_tanh(c, "kept_t[" + std::to_string(4 * Hidden) + " + j]");
            c.line(";");
            c.line("const float dc = dc_next[j] + dh * o * (1.0f - cell_out * cell_out);");
            c.line("dc_next[j] = dc * f;");
            c.line("d_gates[j] = dc * g * (i * (1.0f - i));");
            c.line("d_gates[", Hidden, " + j] = dc * cell[j] * (f * (1.0f - f));");
            c.line("d_gates[", 2 * Hidden, " + j] = dc * i * (1.0f - g * g);");
            c.line("d_gates[", 3 * Hidden, " + j] = dh * cell_out * (o * (1.0f - o));");
            c.close();
            detail::emit_accumulate_gate_gradients(c, gates, features, "d_gates", "xt", "g_w_ih", "g_b_ih");
            detail::emit_accumulate_gate_gradients(c, gates, Hidden, "d_gates", "h", "g_w_hh", "g_b_hh");
            if (b.dx_optional) c.open("if (g_in != NULL)");
            c.line("float *g_in_t = g_in + t * ", features, ";");
            detail::emit_transposed_products(c, gates, features, "w_ih", "d_gates", "", "g_in_t");
            if (b.dx_optional) c.close();
            detail::emit_transposed_products(c, gates, Hidden, "w_hh", "d_gates", "", "dh_next");
            c.close();
        }

        template <emit::writer W>
        static void emit_prelude(W& c) {
            detail::emit_gate_functions(c);
        }

        template <emit::writer W>
        static void emit_param_layout(W& c, std::size_t offset) {
            detail::emit_gate_param_layout(c, offset, offsets, gates, features, Hidden, "i, f, g, o", "nn.LSTM");
        }

    private:
        // Every step of one sample from memory = (h, c), which ends as the last step's (h, c); saves
        // what backward needs when `saved` is not null. The previous h is the previous output row.
        template <class T>
        static void run(const T* params, const T* x, T* y, T* memory, T* saved) {
            const T* w_ih = params;
            const T* w_hh = params + hidden_weights;
            const T* b_ih = params + input_biases;
            const T* b_hh = params + hidden_biases;
            T* cell = memory + Hidden;
            std::array<T, gates> input_gates, hidden_gates;
            for (std::size_t t = 0; t < steps; ++t) {
                const T* xt = x + t * features;
                const T* h = t == 0 ? memory : y + (t - 1) * Hidden;
                T* ht = y + t * Hidden;
                detail::gate_products<gates, features>(w_ih, b_ih, xt, input_gates.data());
                detail::gate_products<gates, Hidden>(w_hh, b_hh, h, hidden_gates.data());
                for (std::size_t j = 0; j < Hidden; ++j) {
                    const T i = detail::gate_sigmoid(input_gates[j] + hidden_gates[j]);
                    const T f = detail::gate_sigmoid(input_gates[Hidden + j] + hidden_gates[Hidden + j]);
                    const T g = detail::gate_tanh(input_gates[2 * Hidden + j] + hidden_gates[2 * Hidden + j]);
                    const T o = detail::gate_sigmoid(input_gates[3 * Hidden + j] + hidden_gates[3 * Hidden + j]);
                    const T cell_new = detail::multiply_add(f, cell[j], i * g);
                    if (saved != nullptr) {
                        T* kept = saved + t * saved_per_step;
                        kept[j] = i;
                        kept[Hidden + j] = f;
                        kept[2 * Hidden + j] = g;
                        kept[3 * Hidden + j] = o;
                        kept[4 * Hidden + j] = cell_new;
                    }
                    cell[j] = cell_new;
                    ht[j] = o * detail::gate_tanh(cell_new);
                }
            }
            for (std::size_t j = 0; j < Hidden; ++j) memory[j] = y[(steps - 1) * Hidden + j];
        }
    };
};

}  // namespace ctnn
