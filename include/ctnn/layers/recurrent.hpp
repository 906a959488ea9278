// ctnn/layers/recurrent.hpp: the matrix products gru and lstm share, in C++ and as C.
//
// Gates are computed as W v + b for W [rows][cols] row-major (PyTorch's weight_ih / weight_hh);
// backward adds outer products to the gradients and runs W^T through the gate gradients. Each
// C++ loop has its emitter next to it, written token for token, so both paths give the same bits.
#pragma once
#include <cstddef>
#include <string_view>

#include <ctnn/emit/c.hpp>

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
