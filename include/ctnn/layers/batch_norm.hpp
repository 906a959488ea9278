// ctnn/layers/batch_norm.hpp: batch normalisation over the last (channel) dimension.
#pragma once
#include <cstddef>
#include <ratio>
#include <string_view>

#include <ctnn/emit/c.hpp>
#include <ctnn/initializer.hpp>
#include <ctnn/math.hpp>
#include <ctnn/shape.hpp>
#include <ctnn/training_context.hpp>

namespace ctnn {

// Parameters per channel c, in four blocks of C values: gamma (scale), beta (shift), then the
// running mean and running variance. The running statistics are not trained: their gradient is
// always zero, so optimizers leave them alone; they live in the parameter block so that weight
// files and generated code carry them. Matches PyTorch's BatchNorm1d/2d: eps 1e-5, momentum 0.1,
// biased batch variance for normalising, unbiased for the running estimate.
template <class Momentum = std::ratio<1, 10>, class Epsilon = std::ratio<1, 100000>>
struct batch_norm {
    static constexpr std::string_view name = "batch_norm";
    static constexpr double momentum = double(Momentum::num) / double(Momentum::den);
    static constexpr double epsilon = double(Epsilon::num) / double(Epsilon::den);
    static constexpr unsigned long long signature_extra =
        (static_cast<unsigned long long>(Momentum::den) << 20) ^ static_cast<unsigned long long>(Epsilon::den);

    template <class In, std::size_t Position>
    struct bind {
        static constexpr std::size_t channels = In::dims[In::rank - 1];
        static constexpr std::size_t positions = In::size / channels;  // values per channel and sample

        using layer = batch_norm;
        using input_shape = In;
        using output_shape = In;
        static constexpr std::size_t param_count = 4 * channels;
        static constexpr std::size_t flops = 2 * In::size;
        // Offsets of the four blocks inside this layer's parameters.
        static constexpr std::size_t gamma = 0, beta = channels, running_mean = 2 * channels, running_var = 3 * channels;

        template <class T>
        static void initialize(T* params, random_generator&, initializer) {
            for (std::size_t c = 0; c < channels; ++c) {
                params[gamma + c] = T(1);
                params[beta + c] = T(0);
                params[running_mean + c] = T(0);
                params[running_var + c] = T(1);
            }
        }

        // Inference: the running statistics, y = gamma (x - mean) / sqrt(var + eps) + beta.
        template <class T>
        static void forward(const T* params, const T* x, T* y, std::size_t batch) {
            for (std::size_t i = 0; i < batch * positions; ++i)
                for (std::size_t c = 0; c < channels; ++c) {
                    const T inv_std = T(1) / math::sqrt(params[running_var + c] + T(epsilon));
                    y[i * channels + c] =
                        params[gamma + c] * (x[i * channels + c] - params[running_mean + c]) * inv_std + params[beta + c];
                }
        }

        // The batch's mean and biased variance of channel c.
        template <class T>
        static void batch_statistics(const T* x, std::size_t batch, std::size_t c, T& mean, T& variance) {
            const std::size_t n = batch * positions;
            T total = T(0);
            for (std::size_t i = 0; i < n; ++i) total += x[i * channels + c];
            mean = total / T(n);
            T squares = T(0);
            for (std::size_t i = 0; i < n; ++i) {
                const T d = x[i * channels + c] - mean;
                squares += d * d;
            }
            variance = squares / T(n);
        }

        // Training: normalise with the batch's own statistics.
        template <class T>
        static void forward_training(const T* params, const T* x, T* y, std::size_t batch, const training_context&) {
            for (std::size_t c = 0; c < channels; ++c) {
                T mean, variance;
                batch_statistics(x, batch, c, mean, variance);
                const T inv_std = T(1) / math::sqrt(variance + T(epsilon));
                for (std::size_t i = 0; i < batch * positions; ++i)
                    y[i * channels + c] = params[gamma + c] * (x[i * channels + c] - mean) * inv_std + params[beta + c];
            }
        }

        // Statistics are recomputed from x rather than stored: no extra workspace.
        // dx = gamma / (N sigma) * (N dy - sum(dy) - xhat * sum(dy * xhat))
        template <class T>
        static void backward(const T* params, const T* x, const T*, const T* dy, T* dx, T* dparams, std::size_t batch) {
            const std::size_t n = batch * positions;
            for (std::size_t c = 0; c < channels; ++c) {
                T mean, variance;
                batch_statistics(x, batch, c, mean, variance);
                const T inv_std = T(1) / math::sqrt(variance + T(epsilon));
                T sum_dy = T(0), sum_dy_xhat = T(0);
                for (std::size_t i = 0; i < n; ++i) {
                    const T g = dy[i * channels + c];
                    sum_dy += g;
                    sum_dy_xhat += g * (x[i * channels + c] - mean) * inv_std;
                }
                dparams[gamma + c] += sum_dy_xhat;
                dparams[beta + c] += sum_dy;
                if (dx == nullptr) continue;
                const T scale = params[gamma + c] * inv_std / T(n);
                for (std::size_t i = 0; i < n; ++i) {
                    const T xhat = (x[i * channels + c] - mean) * inv_std;
                    dx[i * channels + c] = scale * (T(n) * dy[i * channels + c] - sum_dy - xhat * sum_dy_xhat);
                }
            }
        }

        // running = (1 - momentum) running + momentum batch, with the unbiased variance (PyTorch).
        template <class T>
        static void update_state(T* params, const T* x, std::size_t batch) {
            const std::size_t n = batch * positions;
            for (std::size_t c = 0; c < channels; ++c) {
                T mean, variance;
                batch_statistics(x, batch, c, mean, variance);
                const T unbiased = n > 1 ? variance * T(n) / T(n - 1) : variance;
                params[running_mean + c] = (T(1) - T(momentum)) * params[running_mean + c] + T(momentum) * mean;
                params[running_var + c] = (T(1) - T(momentum)) * params[running_var + c] + T(momentum) * unbiased;
            }
        }

        // Generated C (ctnn-gen): inference only, as forward() above. Training normalises with the
        // statistics of the whole batch, which a per-sample function cannot see.
        static constexpr emit::layer_traits emit_traits{
            .forward_in_place = true, .backward_in_place = false, .per_sample_training = false};

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            c.line("const float *p = ", b.params, ";");
            c.line("const float *src = ", b.x, ";");
            c.line("float *dst = ", b.y, ";");
            c.open("for (size_t i = 0; i < ", positions, "; ++i)");
            c.open("for (size_t c = 0; c < ", channels, "; ++c)");
            c.line("const float inv_std = 1.0f / sqrtf(p[", running_var, " + c] + ", emit::real{epsilon}, ");");
            c.line("dst[i * ", channels, " + c] = p[", gamma, " + c] * (src[i * ", channels, " + c] - p[", running_mean,
                   " + c]) * inv_std + p[", beta, " + c];");
            c.close();
            c.close();
        }
        template <emit::writer W>
        static void emit_backward(W&, const emit::backward_buffers&) {}

        template <emit::writer W>
        static void emit_param_layout(W& c, std::size_t offset) {
            c.line("[", offset + gamma, ", ", offset + beta, ")  gamma[", channels, "]");
            c.line("[", offset + beta, ", ", offset + running_mean, ")  beta[", channels, "]");
            c.line("[", offset + running_mean, ", ", offset + running_var, ")  running_mean[", channels, "]");
            c.line("[", offset + running_var, ", ", offset + param_count, ")  running_var[", channels, "]");
        }
    };
};

}  // namespace ctnn
