// ctnn/layers/softmax.hpp: exp(x_i) / sum_j exp(x_j) over the last dimension.
#pragma once
#include <cstddef>
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/layers/vector_exp.hpp>
#include <ctnn/shape.hpp>

namespace ctnn {

struct softmax {
    static constexpr std::string_view name = "softmax";

    template <class In, std::size_t Position>
    struct bind {
        using layer = softmax;
        using input_shape = In;
        using output_shape = In;
        static constexpr std::size_t param_count = 0;
        // Normalised over the last (channel) dimension: one distribution per position.
        static constexpr std::size_t classes = In::dims[In::rank - 1];
        static constexpr std::size_t groups = In::size / classes;
        static constexpr std::size_t flops = 6 * In::size;
        // Over a sequence (steps, classes) each row is its own distribution: it streams.
        static constexpr bool time_local = In::rank == 2;

        // Subtracting the maximum keeps exp() finite for any finite input. Float uses ctnn's
        // vectorisable exp (relative error below 1.5e-7, tested): with the C library's, a
        // distribution's values are computed one call at a time.
        template <class T>
        static void forward(const T*, const T* x, T* y, std::size_t batch) {
            for (std::size_t g = 0; g < batch * groups; ++g) {
                const T* xg = x + g * classes;
                T* yg = y + g * classes;
                T largest = xg[0];
                for (std::size_t i = 1; i < classes; ++i) largest = xg[i] > largest ? xg[i] : largest;
                T total = T(0);
                for (std::size_t i = 0; i < classes; ++i) {
                    yg[i] = detail::exp_of(xg[i] - largest);
                    total += yg[i];
                }
                for (std::size_t i = 0; i < classes; ++i) yg[i] /= total;
            }
        }

        // dx_i = y_i * (dy_i - sum_j dy_j y_j)
        template <class T>
        static void backward(const T*, const T*, const T* y, const T* dy, T* dx, T*, std::size_t batch) {
            if (dx == nullptr) return;
            for (std::size_t g = 0; g < batch * groups; ++g) {
                const std::size_t base = g * classes;
                T dot = T(0);
                for (std::size_t i = 0; i < classes; ++i) dot += dy[base + i] * y[base + i];
                for (std::size_t i = 0; i < classes; ++i)
                    dx[base + i] = y[base + i] * (dy[base + i] - dot);
            }
        }

        // Generated C (ctnn-gen), one sample: the loops above. Forward reads each input before it
        // writes the same position, backward finishes the dot product before it writes: both may
        // work in place.
        static constexpr emit::layer_traits emit_traits{
            .forward_in_place = true, .backward_in_place = true, .backward_reads_output = true};

        template <emit::writer W>
        static void emit_prelude(W& c) {
            detail::emit_vector_exp_function(c);
        }

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            c.line("const float *src = ", b.x, ";");
            c.line("float *dst = ", b.y, ";");
            open_group(c);
            c.put("const float *xg = src");
            put_group_offset(c);
            c.line(";");
            c.put("float *yg = dst");
            put_group_offset(c);
            c.line(";");
            c.line("float largest = xg[0];");
            c.line("float total = 0.0f;");
            if constexpr (classes > 1)
                c.line("for (size_t i = 1; i < ", classes, "; ++i) largest = xg[i] > largest ? xg[i] : largest;");
            c.open("for (size_t i = 0; i < ", classes, "; ++i)");
            c.line("yg[i] = ctnn_vector_exp(xg[i] - largest);");
            c.line("total += yg[i];");
            c.close();
            c.line("for (size_t i = 0; i < ", classes, "; ++i) yg[i] /= total;");
            c.close();
        }

        template <emit::writer W>
        static void emit_backward(W& c, const emit::backward_buffers& b) {
            if (b.dx_optional) c.open("if (", b.dx, " != NULL)");
            c.line("const float *dst = ", b.y, ";");
            c.line("const float *g_out = ", b.dy, ";");
            c.line("float *g_in = ", b.dx, ";");
            open_group(c);
            if constexpr (groups > 1)
                c.line("const size_t base = g * ", classes, ";");
            else
                c.line("const size_t base = 0;");
            c.line("float dot = 0.0f;");
            c.line("for (size_t i = 0; i < ", classes, "; ++i) dot += g_out[base + i] * dst[base + i];");
            c.line("for (size_t i = 0; i < ", classes,
                   "; ++i) g_in[base + i] = dst[base + i] * (g_out[base + i] - dot);");
            c.close();
            if (b.dx_optional) c.close();
        }

    private:
        // One distribution per group: a loop over the groups, or a plain block when there is one.
        template <emit::writer W>
        static void open_group(W& c) {
            if constexpr (groups > 1)
                c.open("for (size_t g = 0; g < ", groups, "; ++g)");
            else
                c.open("");
        }
        template <emit::writer W>
        static void put_group_offset(W& c) {
            if constexpr (groups > 1) c.put(" + g * ", classes);
        }
    };
};

}  // namespace ctnn
