// ctnn_bench_recurrent: GRU(1->8)+Dense(8->1) and LSTM(1->16)+Dense(16->1), one streaming step per
// call (issue 7), in ctnn's header path (Model::step), ctnn's generated C (<name>_step), plain
// loops over std::array written the obvious way, and Eigen fixed-size matrices. Every
// implementation gets the same weights and input signal and must agree with the header path over
// 4,096 steps before anything is timed.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <benchmark/benchmark.h>

#include <ctnn/init.hpp>
#include <ctnn/random.hpp>

#include "recurrent_models.hpp"

extern "C" {
#include "bench_gru8_c.h"
#include "bench_lstm16_c.h"
}

namespace {

constexpr std::size_t signal_length = 4096;

std::vector<float> test_signal() {
    ctnn::random_generator rng(99);
    std::vector<float> x(signal_length);
    for (std::size_t t = 0; t < x.size(); ++t)
        x[t] = 0.6f * std::sin(0.05f * float(t)) + rng.uniform<float>(-0.3f, 0.3f);
    return x;
}

template <class M>
ctnn::parameters<M> trained_like_parameters(std::uint64_t seed) {
    ctnn::parameters<M> p;
    ctnn::initialize(p, seed);
    ctnn::random_generator rng(seed + 1);
    for (float& v : p.values) v += rng.uniform<float>(-0.1f, 0.1f);  // non-zero biases too
    return p;
}

// ---- plain loops: the equations as written in PyTorch's documentation ------------------------
float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

template <std::size_t H>
struct plain_gru {
    std::array<float, 3 * H> w_ih, b_ih, b_hh;
    std::array<float, 3 * H * H> w_hh;
    std::array<float, H> w_out;
    float b_out;
    std::array<float, H> h{};

    explicit plain_gru(const float* p) {
        std::copy(p, p + 3 * H, w_ih.begin());
        for (std::size_t k = 0; k < 3 * H; ++k)  // ctnn stores W_hh transposed; these loops use PyTorch's rows
            for (std::size_t i = 0; i < H; ++i) w_hh[k * H + i] = p[3 * H + i * 3 * H + k];
        std::copy(p + 3 * H + 3 * H * H, p + 6 * H + 3 * H * H, b_ih.begin());
        std::copy(p + 6 * H + 3 * H * H, p + 9 * H + 3 * H * H, b_hh.begin());
        std::copy(p + 9 * H + 3 * H * H, p + 10 * H + 3 * H * H, w_out.begin());
        b_out = p[10 * H + 3 * H * H];
    }
    float step(float x) {
        std::array<float, 3 * H> gh;
        for (std::size_t k = 0; k < 3 * H; ++k) {
            float acc = b_hh[k];
            for (std::size_t i = 0; i < H; ++i) acc += w_hh[k * H + i] * h[i];
            gh[k] = acc;
        }
        for (std::size_t j = 0; j < H; ++j) {
            const float r = sigmoid(w_ih[j] * x + b_ih[j] + gh[j]);
            const float z = sigmoid(w_ih[H + j] * x + b_ih[H + j] + gh[H + j]);
            const float n = std::tanh(w_ih[2 * H + j] * x + b_ih[2 * H + j] + r * gh[2 * H + j]);
            h[j] = (1.0f - z) * n + z * h[j];
        }
        float y = b_out;
        for (std::size_t j = 0; j < H; ++j) y += w_out[j] * h[j];
        return y;
    }
};

template <std::size_t H>
struct plain_lstm {
    std::array<float, 4 * H> w_ih, b_ih, b_hh;
    std::array<float, 4 * H * H> w_hh;
    std::array<float, H> w_out;
    float b_out;
    std::array<float, H> h{}, c{};

    explicit plain_lstm(const float* p) {
        std::copy(p, p + 4 * H, w_ih.begin());
        for (std::size_t k = 0; k < 4 * H; ++k)
            for (std::size_t i = 0; i < H; ++i) w_hh[k * H + i] = p[4 * H + i * 4 * H + k];
        std::copy(p + 4 * H + 4 * H * H, p + 8 * H + 4 * H * H, b_ih.begin());
        std::copy(p + 8 * H + 4 * H * H, p + 12 * H + 4 * H * H, b_hh.begin());
        std::copy(p + 12 * H + 4 * H * H, p + 13 * H + 4 * H * H, w_out.begin());
        b_out = p[13 * H + 4 * H * H];
    }
    float step(float x) {
        std::array<float, 4 * H> g;
        for (std::size_t k = 0; k < 4 * H; ++k) {
            float acc = w_ih[k] * x + b_ih[k] + b_hh[k];
            for (std::size_t i = 0; i < H; ++i) acc += w_hh[k * H + i] * h[i];
            g[k] = acc;
        }
        for (std::size_t j = 0; j < H; ++j) {
            c[j] = sigmoid(g[H + j]) * c[j] + sigmoid(g[j]) * std::tanh(g[2 * H + j]);
            h[j] = sigmoid(g[3 * H + j]) * std::tanh(c[j]);
        }
        float y = b_out;
        for (std::size_t j = 0; j < H; ++j) y += w_out[j] * h[j];
        return y;
    }
};

// ---- Eigen fixed-size: matrix-vector products and Eigen's vectorised tanh/exp ------------------
template <int H>
struct eigen_gru {
    Eigen::Matrix<float, 3 * H, 1> w_ih, bias_i, b_hh;
    Eigen::Matrix<float, 3 * H, H> w_hh;
    Eigen::Matrix<float, 1, H> w_out;
    float b_out;
    Eigen::Matrix<float, H, 1> h = Eigen::Matrix<float, H, 1>::Zero();

    explicit eigen_gru(const float* p) {
        w_ih = Eigen::Map<const Eigen::Matrix<float, 3 * H, 1>>(p);
        w_hh = Eigen::Map<const Eigen::Matrix<float, 3 * H, H>>(p + 3 * H);  // ctnn's W_hh^T: column-major W_hh
        bias_i = Eigen::Map<const Eigen::Matrix<float, 3 * H, 1>>(p + 3 * H + 3 * H * H);
        b_hh = Eigen::Map<const Eigen::Matrix<float, 3 * H, 1>>(p + 6 * H + 3 * H * H);
        w_out = Eigen::Map<const Eigen::Matrix<float, 1, H>>(p + 9 * H + 3 * H * H);
        b_out = p[10 * H + 3 * H * H];
    }
    float step(float x) {
        const Eigen::Matrix<float, 3 * H, 1> gi = w_ih * x + bias_i;
        const Eigen::Matrix<float, 3 * H, 1> gh = w_hh * h + b_hh;
        const auto r = (gi.template head<H>() + gh.template head<H>()).array().logistic();
        const auto z = (gi.template segment<H>(H) + gh.template segment<H>(H)).array().logistic().eval();
        const auto n = (gi.template tail<H>().array() + r * gh.template tail<H>().array()).tanh().eval();
        h = ((1.0f - z) * n + z * h.array()).matrix();
        return w_out.dot(h) + b_out;
    }
};

template <int H>
struct eigen_lstm {
    Eigen::Matrix<float, 4 * H, 1> w_ih, bias;
    Eigen::Matrix<float, 4 * H, H> w_hh;
    Eigen::Matrix<float, 1, H> w_out;
    float b_out;
    Eigen::Matrix<float, H, 1> h = Eigen::Matrix<float, H, 1>::Zero(), c = Eigen::Matrix<float, H, 1>::Zero();

    explicit eigen_lstm(const float* p) {
        w_ih = Eigen::Map<const Eigen::Matrix<float, 4 * H, 1>>(p);
        w_hh = Eigen::Map<const Eigen::Matrix<float, 4 * H, H>>(p + 4 * H);
        bias = Eigen::Map<const Eigen::Matrix<float, 4 * H, 1>>(p + 4 * H + 4 * H * H) +
               Eigen::Map<const Eigen::Matrix<float, 4 * H, 1>>(p + 8 * H + 4 * H * H);
        w_out = Eigen::Map<const Eigen::Matrix<float, 1, H>>(p + 12 * H + 4 * H * H);
        b_out = p[13 * H + 4 * H * H];
    }
    float step(float x) {
        const Eigen::Matrix<float, 4 * H, 1> g = w_ih * x + bias + w_hh * h;
        const auto i = g.template segment<H>(0).array().logistic();
        const auto f = g.template segment<H>(H).array().logistic();
        const auto cell = g.template segment<H>(2 * H).array().tanh();
        const auto o = g.template segment<H>(3 * H).array().logistic();
        c = (f * c.array() + i * cell).matrix();
        h = (o * c.array().tanh()).matrix();
        return w_out.dot(h) + b_out;
    }
};

// ---- ctnn's two paths -------------------------------------------------------------------------
template <class M>
struct ctnn_header {
    const ctnn::parameters<M>& params;
    ctnn::stream_state<M> state;
    float step(float x) {
        const ctnn::tensor<float, typename M::step_input_shape> in{x};
        ctnn::tensor<float, typename M::step_output_shape> out;
        M::step(params, in, out, state);
        return out[0];
    }
};

struct ctnn_c_gru {
    const float* params;
    bench_gru8_c_state state;
    explicit ctnn_c_gru(const float* p) : params(p) { bench_gru8_c_state_reset(&state); }
    float step(float x) {
        float y;
        bench_gru8_c_step(params, &x, &y, &state);
        return y;
    }
};
struct ctnn_c_lstm {
    const float* params;
    bench_lstm16_c_state state;
    explicit ctnn_c_lstm(const float* p) : params(p) { bench_lstm16_c_state_reset(&state); }
    float step(float x) {
        float y;
        bench_lstm16_c_step(params, &x, &y, &state);
        return y;
    }
};

// Runs the whole signal; the worst difference from `reference`, relative to its largest magnitude.
template <class Impl>
double disagreement(Impl impl, const std::vector<float>& x, const std::vector<float>& reference) {
    double worst = 0, scale = 1e-6;
    for (float v : reference) scale = std::max(scale, double(std::fabs(v)));
    for (std::size_t t = 0; t < x.size(); ++t) worst = std::max(worst, std::fabs(double(impl.step(x[t])) - reference[t]));
    return worst / scale;
}

template <class Impl>
void register_timing(const std::string& name, Impl impl, const std::vector<float>& x) {
    benchmark::RegisterBenchmark(name.c_str(), [impl, &x](benchmark::State& state) mutable {
        std::size_t t = 0;
        for (auto _ : state) {
            benchmark::DoNotOptimize(impl.step(x[t]));
            t = (t + 1) % x.size();
        }
        state.SetItemsProcessed(state.iterations());
    })->MeasureProcessCPUTime();
}

template <class M, class Plain, class Eigen_, class C>
bool add_model(const std::string& tag, const ctnn::parameters<M>& params, const std::vector<float>& x) {
    std::vector<float> reference;
    ctnn_header<M> header{params, {}};
    for (float v : x) reference.push_back(header.step(v));
    const double c_error = disagreement(C(params.data()), x, reference);
    const double plain_error = disagreement(Plain(params.data()), x, reference);
    const double eigen_error = disagreement(Eigen_(params.data()), x, reference);
    std::printf("%s over %zu steps, largest difference from ctnn's header path (relative): generated C %.3g, "
                "plain %.3g, Eigen %.3g\n",
                tag.c_str(), x.size(), c_error, plain_error, eigen_error);
    if (c_error != 0.0 || plain_error > 1e-4 || eigen_error > 1e-4) {
        std::fprintf(stderr, "%s: the implementations disagree; nothing timed\n", tag.c_str());
        return false;
    }
    register_timing(tag + "/ctnn_header", ctnn_header<M>{params, {}}, x);
    register_timing(tag + "/ctnn_c", C(params.data()), x);
    register_timing(tag + "/plain", Plain(params.data()), x);
    register_timing(tag + "/eigen", Eigen_(params.data()), x);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    static const std::vector<float> x = test_signal();
    static const auto gru_params = trained_like_parameters<bench_gru8>(3);
    static const auto lstm_params = trained_like_parameters<bench_lstm16>(4);
    if (!add_model<bench_gru8, plain_gru<8>, eigen_gru<8>, ctnn_c_gru>("gru8_step", gru_params, x)) return 1;
    if (!add_model<bench_lstm16, plain_lstm<16>, eigen_lstm<16>, ctnn_c_lstm>("lstm16_step", lstm_params, x)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
