// ctnn/layers/dropout.hpp: while training, zero each value with probability Rate and scale the
// rest by 1 / (1 - Rate); at inference, the identity.
#pragma once
#include <algorithm>
#include <cstddef>
#include <ratio>
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/shape.hpp>
#include <ctnn/training_context.hpp>

namespace ctnn {

// The mask is never stored: each value's keep/drop draw is a hash of the step's noise key and the
// value's index, so backward regenerates it exactly and the workspace needs no room for it.
template <class Rate = std::ratio<1, 2>>
struct dropout {
    static_assert(Rate::num >= 0 && Rate::num < Rate::den, "ctnn::dropout: the rate must be in [0, 1)");
    static constexpr std::string_view name = "dropout";
    static constexpr double rate = double(Rate::num) / double(Rate::den);
    static constexpr unsigned long long signature_extra =
        (static_cast<unsigned long long>(Rate::num) << 32) ^ static_cast<unsigned long long>(Rate::den);

    template <class In, std::size_t Position>
    struct bind {
        using layer = dropout;
        using input_shape = In;
        using output_shape = In;
        static constexpr std::size_t param_count = 0;
        static constexpr std::size_t flops = 0;

        // Keep with probability 1 - rate: compare 53 random bits with rate * 2^53, exactly.
        static bool kept(const training_context& context, std::size_t index) {
            constexpr auto threshold = static_cast<unsigned long long>(rate * 9007199254740992.0);
            return (detail::mix64(context.noise_key, index) >> 11) >= threshold;
        }

        template <class T>
        static void forward(const T*, const T* x, T* y, std::size_t batch) {
            std::copy(x, x + batch * In::size, y);
        }

        template <class T>
        static void forward_training(const T*, const T* x, T* y, std::size_t batch, const training_context& context) {
            const T scale = T(1) / (T(1) - T(rate));
            for (std::size_t i = 0; i < batch * In::size; ++i) y[i] = kept(context, i) ? x[i] * scale : T(0);
        }

        template <class T>
        static void backward(const T*, const T*, const T*, const T* dy, T* dx, T*, std::size_t batch,
                             const training_context& context) {
            if (dx == nullptr) return;
            const T scale = T(1) / (T(1) - T(rate));
            for (std::size_t i = 0; i < batch * In::size; ++i) dx[i] = kept(context, i) ? dy[i] * scale : T(0);
        }

        // Generated C (ctnn-gen): inference only, where dropout is the identity (shared storage, no
        // code). Training masks come from the trainer's noise key, which generated code lacks.
        static constexpr emit::layer_traits emit_traits{.pass_through = true,
                                                        .forward_in_place = true,
                                                        .backward_in_place = true,
                                                        .per_sample_training = false};

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            c.line("const float *src = ", b.x, ";");
            c.line("float *dst = ", b.y, ";");
            c.line("for (size_t i = 0; i < ", In::size, "; ++i) dst[i] = src[i];");
        }
        template <emit::writer W>
        static void emit_backward(W&, const emit::backward_buffers&) {}
    };
};

}  // namespace ctnn
