// ctnn/layers/dense_kernels.hpp: the loops of ctnn::dense, written so that compilers vectorise
// them without reassociating any sum (ctnn never relies on -ffast-math).
//
// Forward: a dot product over at least dense_lanes inputs is split into dense_lanes partial sums
// (input i goes to lane i % dense_lanes; a lane starts with its first product, then adds the
// others in input order), the lanes are added by
// halving (lane l += lane l + half, half = 8, 4, 2, 1), and the bias comes last. That order is one
// vector of accumulators and a fixed reduction, identical in the generated C (dense.hpp emits it),
// so both paths give the same bits. Narrow layers keep the plain order: bias, then inputs in order.
// Backward: every sum keeps the order of the one-sample loops (weight gradients add the samples in
// order; dL/dx adds the units in order); only the loop nesting changes, so that the innermost loop
// runs over contiguous memory.
#pragma once
#include <cstddef>

namespace ctnn::detail {

inline constexpr std::size_t dense_lanes = 16;

// True when a layer with this many inputs uses the split sum.
constexpr bool dense_splits(std::size_t inputs) { return inputs >= dense_lanes; }

// Rows of W handled together when several samples share them: x is loaded once for all of them,
// and their sums are independent chains, which hides the latency of the additions.
inline constexpr std::size_t dense_row_block = 4;

// lanes[l] += lanes[l + half] for half = Half, Half / 2, ..., 1. One loop per constant half: GCC 12
// does not unroll a loop over `half`, and its generic code cost a third of a one-sample 784x128
// layer; the generated C writes the same loops out (dense.hpp).
template <std::size_t Half, class T>
inline void dense_halve(T* lanes) {
    for (std::size_t l = 0; l < Half; ++l) lanes[l] += lanes[l + Half];
    if constexpr (Half > 1) dense_halve<Half / 2>(lanes);
}

// Rows x Samples sums at once: each vector of W and of x is loaded once for all of them.
template <std::size_t Rows, std::size_t Samples, std::size_t Inputs, std::size_t Units, class T>
inline void dense_split_rows(const T* w, const T* x, const T* bias, T* y) {
    constexpr std::size_t full = Inputs / dense_lanes * dense_lanes;
    T lanes[Samples][Rows][dense_lanes];
    for (std::size_t s = 0; s < Samples; ++s)
        for (std::size_t r = 0; r < Rows; ++r)
            for (std::size_t l = 0; l < dense_lanes; ++l) lanes[s][r][l] = w[r * Inputs + l] * x[s * Inputs + l];
    // GCC 12 otherwise keeps some lanes (all of them for 4 x 4) in memory: unrolling the lane loop
    // first hides the vector from it, and a loop nest left over from s and r gets interchanged.
    for (std::size_t i0 = dense_lanes; i0 < full; i0 += dense_lanes)
#pragma GCC unroll 4
        for (std::size_t s = 0; s < Samples; ++s)
#pragma GCC unroll 4
            for (std::size_t r = 0; r < Rows; ++r)
#pragma GCC unroll 1
                for (std::size_t l = 0; l < dense_lanes; ++l)
                    lanes[s][r][l] += w[r * Inputs + i0 + l] * x[s * Inputs + i0 + l];
    for (std::size_t s = 0; s < Samples; ++s)
        for (std::size_t r = 0; r < Rows; ++r) {
            for (std::size_t l = 0; l < Inputs - full; ++l)
                lanes[s][r][l] += w[r * Inputs + full + l] * x[s * Inputs + full + l];
            dense_halve<dense_lanes / 2>(lanes[s][r]);
            y[s * Units + r] = bias[r] + lanes[s][r][0];
        }
}

// Samples rows of x (Inputs values each) to Samples rows of y (Units values each). One sample
// takes W one row at a time, as the generated C: W is then a single sequential stream, which
// measured faster than dense_row_block rows at once (x is in L1 anyway).
template <std::size_t Samples, std::size_t Inputs, std::size_t Units, class T>
inline void dense_split_samples(const T* w, const T* bias, const T* x, T* y) {
    constexpr std::size_t rows = Samples == 1 ? 1 : dense_row_block;
    constexpr std::size_t blocked = Units / rows * rows;
    for (std::size_t j = 0; j < blocked; j += rows)
        dense_split_rows<rows, Samples, Inputs, Units>(w + j * Inputs, x, bias + j, y + j);
    if constexpr (blocked < Units)
        for (std::size_t j = blocked; j < Units; ++j)
            dense_split_rows<1, Samples, Inputs, Units>(w + j * Inputs, x, bias + j, y + j);
}

// y = W x + b for `count` rows x of Inputs values; W is [Units][Inputs].
template <std::size_t Inputs, std::size_t Units, class T>
inline void dense_forward_rows(const T* w, const T* bias, const T* x, T* y, std::size_t count) {
    if constexpr (!dense_splits(Inputs)) {
        for (std::size_t s = 0; s < count; ++s, x += Inputs, y += Units)
            for (std::size_t j = 0; j < Units; ++j) {
                T acc = bias[j];
                for (std::size_t i = 0; i < Inputs; ++i) acc += w[j * Inputs + i] * x[i];
                y[j] = acc;
            }
    } else {
        constexpr std::size_t samples = 4;
        const std::size_t blocked = count / samples;
        for (std::size_t b = 0; b < blocked; ++b, x += samples * Inputs, y += samples * Units)
            dense_split_samples<samples, Inputs, Units>(w, bias, x, y);
        for (std::size_t s = 0; s < count % samples; ++s, x += Inputs, y += Units)
            dense_split_samples<1, Inputs, Units>(w, bias, x, y);
    }
}

// dW += dy^T x and db += sum of dy over `rows` rows, each element adding the rows in order (as a
// loop over rows outside would). A block of dW stays in registers while the rows stream by.
template <std::size_t Block, std::size_t Width, std::size_t Inputs, std::size_t Units, class T>
inline void dense_gradient_block(const T* x, const T* dy, T* dw, std::size_t i0, std::size_t rows) {
    constexpr std::size_t width = Width;
    T acc[Block][Width];
    for (std::size_t r = 0; r < Block; ++r)
        for (std::size_t l = 0; l < width; ++l) acc[r][l] = dw[r * Inputs + i0 + l];
    for (std::size_t s = 0; s < rows; ++s) {
        const T* xs = x + s * Inputs + i0;
        for (std::size_t r = 0; r < Block; ++r) {
            const T g = dy[s * Units + r];
            for (std::size_t l = 0; l < width; ++l) acc[r][l] += g * xs[l];
        }
    }
    for (std::size_t r = 0; r < Block; ++r)
        for (std::size_t l = 0; l < width; ++l) dw[r * Inputs + i0 + l] = acc[r][l];
}

// Columns [i0, i0 + Width) of dW, all units.
template <std::size_t Width, std::size_t Inputs, std::size_t Units, class T>
inline void dense_gradient_columns(const T* x, const T* dy, T* dw, std::size_t i0, std::size_t rows) {
    constexpr std::size_t block = dense_row_block;
    constexpr std::size_t blocked = Units / block * block;
    for (std::size_t j = 0; j < blocked; j += block)
        dense_gradient_block<block, Width, Inputs, Units>(x, dy + j, dw + j * Inputs, i0, rows);
    if constexpr (blocked < Units)
        for (std::size_t j = blocked; j < Units; ++j)
            dense_gradient_block<1, Width, Inputs, Units>(x, dy + j, dw + j * Inputs, i0, rows);
}

template <std::size_t Inputs, std::size_t Units, class T>
inline void dense_parameter_gradients(const T* x, const T* dy, T* dw, T* db, std::size_t rows) {
    for (std::size_t j = 0; j < Units; ++j)
        for (std::size_t s = 0; s < rows; ++s) db[j] += dy[s * Units + j];
    constexpr std::size_t chunk = 2 * dense_lanes;
    constexpr std::size_t full = Inputs / chunk * chunk;
    for (std::size_t i0 = 0; i0 < full; i0 += chunk) dense_gradient_columns<chunk, Inputs, Units>(x, dy, dw, i0, rows);
    if constexpr (full < Inputs) dense_gradient_columns<Inputs - full, Inputs, Units>(x, dy, dw, full, rows);
}

// dx = W^T dy for one row: each dx[i] is 0 + w[0][i] dy[0] + w[1][i] dy[1] + ... in unit order.
template <std::size_t Inputs, std::size_t Units, class T>
inline void dense_input_gradient_row(const T* w, const T* dy, T* dx) {
    constexpr std::size_t chunk = 4 * dense_lanes;
    for (std::size_t i0 = 0; i0 < Inputs; i0 += chunk) {
        const std::size_t width = Inputs - i0 < chunk ? Inputs - i0 : chunk;
        T acc[chunk] = {};
        for (std::size_t j = 0; j < Units; ++j) {
            const T g = dy[j];
            const T* wj = w + j * Inputs + i0;
            for (std::size_t l = 0; l < width; ++l) acc[l] += wj[l] * g;
        }
        for (std::size_t l = 0; l < width; ++l) dx[i0 + l] = acc[l];
    }
}

}  // namespace ctnn::detail
