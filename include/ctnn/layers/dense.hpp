// ctnn/layers/dense.hpp: fully connected layer, y = W x + b.
#pragma once
#include <cstddef>
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/error.hpp>
#include <ctnn/initializer.hpp>
#include <ctnn/shape.hpp>

namespace ctnn {

// Parameter layout, matching PyTorch's nn.Linear one to one:
// W as [Units][In::size] row-major, then b as [Units].
template <std::size_t Units>
struct dense {
    static constexpr std::string_view name = "dense";

    template <class In, std::size_t Position>
    struct bind {
        struct requirements {
            static_assert(error::check<Units != 0, error::at_layer<Position>>,
                          "ctnn::dense<0> has no outputs: give it at least one unit");
            static_assert(error::check<In::rank == 1, error::at_layer<Position>, error::expects_rank<1>,
                                       error::got_shape<In>>,
                          "ctnn::dense needs a rank-1 input: insert ctnn::flatten before it");
        };

        using layer = dense;
        using input_shape = In;
        using output_shape = shape<Units>;
        static constexpr std::size_t inputs = In::size;
        static constexpr std::size_t param_count = inputs * Units + Units;
        static constexpr std::size_t flops = 2 * inputs * Units;

        template <class T>
        static void initialize(T* params, random_generator& rng, initializer scheme) {
            draw_weights(params, inputs * Units, rng, scheme, inputs, Units);
            for (std::size_t j = 0; j < Units; ++j) params[inputs * Units + j] = T(0);
        }

        // The bias starts the sum, then products are added in input order; generated C keeps this order.
        template <class T>
        static void forward(const T* params, const T* x, T* y, std::size_t batch) {
            const T* w = params;
            const T* b = params + inputs * Units;
            for (std::size_t s = 0; s < batch; ++s, x += inputs, y += Units) {
                for (std::size_t j = 0; j < Units; ++j) {
                    T acc = b[j];
                    for (std::size_t i = 0; i < inputs; ++i) acc += w[j * inputs + i] * x[i];
                    y[j] = acc;
                }
            }
        }

        // Parameter gradients accumulate (+=), sample after sample, so a batch gives the same sums
        // as one call per sample. dx is overwritten, and skipped when null (the first layer has
        // nobody to pass it to).
        template <class T>
        static void backward(const T* params, const T* x, const T* /*y*/, const T* dy, T* dx, T* dparams,
                             std::size_t batch) {
            T* dw = dparams;
            T* db = dparams + inputs * Units;
            const T* w = params;
            for (std::size_t s = 0; s < batch; ++s, x += inputs, dy += Units) {
                for (std::size_t j = 0; j < Units; ++j) {
                    db[j] += dy[j];
                    for (std::size_t i = 0; i < inputs; ++i) dw[j * inputs + i] += dy[j] * x[i];
                }
                if (dx == nullptr) continue;
                for (std::size_t i = 0; i < inputs; ++i) {
                    T acc = T(0);
                    for (std::size_t j = 0; j < Units; ++j) acc += w[j * inputs + i] * dy[j];
                    dx[i] = acc;
                }
                dx += inputs;
            }
        }

        // Generated C (ctnn-gen), one sample: the loops of forward and backward above, in the same
        // order, so both paths give the same bits.
        static constexpr emit::layer_traits emit_traits{.backward_reads_input = true};

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            c.line("const float *w = ", b.params, ";");
            c.line("const float *bias = w + ", inputs * Units, ";");
            c.line("const float *src = ", b.x, ";");
            c.line("float *dst = ", b.y, ";");
            c.open("for (size_t j = 0; j < ", Units, "; ++j)");
            c.line("float acc = bias[j];");
            c.line("for (size_t i = 0; i < ", inputs, "; ++i) acc += w[j * ", inputs, " + i] * src[i];");
            c.line("dst[j] = acc;");
            c.close();
        }

        template <emit::writer W>
        static void emit_backward(W& c, const emit::backward_buffers& b) {
            c.line("const float *src = ", b.x, ";");
            c.line("const float *g_out = ", b.dy, ";");
            c.line("float *g_w = ", b.dparams, ";");
            c.line("float *g_b = g_w + ", inputs * Units, ";");
            c.open("for (size_t j = 0; j < ", Units, "; ++j)");
            c.line("g_b[j] += g_out[j];");
            c.line("for (size_t i = 0; i < ", inputs, "; ++i) g_w[j * ", inputs, " + i] += g_out[j] * src[i];");
            c.close();
            if (b.dx_optional) c.open("if (", b.dx, " != NULL)");
            c.line("const float *w = ", b.params, ";");
            c.line("float *g_in = ", b.dx, ";");
            c.open("for (size_t i = 0; i < ", inputs, "; ++i)");
            c.line("float acc = 0.0f;");
            c.line("for (size_t j = 0; j < ", Units, "; ++j) acc += w[j * ", inputs, " + i] * g_out[j];");
            c.line("g_in[i] = acc;");
            c.close();
            if (b.dx_optional) c.close();
        }

        // One line per parameter block, for the generated header's documentation.
        template <emit::writer W>
        static void emit_param_layout(W& c, std::size_t offset) {
            c.line("[", offset, ", ", offset + inputs * Units, ")  W[", Units, "][", inputs,
                   "], row-major: W[j][i] weighs input i in unit j");
            c.line("[", offset + inputs * Units, ", ", offset + param_count, ")  b[", Units, "]");
        }
    };
};

}  // namespace ctnn
