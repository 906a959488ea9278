// ctnn/layers/view.hpp: the shared body of layers that only give the same values another shape
// (flatten, reshape): forward and backward are copies, and the generator shares the storage.
#pragma once
#include <cstddef>

#include <ctnn/emit/c.hpp>

namespace ctnn::detail {

template <class Layer, class In, class Out>
struct view_layer {
    using layer = Layer;
    using input_shape = In;
    using output_shape = Out;
    static constexpr std::size_t param_count = 0;
    static constexpr std::size_t flops = 0;
    // Training runs neither pass below: the workspace shares the storage (ctnn/view_storage.hpp).
    static constexpr bool shares_storage = true;

    template <class T>
    static void forward(const T*, const T* x, T* y, std::size_t batch) {
        for (std::size_t i = 0; i < batch * In::size; ++i) y[i] = x[i];
    }
    template <class T>
    static void backward(const T*, const T*, const T*, const T* dy, T* dx, T*, std::size_t batch) {
        if (dx != nullptr)
            for (std::size_t i = 0; i < batch * In::size; ++i) dx[i] = dy[i];
    }

    // Generated C (ctnn-gen): a copy, so the generator shares the storage instead; the loops
    // below only run where a copy cannot be avoided (x to y when nothing else computes y).
    static constexpr emit::layer_traits emit_traits{
        .pass_through = true, .forward_in_place = true, .backward_in_place = true};

    template <emit::writer W>
    static void emit_forward(W& c, const emit::forward_buffers& b) {
        c.line("const float *src = ", b.x, ";");
        c.line("float *dst = ", b.y, ";");
        c.line("for (size_t i = 0; i < ", In::size, "; ++i) dst[i] = src[i];");
    }
    template <emit::writer W>
    static void emit_backward(W& c, const emit::backward_buffers& b) {
        if (b.dx_optional) c.open("if (", b.dx, " != NULL)");
        c.line("const float *g_out = ", b.dy, ";");
        c.line("float *g_in = ", b.dx, ";");
        c.line("for (size_t i = 0; i < ", In::size, "; ++i) g_in[i] = g_out[i];");
        if (b.dx_optional) c.close();
    }
};

}  // namespace ctnn::detail
