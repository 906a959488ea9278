// ctnn/optim/in_place_descent.hpp: plain gradient descent (p -= rate * g) applied by the backward
// pass itself, each layer's parameters as soon as their gradients are final.
//
// Why: after a separate backward pass, the update reads every gradient and parameter again and
// writes the parameters back (M2: 109k parameters, about 12 us of a 170 us step). A layer whose
// kernel holds a block of gradients in registers (ctnn::dense) updates the parameters from there
// instead and does not store those gradients; the others are updated right after their backward,
// while their gradients are still in cache. No layer reads its parameters after its own backward
// (dL/dx comes first), so the parameters and their bits are those of the separate pass.
#pragma once
#include <cstddef>
#include <type_traits>

#include <ctnn/sample_lanes.hpp>

namespace ctnn::detail {

template <class T>
struct in_place_descent {
    T rate;
    T* params;       // the model's parameters
    const T* grads;  // the model's gradients: the same layout

    // The parameter that gradient slot g belongs to.
    T* parameter_of(const T* g) const { return params + (g - grads); }

    // Parameters [g, g + count) of the gradients already written there.
    void descend(const T* g, std::size_t count) const {
        T* __restrict p = parameter_of(g);
        const T* __restrict from = g;
        const T r = rate;
        for (std::size_t i = 0; i < count; ++i) p[i] -= r * from[i];
    }
};

// Where a kernel puts a final gradient value (or vector of values) that belongs in slot g: the
// gradients themselves ...
struct store_gradient {
    static constexpr bool in_place = false;
    template <class T>
    void operator()(T* g, T value) const {
        *g = value;
    }
#if defined(CTNN_SAMPLE_LANES)
    void operator()(float* g, lanes::vec value) const { lanes::store(g, value); }
#endif
};

// ... or the parameter it belongs to, descended by it (the gradient is not stored). Each slot
// must then be reached once: kernels whose blocks overlap write some gradients twice.
template <class T>
struct descend_parameter {
    static constexpr bool in_place = true;
    in_place_descent<T> descent;
    void operator()(T* g, T value) const {
        T* p = descent.parameter_of(g);
        *p -= descent.rate * value;
    }
#if defined(CTNN_SAMPLE_LANES)
    void operator()(float* g, lanes::vec value) const
        requires std::is_same_v<T, float>
    {
        float* p = descent.parameter_of(g);
        lanes::store(p, lanes::load(p) - lanes::broadcast(descent.rate) * value);
    }
#endif
};

}  // namespace ctnn::detail
