// ctnn/layers/recurrent.hpp: the matrix products gru and lstm share, in C++ and as C.
//
// Gates are W v + b for PyTorch's weight_ih / weight_hh W [rows][cols], which ctnn stores column by
// column: wt[i][k] = W[k][i], PyTorch's matrix transposed. Then one input multiplies one contiguous
// column, every row at once, and the sums vectorise across rows without reassociating anything;
// kept as PyTorch's rows, the sums of a 64x16 LSTM matrix ran 2x slower. Backward adds outer
// products to the gradients and runs W^T through the gate gradients. Each C++ loop has its
// emitter next to it, written token for token, so both paths give the same bits.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/initializer.hpp>
#include <ctnn/multiply_add.hpp>
#include <ctnn/random.hpp>

namespace ctnn::detail {

// out[k] = b[k] + sum_i W[k][i] v[i] in up to four partial sums: column i goes to partial i % 4,
// which starts with its first product and multiply-adds the later ones in column order; the
// partials add as (p0 + p1) + (p2 + p3), then the bias. A streaming step waits on this sum, and
// four chains are a quarter as long as one. Rows go 64 at a time, which bounds the partials on the
// stack at 1 KiB; blocks of 16 measured slower (their partials spilled).
inline constexpr std::size_t gate_partials = 4;
inline constexpr std::size_t gate_block = 64;

template <std::size_t Lanes, std::size_t Block, class T>
inline T sum_of_partials(const T (&part)[Lanes][Block], std::size_t k) {
    if constexpr (Lanes == 1)
        return part[0][k];
    else if constexpr (Lanes == 2)
        return part[0][k] + part[1][k];
    else if constexpr (Lanes == 3)
        return (part[0][k] + part[1][k]) + part[2][k];
    else
        return (part[0][k] + part[1][k]) + (part[2][k] + part[3][k]);
}

inline std::string_view emitted_sum_of_partials(std::size_t lanes) {
    constexpr std::string_view sums[] = {"part[0][k]", "part[0][k] + part[1][k]", "(part[0][k] + part[1][k]) + part[2][k]",
                                         "(part[0][k] + part[1][k]) + (part[2][k] + part[3][k])"};
    return sums[lanes - 1];
}

// Rows [first, first + Block) of the gates.
template <std::size_t Block, std::size_t Rows, std::size_t Cols, class T>
inline void gate_products_block(const T* wt, const T* b, const T* v, T* out, std::size_t first) {
    constexpr std::size_t lanes = Cols < gate_partials ? Cols : gate_partials;
    T part[lanes][Block];
    for (std::size_t l = 0; l < lanes; ++l)
        for (std::size_t k = 0; k < Block; ++k) part[l][k] = wt[l * Rows + first + k] * v[l];
    for (std::size_t i = lanes; i < Cols; ++i)
        for (std::size_t k = 0; k < Block; ++k)
            part[i % lanes][k] = multiply_add(wt[i * Rows + first + k], v[i], part[i % lanes][k]);
    for (std::size_t k = 0; k < Block; ++k) out[first + k] = b[first + k] + sum_of_partials(part, k);
}

template <std::size_t Rows, std::size_t Cols, class T>
inline void gate_products(const T* wt, const T* b, const T* v, T* out) {
    constexpr std::size_t block = Rows < gate_block ? Rows : gate_block;
    constexpr std::size_t whole = Rows - Rows % block;
    for (std::size_t first = 0; first < whole; first += block) gate_products_block<block, Rows, Cols>(wt, b, v, out, first);
    if constexpr (whole < Rows) gate_products_block<Rows - whole, Rows, Cols>(wt, b, v, out, whole);
}

template <emit::writer W>
void emit_gate_products_block(W& c, std::size_t block, std::size_t rows, std::size_t cols, std::string_view first,
                              std::string_view w, std::string_view b, std::string_view v, std::string_view out) {
    const std::size_t lanes = cols < gate_partials ? cols : gate_partials;
    c.line("float part[", lanes, "][", block, "];");
    c.line("for (size_t l = 0; l < ", lanes, "; ++l) for (size_t k = 0; k < ", block, "; ++k) part[l][k] = ", w,
           "[l * ", rows, " + ", first, " + k] * ", v, "[l];");
    if (cols > lanes) {
        c.open("for (size_t i = ", lanes, "; i < ", cols, "; ++i)");
        c.line("for (size_t k = 0; k < ", block, "; ++k) part[i % ", lanes, "][k] = CTNN_MULTIPLY_ADD(", w, "[i * ", rows,
               " + ", first, " + k], ", v, "[i], part[i % ", lanes, "][k]);");
        c.close();
    }
    c.line("for (size_t k = 0; k < ", block, "; ++k) ", out, "[", first, " + k] = ", b, "[", first, " + k] + (",
           emitted_sum_of_partials(lanes), ");");
}

template <emit::writer W>
void emit_gate_products(W& c, std::size_t rows, std::size_t cols, std::string_view w, std::string_view b,
                        std::string_view v, std::string_view out) {
    const std::size_t block = rows < gate_block ? rows : gate_block;
    const std::size_t whole = rows - rows % block;
    c.open("for (size_t first = 0; first < ", whole, "; first += ", block, ")");
    emit_gate_products_block(c, block, rows, cols, "first", w, b, v, out);
    c.close();
    if (whole < rows) {
        c.open("");
        emit_gate_products_block(c, rows - whole, rows, cols, std::to_string(whole), w, b, v, out);
        c.close();
    }
}

// The parameter blocks of gru and lstm (W_ih, W_hh, b_ih, b_hh at these offsets), as their
// emitters name them: forward reads the four blocks.
struct gate_parameter_offsets {
    std::size_t hidden_weights, input_biases, hidden_biases, count;
};

// What a gated recurrent layer's bind knows from its input and size alone: the geometry of a
// (steps, features) input, and PyTorch's four parameter blocks, the matrices column by column:
// W_ih^T [features][gates], W_hh^T [Hidden][gates], b_ih [gates], b_hh [gates], with
// gates = GatesPerUnit * Hidden.
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
    c.line("[", offset, ", ", offset + at.hidden_weights, ")  W_ih^T[", features, "][", gates, "]: gates ", gate_names,
           " (", hidden, " columns each), ", pytorch_module, "'s weight_ih_l0 transposed");
    c.line("[", offset + at.hidden_weights, ", ", offset + at.input_biases, ")  W_hh^T[", hidden, "][", gates,
           "]: weight_hh_l0 transposed");
    c.line("[", offset + at.input_biases, ", ", offset + at.hidden_biases, ")  b_ih[", gates, "]");
    c.line("[", offset + at.hidden_biases, ", ", offset + at.count, ")  b_hh[", gates, "]");
}

// dW += d v^T and db += d, W stored column by column.
template <std::size_t Rows, std::size_t Cols, class T>
inline void accumulate_gate_gradients(const T* d, const T* v, T* dwt, T* db) {
    for (std::size_t k = 0; k < Rows; ++k) db[k] += d[k];
    for (std::size_t i = 0; i < Cols; ++i)
        for (std::size_t k = 0; k < Rows; ++k) dwt[i * Rows + k] = multiply_add(d[k], v[i], dwt[i * Rows + k]);
}

template <emit::writer W>
void emit_accumulate_gate_gradients(W& c, std::size_t rows, std::size_t cols, std::string_view d, std::string_view v,
                                    std::string_view dw, std::string_view db) {
    c.line("for (size_t k = 0; k < ", rows, "; ++k) ", db, "[k] += ", d, "[k];");
    c.open("for (size_t i = 0; i < ", cols, "; ++i)");
    c.line("for (size_t k = 0; k < ", rows, "; ++k) ", dw, "[i * ", rows, " + k] = CTNN_MULTIPLY_ADD(", d, "[k], ", v,
           "[i], ", dw, "[i * ", rows, " + k]);");
    c.close();
}

// out[i] = start[i] + sum_k W[k][i] d[k] (start null: 0), in row order: column i of W is row i of
// wt. out may be start.
template <std::size_t Rows, std::size_t Cols, class T>
inline void transposed_products(const T* wt, const T* d, const T* start, T* out) {
    for (std::size_t i = 0; i < Cols; ++i) {
        T acc = start != nullptr ? start[i] : T(0);
        for (std::size_t k = 0; k < Rows; ++k) acc = multiply_add(wt[i * Rows + k], d[k], acc);
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
    c.line("for (size_t k = 0; k < ", rows, "; ++k) acc = CTNN_MULTIPLY_ADD(", w, "[i * ", rows, " + k], ", d, "[k], acc);");
    c.line(out, "[i] = acc;");
    c.close();
}

}  // namespace ctnn::detail
