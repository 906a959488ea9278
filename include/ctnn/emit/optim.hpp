// ctnn/emit/optim.hpp: the optimizers of ctnn/optim/*.hpp written as C99, for ctnn-gen.
//
// Each emitter writes the fields of the optimizer's state struct (named as the C++ members) and
// the body of `void <model>_<optimizer>_step(<state> *state, float *params, const float *grads)`,
// which repeats Optimizer::step statement for statement over `n` parameters.
#pragma once
#include <cstddef>
#include <limits>

#include <ctnn/emit/c.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/optim/parameter_loop.hpp>
#include <ctnn/optim/sgd.hpp>

namespace ctnn::emit {

inline constexpr double smallest_normal = std::numeric_limits<float>::min();

// Stands in for a model when only the optimizers' default settings are wanted.
struct optimizer_defaults_model {
    static constexpr std::size_t param_count = 1;
};

// Reached for an optimizer without a C emitter: add a specialisation below, beside the others.
template <template <class, class> class Optimizer>
struct optimizer_emitter;

// restrict for both optimizers' loops, in C and in C++ (the buffers of one step never overlap, as
// the generated header says).
template <writer W>
void emit_restrict_definition(W& c) {
    c.line("/* restrict in C99, its GNU spelling in C++: the buffers of one call never overlap. */");
    define_unless_defined(c, "CTNN_RESTRICT", "defined(__cplusplus)", "__restrict", "restrict");
}

// ctnn::detail::vector_float and its square root (target_vector.hpp, math.hpp) where the header
// has them: 16 floats with AVX-512, 8 with AVX, 4 with SSE2. Only for a model that uses them:
// clang warns about unused static functions, inline ones included.
template <writer W>
void emit_float_vector_definition(W& c) {
    c.line("/* ctnn::detail::vector_float (ctnn/target_vector.hpp): one register of floats, with a square");
    c.line("   root that sets no errno (ctnn/math.hpp), so that Adam's loop vectorises without");
    c.line("   -fno-math-errno. */");
    c.line("#if defined(__GNUC__) && !defined(CTNN_FLOAT_VECTOR)");
    c.line("#if defined(__AVX512F__)");
    c.line("#include <immintrin.h>");
    c.line("#define CTNN_FLOAT_VECTOR 16");
    c.line("typedef float ctnn_float_vector __attribute__((vector_size(64)));");
    c.line("typedef int ctnn_int_vector __attribute__((vector_size(64)));");
    c.line("/* every lane on: _mm512_sqrt_ps's undefined pass-through draws a warning from GCC 12 */");
    c.line("static inline ctnn_float_vector ctnn_sqrt_vector(ctnn_float_vector x)");
    c.line("{");
    c.line("    return (ctnn_float_vector)_mm512_mask_sqrt_ps((__m512)x, 0xFFFF, (__m512)x);");
    c.line("}");
    c.line("#elif defined(__AVX__)");
    c.line("#define CTNN_FLOAT_VECTOR 8");
    c.line("typedef float ctnn_float_vector __attribute__((vector_size(32)));");
    c.line("typedef int ctnn_int_vector __attribute__((vector_size(32)));");
    c.line("static inline ctnn_float_vector ctnn_sqrt_vector(ctnn_float_vector x) { return __builtin_ia32_sqrtps256(x); }");
    c.line("#elif defined(__SSE2__)");
    c.line("#define CTNN_FLOAT_VECTOR 4");
    c.line("typedef float ctnn_float_vector __attribute__((vector_size(16)));");
    c.line("typedef int ctnn_int_vector __attribute__((vector_size(16)));");
    c.line("static inline ctnn_float_vector ctnn_sqrt_vector(ctnn_float_vector x) { return __builtin_ia32_sqrtps(x); }");
    c.line("#endif");
    c.line("#if defined(CTNN_FLOAT_VECTOR)");
    c.line("static inline ctnn_float_vector ctnn_load_vector(const float *p)");
    c.line("{");
    c.line("    ctnn_float_vector v;");
    c.line("    __builtin_memcpy(&v, p, sizeof v);");
    c.line("    return v;");
    c.line("}");
    c.line("static inline void ctnn_store_vector(float *p, ctnn_float_vector v) { __builtin_memcpy(p, &v, sizeof v); }");
    c.line("/* ctnn::detail::zero_if_subnormal (ctnn/optim/subnormal.hpp), lane by lane */");
    c.line("static inline ctnn_float_vector ctnn_zero_if_subnormal_vector(ctnn_float_vector x)");
    c.line("{");
    c.line("    const ctnn_int_vector small = (x < ", real{smallest_normal}, ") & (x > ", real{-smallest_normal}, ");");
    c.line("    return (ctnn_float_vector)((ctnn_int_vector)x & ~small);");
    c.line("}");
    c.line("#endif");
    c.line("#endif");
}

// ctnn::detail::zero_if_subnormal for one float: the optimizers' state that would be subnormal is
// +0, as in the header (ctnn/optim/subnormal.hpp). Emitted once, before both optimizers' helpers.
template <writer W>
void emit_zero_if_subnormal_function(W& c) {
    c.line("/* ctnn::detail::zero_if_subnormal (ctnn/optim/subnormal.hpp): optimizer state below the smallest");
    c.line("   normal float is +0, or it would decay into subnormal values, slow on many cores, and stay there. */");
    guarded_function(c, "CTNN_ZERO_IF_SUBNORMAL_V1", "static inline float ctnn_zero_if_subnormal(float x)", [&] {
        c.line("return ((x < ", real{smallest_normal}, ") & (x > ", real{-smallest_normal}, ")) ? 0.0f : x;");
    });
}

template <>
struct optimizer_emitter<sgd> {
    template <writer W>
    static void fields(W& c, std::string_view count) {
        c.line("float learning_rate;");
        c.line("float momentum;");
        c.line("float velocity[", count, "];");
    }

    // An initializer list for the state: the settings given, the velocity zero.
    template <writer W>
    static void initializer(W& c) {
        c.put("{(learning_rate), (momentum), {0.0f}}");
    }

    // sgd::descend's two overloads, static functions named <prefix>_sgd_descend{,_momentum}.
    template <writer W>
    static void helpers(W& c, std::string_view prefix) {
        c.line("/* ctnn::sgd::descend (ctnn/optim/sgd.hpp) over [begin, end): restrict arrays and the rates");
        c.line("   by value, or each store might change them and no loop vectorises. */");
        c.open("static void ", prefix, "_sgd_descend(float *CTNN_RESTRICT p, const float *CTNN_RESTRICT g, ",
               "float rate, size_t begin, size_t end)");
        c.line("for (size_t i = begin; i < end; ++i) p[i] -= rate * g[i];");
        c.close();
        c.open("static void ", prefix, "_sgd_descend_momentum(float *CTNN_RESTRICT p, const float *CTNN_RESTRICT g, ",
               "float *CTNN_RESTRICT v, float rate, float keep, size_t begin, size_t end)");
        c.open("for (size_t i = begin; i < end; ++i)");
        c.line("v[i] = ctnn_zero_if_subnormal(keep * v[i] + g[i]);");
        c.line("p[i] -= rate * v[i];");
        c.close();
        c.close();
    }

    // sgd::step: without momentum the velocity is left alone. Each loop is split where
    // ctnn::detail::vector_loop_extent splits it.
    template <writer W>
    static void step(W& c, std::string_view prefix, std::size_t n) {
        const std::size_t whole = detail::vector_loop_extent(n);
        c.open("if (state->momentum == 0.0f)");
        c.line(prefix, "_sgd_descend(params, grads, state->learning_rate, 0, ", whole, ");");
        c.line(prefix, "_sgd_descend(params, grads, state->learning_rate, ", whole, ", ", n, ");");
        c.line("return;");
        c.close();
        c.line(prefix, "_sgd_descend_momentum(params, grads, state->velocity, state->learning_rate, state->momentum, 0, ",
               whole, ");");
        c.line(prefix, "_sgd_descend_momentum(params, grads, state->velocity, state->learning_rate, state->momentum, ",
               whole, ", ", n, ");");
    }
};

template <>
struct optimizer_emitter<adam> {
    template <writer W>
    static void fields(W& c, std::string_view count) {
        c.line("float learning_rate;");
        c.line("float beta1;");
        c.line("float beta2;");
        c.line("float epsilon;");
        c.line("float first_moment[", count, "];");
        c.line("float second_moment[", count, "];");
        c.line("float beta1_power; /* beta1^t, starts at 1 */");
        c.line("float beta2_power; /* beta2^t, starts at 1 */");
    }

    // An initializer list for the state: the learning rate given, the other settings at the
    // defaults of ctnn::adam, the moments zero.
    template <writer W>
    static void initializer(W& c) {
        constexpr adam<optimizer_defaults_model, float> defaults{};
        c.put("{(learning_rate), ", real{defaults.beta1}, ", ", real{defaults.beta2}, ", ", real{defaults.epsilon},
              ", {0.0f}, {0.0f}, ", real{defaults.beta1_power}, ", ", real{defaults.beta2_power}, "}");
    }

    // adam::descend as <prefix>_adam_descend: a vector_float at a time where the header uses them,
    // then one at a time, with update's three statements for both.
    template <writer W>
    static void helpers(W& c, std::string_view prefix, std::size_t n) {
        const std::size_t whole = detail::vector_loop_extent(n);
        if (whole > 0) {
            emit_float_vector_definition(c);
            c.end_line();
        }
        c.line("/* ctnn::adam::descend (ctnn/optim/adam.hpp): restrict arrays and the rates by value, or each");
        c.line("   store might change them and no loop vectorises. */");
        c.open("static void ", prefix, "_adam_descend(float *CTNN_RESTRICT p, const float *CTNN_RESTRICT g, ",
               "float *CTNN_RESTRICT m, float *CTNN_RESTRICT v, float beta1, float beta2, float epsilon, ",
               "float step_size, float correction2_root)");
        c.line("size_t i = 0;");
        if (whole > 0) {
            c.line("#if defined(CTNN_FLOAT_VECTOR)");
            c.open("for (; i < ", whole, "; i += CTNN_FLOAT_VECTOR)");
            c.line("const ctnn_float_vector gi = ctnn_load_vector(g + i);");
            c.line("ctnn_float_vector pi = ctnn_load_vector(p + i), mi = ctnn_load_vector(m + i), "
                   "vi = ctnn_load_vector(v + i);");
            update(c, "ctnn_sqrt_vector", "ctnn_zero_if_subnormal_vector");
            c.line("ctnn_store_vector(p + i, pi);");
            c.line("ctnn_store_vector(m + i, mi);");
            c.line("ctnn_store_vector(v + i, vi);");
            c.close();
            c.line("#endif");
        }
        c.open("for (; i < ", n, "; ++i)");
        c.line("const float gi = g[i];");
        c.line("float pi = p[i], mi = m[i], vi = v[i];");
        update(c, "sqrtf", "ctnn_zero_if_subnormal");
        c.line("p[i] = pi;");
        c.line("m[i] = mi;");
        c.line("v[i] = vi;");
        c.close();
        c.close();
    }

    template <writer W>
    static void step(W& c, std::string_view prefix, std::size_t) {
        c.line("float step_size;");
        c.line("float correction2_root;");
        c.line("/* b^t stops once 1 - b^t rounds to 1, short of subnormal values (ctnn::adam::negligible_power) */");
        for (const char* which : {"1", "2"})
            c.line("if (state->beta", which, "_power > ", real{adam<optimizer_defaults_model, float>::negligible_power},
                   " || state->beta", which, "_power < ", real{-adam<optimizer_defaults_model, float>::negligible_power},
                   ") state->beta", which, "_power *= state->beta", which, ";");
        c.line("step_size = state->learning_rate / (1.0f - state->beta1_power);");
        c.line("correction2_root = sqrtf(1.0f - state->beta2_power);");
        c.line(prefix, "_adam_descend(params, grads, state->first_moment, state->second_moment, state->beta1, ",
               "state->beta2, state->epsilon, step_size, correction2_root);");
    }

private:
    // adam::update, statement for statement.
    template <writer W>
    static void update(W& c, std::string_view square_root, std::string_view zero_if_subnormal) {
        c.line("mi = ", zero_if_subnormal, "(beta1 * mi + (1.0f - beta1) * gi);");
        c.line("vi = ", zero_if_subnormal, "(beta2 * vi + (1.0f - beta2) * gi * gi);");
        c.line("pi = pi - step_size * mi / (", square_root, "(vi) / correction2_root + epsilon);");
    }
};

}  // namespace ctnn::emit
