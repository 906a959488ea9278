// ctnn/emit/optim.hpp: the optimizers of ctnn/optim/*.hpp written as C99, for ctnn-gen.
//
// Each emitter writes the fields of the optimizer's state struct (named as the C++ members) and
// the body of `void <model>_<optimizer>_step(<state> *state, float *params, const float *grads)`,
// which repeats Optimizer::step statement for statement over `n` parameters.
#pragma once
#include <cstddef>

#include <ctnn/emit/c.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/optim/sgd.hpp>

namespace ctnn::emit {

// Stands in for a model when only the optimizers' default settings are wanted.
struct optimizer_defaults_model {
    static constexpr std::size_t param_count = 1;
};

// Reached for an optimizer without a C emitter: add a specialisation below, beside the others.
template <template <class, class> class Optimizer>
struct optimizer_emitter;

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

    // sgd::step's two loops: without momentum the velocity is left alone.
    template <writer W>
    static void step(W& c, std::size_t n) {
        c.open("if (state->momentum == 0.0f)");
        c.line("for (size_t i = 0; i < ", n, "; ++i) params[i] -= state->learning_rate * grads[i];");
        c.line("return;");
        c.close();
        c.open("for (size_t i = 0; i < ", n, "; ++i)");
        c.line("state->velocity[i] = state->momentum * state->velocity[i] + grads[i];");
        c.line("params[i] -= state->learning_rate * state->velocity[i];");
        c.close();
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

    template <writer W>
    static void step(W& c, std::size_t n) {
        c.line("float step_size;");
        c.line("float correction2_root;");
        c.line("state->beta1_power *= state->beta1;");
        c.line("state->beta2_power *= state->beta2;");
        c.line("step_size = state->learning_rate / (1.0f - state->beta1_power);");
        c.line("correction2_root = sqrtf(1.0f - state->beta2_power);");
        c.open("for (size_t i = 0; i < ", n, "; ++i)");
        c.line("const float g = grads[i];");
        c.line("float denominator;");
        c.line("state->first_moment[i] = state->beta1 * state->first_moment[i] + (1.0f - state->beta1) * g;");
        c.line("state->second_moment[i] = state->beta2 * state->second_moment[i] + (1.0f - state->beta2) * g * g;");
        c.line("denominator = sqrtf(state->second_moment[i]) / correction2_root + state->epsilon;");
        c.line("params[i] -= step_size * state->first_moment[i] / denominator;");
        c.close();
    }
};

}  // namespace ctnn::emit
