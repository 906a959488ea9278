// ctnn/optim/in_place_descent.hpp: SGD's step (ctnn/optim/sgd.hpp, with or without momentum)
// applied by the backward pass itself, each layer's parameters as soon as their gradients are final.
//
// Why: after a separate backward pass, the update reads every gradient and parameter again and
// writes the parameters back (M2: 109k parameters, about 12 us of a 170 us step). Without
// momentum a layer whose kernel holds a block of gradients in registers (ctnn::dense) updates the
// parameters from there and does not store those gradients; other layers, and all with momentum,
// are updated right after their backward, from their stored gradients. No layer reads its
// parameters after its own backward (dL/dx comes first), so the parameters and their bits are
// those of the separate pass. One path for SGD, whatever its momentum: compiling both cost M2's
// training program 24% more compiler instructions, this one 6% (M3 1%).
#pragma once
#include <cstddef>
#include <type_traits>

#include <ctnn/optim/subnormal.hpp>
#include <ctnn/sample_lanes.hpp>

namespace ctnn::detail {

// SGD's step over [begin, end): p -= rate * g, or with momentum v = keep * v + g (+0 where subnormal,
// ctnn/optim/subnormal.hpp); p -= rate * v. Separate restrict arrays and rates by value: otherwise
// each store to a parameter might change the rates or the velocity as far as the compiler knows,
// and GCC 12 -O2 then reloaded them every time and vectorised nothing (M2, batch 64, with
// momentum: 320 -> 200 us a step). Out of line for the same reason: inlined into a training step,
// restrict held no longer and the loop with momentum ran scalar (4x slower).
template <class T>
[[gnu::noinline]] void sgd_descend(T* __restrict p, const T* __restrict g, T rate, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) p[i] -= rate * g[i];
}
template <class T>
[[gnu::noinline]] void sgd_descend(T* __restrict p, const T* __restrict g, T* __restrict v, T rate, T keep,
                                   std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
        v[i] = zero_if_subnormal(keep * v[i] + g[i]);
        p[i] -= rate * v[i];
    }
}

template <class T>
struct in_place_descent {
    T rate;
    T keep;          // momentum: v = keep * v + g; p -= rate * v. With 0, p -= rate * g, v untouched
    T* params;       // the model's parameters
    T* velocity;     // the optimizer's velocities (read only when keep != 0)
    const T* grads;  // the model's gradients: the same layout

    // The parameter that gradient slot g belongs to, and its velocity.
    T* parameter_of(const T* g) const { return params + (g - grads); }
    T* velocity_of(const T* g) const { return velocity + (g - grads); }

    // Parameters [slot, slot + count) by the gradients `g` (in that slot's place).
    void descend(const T* slot, const T* g, std::size_t count) const {
        if (keep == T(0))
            sgd_descend(parameter_of(slot), g, rate, 0, count);
        else
            sgd_descend(parameter_of(slot), g, velocity_of(slot), rate, keep, 0, count);
    }
    // Parameters [g, g + count) by the gradients already written there.
    void descend(const T* g, std::size_t count) const { descend(g, g, count); }
};

// Whether a backward pass was given a descent: without one it passes nullptr.
template <class Descent>
inline constexpr bool descends = !std::is_same_v<Descent, std::nullptr_t>;

// Where a kernel puts the final gradient `value` (a value, or a vector of values) of slot g, at
// `row` and `column` of its block: into the gradients themselves ...
struct store_gradient {
    static constexpr bool in_place = false;
    store_gradient skipping(std::size_t, std::size_t) const { return *this; }
    template <class T>
    void operator()(T* g, T value, std::size_t, std::size_t) const {
        *g = value;
    }
#if defined(CTNN_SAMPLE_LANES)
    void operator()(float* g, lanes::vec value, std::size_t, std::size_t) const { lanes::store(g, value); }
#endif
};

// ... or, without momentum, into the parameter it belongs to, descended by it (the gradient is not
// stored). Blocks that overlap the ones before them (dense_for_each_block) skip the rows and
// columns those covered: a stored gradient is written twice with the same bits, a descent must not
// be. With momentum the gradient is stored and the kernel's caller descends the layer after it,
// which keeps the velocity update out of every kernel: M2's step with momentum 0.9 is B/A
// 1.01-1.02 against the separate step either way (per vector in place: 1.01-1.03; out of line 1.17).
template <class T>
struct descend_parameter {
    static constexpr bool in_place = true;
    in_place_descent<T> descent;
    std::size_t skipped_rows = 0, skipped_columns = 0;

    descend_parameter skipping(std::size_t rows, std::size_t columns) const { return {descent, rows, columns}; }
    bool stores() const { return descent.keep != T(0); }
    // Whether every value of the block descends its parameter: nothing stored, nothing skipped.
    bool descends_all() const { return !stores() && skipped_rows == 0 && skipped_columns == 0; }
    void operator()(T* g, T value, std::size_t row, std::size_t column) const {
        if (stores())
            *g = value;
        else if (row >= skipped_rows && column >= skipped_columns)
            *descent.parameter_of(g) -= descent.rate * value;
    }
#if defined(CTNN_SAMPLE_LANES)
    void operator()(float* g, lanes::vec value, std::size_t row, std::size_t column) const
        requires std::is_same_v<T, float>
    {
        if (stores()) {
            lanes::store(g, value);
        } else if (row < skipped_rows || column + lanes::count <= skipped_columns) {
        } else if (column >= skipped_columns) {
            float* p = descent.parameter_of(g);
            lanes::store(p, lanes::load(p) - lanes::broadcast(descent.rate) * value);
        } else {
            descend_lanes(g, value, skipped_columns - column);
        }
    }

    // A vector whose first `done` lanes a block before covered: out of line, so that the common
    // case above stays small inside the gradient kernels (inlined, M2's step ran 4% slower).
    [[gnu::noinline]] void descend_lanes(float* g, lanes::vec value, std::size_t done) const {
        alignas(64) float values[lanes::count];
        lanes::store(values, value);
        descent.descend(g + done, values + done, lanes::count - done);
    }
#endif
};

}  // namespace ctnn::detail
