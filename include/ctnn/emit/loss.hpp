// ctnn/emit/loss.hpp: the losses of ctnn/loss/*.hpp written as C99, for ctnn-gen.
//
// Each emitter writes the body of
//     static float <model>_loss(const float *y, const float *target, float *dy, float scale)
// that repeats Loss::evaluate<N>(y, target, dy, scale) statement for statement, as ctnn::trainer
// calls it: it returns the loss of one sample and writes scale * dL/dy to dy. For
// softmax_cross_entropy, y holds the logits that enter the final softmax, one distribution per
// `classes` values (the output's last dimension), and dy receives dL/d(logits).
//
// The maths these repeat lives in ctnn/loss/*.hpp: change both together (the generator's
// property test compares them bit for bit).
#pragma once
#include <cstddef>

#include <ctnn/emit/c.hpp>
#include <ctnn/loss/binary_cross_entropy.hpp>
#include <ctnn/loss/mse.hpp>
#include <ctnn/loss/softmax_cross_entropy.hpp>

namespace ctnn::emit {

// Reached for a loss without a C emitter: add a specialisation below, beside the others.
template <class Loss>
struct loss_emitter;

template <>
struct loss_emitter<mse> {
    template <writer W>
    static void body(W& c, std::size_t n, std::size_t /*classes*/) {
        c.line("float total = 0.0f;");
        c.open("for (size_t i = 0; i < ", n, "; ++i)");
        c.line("const float diff = y[i] - target[i];");
        c.line("total += diff * diff;");
        c.line("dy[i] = scale * 2.0f * diff / ", real{double(n)}, ";");
        c.close();
        c.line("return total / ", real{double(n)}, ";");
    }
};

template <>
struct loss_emitter<binary_cross_entropy> {
    template <writer W>
    static void body(W& c, std::size_t n, std::size_t /*classes*/) {
        c.line("float total = 0.0f;");
        c.open("for (size_t i = 0; i < ", n, "; ++i)");
        c.line("const float log_y_raw = logf(y[i]);");
        c.line("const float log_y = log_y_raw < -100.0f ? -100.0f : log_y_raw;");
        c.line("const float log_not_y_raw = logf(1.0f - y[i]);");
        c.line("const float log_not_y = log_not_y_raw < -100.0f ? -100.0f : log_not_y_raw;");
        c.line("float denominator;");
        c.line("total -= target[i] * log_y + (1.0f - target[i]) * log_not_y;");
        c.line("denominator = y[i] * (1.0f - y[i]);");
        c.line("if (denominator < ", real{1e-12}, ") denominator = ", real{1e-12}, ";");
        c.line("dy[i] = scale * (y[i] - target[i]) / denominator / ", real{double(n)}, ";");
        c.close();
        c.line("return total / ", real{double(n)}, ";");
    }
};

template <>
struct loss_emitter<softmax_cross_entropy> {
    // One distribution per `classes` logits, as the trainer's evaluate<N, T, Classes>.
    template <writer W>
    static void body(W& c, std::size_t n, std::size_t classes) {
        const std::size_t groups = n / classes;
        c.line("float total = 0.0f;");
        if (groups > 1)
            c.open("for (size_t g = 0; g < ", groups, "; ++g)");
        else
            c.open("");
        if (groups > 1) {
            c.line("const float *zg = y + g * ", classes, ";");
            c.line("const float *tg = target + g * ", classes, ";");
            c.line("float *dg = dy + g * ", classes, ";");
        } else {
            c.line("const float *zg = y;");
            c.line("const float *tg = target;");
            c.line("float *dg = dy;");
        }
        c.line("float largest = zg[0];");
        c.line("float exps[", classes, "];");
        c.line("float exp_total = 0.0f;");
        c.line("float log_total;");
        c.line("float target_total = 0.0f;");
        if (classes > 1)
            c.line("for (size_t i = 1; i < ", classes, "; ++i) largest = zg[i] > largest ? zg[i] : largest;");
        c.open("for (size_t i = 0; i < ", classes, "; ++i)");
        // ctnn_vector_exp is defined by the final softmax's prelude, which this loss requires.
        c.line("exps[i] = ctnn_vector_exp(zg[i] - largest);");
        c.line("exp_total += exps[i];");
        c.close();
        c.line("log_total = logf(exp_total);");
        c.open("for (size_t i = 0; i < ", classes, "; ++i)");
        c.line("target_total += tg[i];");
        c.line("total += tg[i] * (log_total - (zg[i] - largest));");
        c.close();
        c.line("for (size_t i = 0; i < ", classes, "; ++i)");
        c.line("    dg[i] = scale * (exps[i] / exp_total * target_total - tg[i]) / ", real{double(groups)},
               ";");
        c.close();
        c.line("return total / ", real{double(groups)}, ";");
    }
};

}  // namespace ctnn::emit
