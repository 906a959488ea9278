// ctnn/layers/recurrent.hpp: the matrix products gru and lstm share, in C++ and as C.
//
// Gates are computed as W v + b for W [rows][cols] row-major (PyTorch's weight_ih / weight_hh);
// backward adds outer products to the gradients and runs W^T through the gate gradients. Each
// C++ loop has its emitter next to it, written token for token, so both paths give the same bits.
#pragma once
#include <cstddef>
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/initializer.hpp>
#include <ctnn/layers/vector_exp.hpp>
#include <ctnn/random.hpp>

namespace ctnn::detail {

// out[k] = b[k] + sum_i W[k][i] v[i], the bias first, then the products in order.
template <std::size_t Rows, std::size_t Cols, class T>
void gate_products(const T* w, const T* b, const T* v, T* out) {
    for (std::size_t k = 0; k < Rows; ++k) {
        T acc = b[k];
        for (std::size_t i = 0; i < Cols; ++i) acc += w[k * Cols + i] * v[i];
        out[k] = acc;
    }
}

template <emit::writer W>
void emit_gate_products(W& c, std::size_t rows, std::size_t cols, std::string_view w, std::string_view b,
                        std::string_view v, std::string_view out) {
    c.open("for (size_t k = 0; k < ", rows, "; ++k)");
    c.line("float acc = ", b, "[k];");
    c.line("for (size_t i = 0; i < ", cols, "; ++i) acc += ", w, "[k * ", cols, " + i] * ", v, "[i];");
    c.line(out, "[k] = acc;");
    c.close();
}

// The parameter blocks of gru and lstm (W_ih, W_hh, b_ih, b_hh at these offsets), as their
// emitters name them: forward reads the four blocks.
struct gate_parameter_offsets {
    std::size_t hidden_weights, input_biases, hidden_biases, count;
};

// What a gated recurrent layer's bind knows from its input and size alone: the geometry of a
// (steps, features) input, and PyTorch's four parameter blocks, W_ih [gates][features],
// W_hh [gates][Hidden], b_ih [gates], b_hh [gates], with gates = GatesPerUnit * Hidden.
template <class In, std::size_t Hidden, std::size_t GatesPerUnit>
struct gate_layout {
    static constexpr std::size_t steps = In::dims[0];
    // A rank-1 input is refused by the layer's requirements; 1 keeps the sizes below defined.
    static constexpr std::size_t features = In::rank == 2 ? In::dims[In::rank - 1] : 1;
    static constexpr std::size_t gates = GatesPerUnit * Hidden;

    static constexpr std::size_t hidden_weights = gates * features;
    static constexpr std::size_t input_biases = hidden_weights + gates * Hidden;
    static constexpr std::size_t hidden_biases = input_biases + gates;
    static constexpr std::size_t param_count = hidden_biases + gates;
    static constexpr gate_parameter_offsets offsets{hidden_weights, input_biases, hidden_biases, param_count};

    // Xavier-style bounds from fan-in and fan-out of each gate's matrices; zero biases.
    template <class T>
    static void initialize(T* params, random_generator& rng, initializer scheme) {
        draw_weights(params, gates * features, rng, scheme, features, Hidden);
        draw_weights(params + hidden_weights, gates * Hidden, rng, scheme, Hidden, Hidden);
        for (std::size_t k = input_biases; k < param_count; ++k) params[k] = T(0);
    }
};

template <emit::writer W>
void emit_gate_parameters(W& c, std::string_view params, const gate_parameter_offsets& at) {
    c.line("const float *w_ih = ", params, ";");
    c.line("const float *w_hh = w_ih + ", at.hidden_weights, ";");
    c.line("const float *b_ih = w_ih + ", at.input_biases, ";");
    c.line("const float *b_hh = w_ih + ", at.hidden_biases, ";");
}

// Backward's names: both weight matrices, the four gradient blocks, the tensors and the saved gates.
template <emit::writer W>
void emit_gate_backward_buffers(W& c, const emit::backward_buffers& b, const gate_parameter_offsets& at) {
    c.line("const float *w_ih = ", b.params, ";");
    c.line("const float *w_hh = w_ih + ", at.hidden_weights, ";");
    c.line("float *g_w_ih = ", b.dparams, ";");
    c.line("float *g_w_hh = g_w_ih + ", at.hidden_weights, ";");
    c.line("float *g_b_ih = g_w_ih + ", at.input_biases, ";");
    c.line("float *g_b_hh = g_w_ih + ", at.hidden_biases, ";");
    c.line("const float *src = ", b.x, ";");
    c.line("const float *dst = ", b.y, ";");
    c.line("const float *g_out = ", b.dy, ";");
    c.line("float *g_in = ", b.dx, ";");
    c.line("const float *kept = ", b.saved, ";");
}

// The generated header's description of the four blocks; `gates` names the gate order.
template <emit::writer W>
void emit_gate_param_layout(W& c, std::size_t offset, const gate_parameter_offsets& at, std::size_t gates,
                            std::size_t features, std::size_t hidden, std::string_view gate_names,
                            std::string_view pytorch_module) {
    c.line("[", offset, ", ", offset + at.hidden_weights, ")  W_ih[", gates, "][", features, "]: gates ", gate_names,
           " (", hidden, " rows each), as ", pytorch_module, "'s weight_ih_l0");
    c.line("[", offset + at.hidden_weights, ", ", offset + at.input_biases, ")  W_hh[", gates, "][", hidden,
           "]: as weight_hh_l0");
    c.line("[", offset + at.input_biases, ", ", offset + at.hidden_biases, ")  b_ih[", gates, "]");
    c.line("[", offset + at.hidden_biases, ", ", offset + at.count, ")  b_hh[", gates, "]");
}

// dW += d v^T and db += d.
template <std::size_t Rows, std::size_t Cols, class T>
void accumulate_gate_gradients(const T* d, const T* v, T* dw, T* db) {
    for (std::size_t k = 0; k < Rows; ++k) {
        db[k] += d[k];
        for (std::size_t i = 0; i < Cols; ++i) dw[k * Cols + i] += d[k] * v[i];
    }
}

template <emit::writer W>
void emit_accumulate_gate_gradients(W& c, std::size_t rows, std::size_t cols, std::string_view d, std::string_view v,
                                    std::string_view dw, std::string_view db) {
    c.open("for (size_t k = 0; k < ", rows, "; ++k)");
    c.line(db, "[k] += ", d, "[k];");
    c.line("for (size_t i = 0; i < ", cols, "; ++i) ", dw, "[k * ", cols, " + i] += ", d, "[k] * ", v, "[i];");
    c.close();
}

// out[i] = start[i] + sum_k W[k][i] d[k] (start null: 0). out may be start.
template <std::size_t Rows, std::size_t Cols, class T>
void transposed_products(const T* w, const T* d, const T* start, T* out) {
    for (std::size_t i = 0; i < Cols; ++i) {
        T acc = start != nullptr ? start[i] : T(0);
        for (std::size_t k = 0; k < Rows; ++k) acc += w[k * Cols + i] * d[k];
        out[i] = acc;
    }
}

// `start` empty: from 0.
template <emit::writer W>
void emit_transposed_products(W& c, std::size_t rows, std::size_t cols, std::string_view w, std::string_view d,
                              std::string_view start, std::string_view out) {
    c.open("for (size_t i = 0; i < ", cols, "; ++i)");
    if (start.empty())
        c.line("float acc = 0.0f;");
    else
        c.line("float acc = ", start, "[i];");
    c.line("for (size_t k = 0; k < ", rows, "; ++k) acc += ", w, "[k * ", cols, " + i] * ", d, "[k];");
    c.line(out, "[i] = acc;");
    c.close();
}

}  // namespace ctnn::detail
