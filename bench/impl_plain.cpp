// Plain fixed-size loops over std::array, written the obvious way: what a user would write by hand
// for these three models (one sample at a time, gradients summed over the batch).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "implementation.hpp"

namespace bench {
namespace {

template <std::size_t In, std::size_t Out>
struct dense_layer {
    std::array<float, Out * In> w;
    std::array<float, Out> b;
    std::array<float, Out * In> dw{};
    std::array<float, Out> db{};

    const float* load(const float* p) {
        std::copy_n(p, Out * In, w.begin());
        std::copy_n(p + Out * In, Out, b.begin());
        return p + Out * In + Out;
    }
    void forward(const float* x, float* y) const {
        for (std::size_t o = 0; o < Out; ++o) {
            float acc = b[o];
            for (std::size_t i = 0; i < In; ++i) acc += w[o * In + i] * x[i];
            y[o] = acc;
        }
    }
    void backward(const float* x, const float* dy, float* dx) {
        for (std::size_t o = 0; o < Out; ++o) {
            db[o] += dy[o];
            for (std::size_t i = 0; i < In; ++i) dw[o * In + i] += dy[o] * x[i];
        }
        if (dx == nullptr) return;
        for (std::size_t i = 0; i < In; ++i) dx[i] = 0;
        for (std::size_t o = 0; o < Out; ++o)
            for (std::size_t i = 0; i < In; ++i) dx[i] += w[o * In + i] * dy[o];
    }
    void sgd(float lr) {
        for (std::size_t i = 0; i < w.size(); ++i) w[i] -= lr * dw[i];
        for (std::size_t i = 0; i < b.size(); ++i) b[i] -= lr * db[i];
        dw.fill(0);
        db.fill(0);
    }
};

// 3x3 convolution, stride 1, zero padding 1 ('same'), channels-last; kernels [F][3][3][C].
template <std::size_t H, std::size_t W, std::size_t C, std::size_t F>
struct conv3x3_layer {
    std::array<float, F * 9 * C> k;
    std::array<float, F> b;
    std::array<float, F * 9 * C> dk{};
    std::array<float, F> db{};

    const float* load(const float* p) {
        std::copy_n(p, k.size(), k.begin());
        std::copy_n(p + k.size(), F, b.begin());
        return p + k.size() + F;
    }
    void forward(const float* x, float* y) const {
        for (std::size_t h = 0; h < H; ++h)
            for (std::size_t w = 0; w < W; ++w)
                for (std::size_t f = 0; f < F; ++f) {
                    float acc = b[f];
                    for (std::size_t kh = 0; kh < 3; ++kh)
                        for (std::size_t kw = 0; kw < 3; ++kw) {
                            const std::ptrdiff_t ih = std::ptrdiff_t(h + kh) - 1, iw = std::ptrdiff_t(w + kw) - 1;
                            if (ih < 0 || iw < 0 || ih >= std::ptrdiff_t(H) || iw >= std::ptrdiff_t(W)) continue;
                            for (std::size_t c = 0; c < C; ++c)
                                acc += k[((f * 3 + kh) * 3 + kw) * C + c] * x[(std::size_t(ih) * W + std::size_t(iw)) * C + c];
                        }
                    y[(h * W + w) * F + f] = acc;
                }
    }
    void backward(const float* x, const float* dy, float* dx) {
        if (dx != nullptr) std::fill(dx, dx + H * W * C, 0.0f);
        for (std::size_t h = 0; h < H; ++h)
            for (std::size_t w = 0; w < W; ++w)
                for (std::size_t f = 0; f < F; ++f) {
                    const float g = dy[(h * W + w) * F + f];
                    db[f] += g;
                    for (std::size_t kh = 0; kh < 3; ++kh)
                        for (std::size_t kw = 0; kw < 3; ++kw) {
                            const std::ptrdiff_t ih = std::ptrdiff_t(h + kh) - 1, iw = std::ptrdiff_t(w + kw) - 1;
                            if (ih < 0 || iw < 0 || ih >= std::ptrdiff_t(H) || iw >= std::ptrdiff_t(W)) continue;
                            for (std::size_t c = 0; c < C; ++c) {
                                const std::size_t ki = ((f * 3 + kh) * 3 + kw) * C + c;
                                const std::size_t xi = (std::size_t(ih) * W + std::size_t(iw)) * C + c;
                                dk[ki] += g * x[xi];
                                if (dx != nullptr) dx[xi] += g * k[ki];
                            }
                        }
                }
    }
    void sgd(float lr) {
        for (std::size_t i = 0; i < k.size(); ++i) k[i] -= lr * dk[i];
        for (std::size_t i = 0; i < b.size(); ++i) b[i] -= lr * db[i];
        dk.fill(0);
        db.fill(0);
    }
};

// 2x2 max pooling, channels-last; remembers the winner of each window for backward.
template <std::size_t H, std::size_t W, std::size_t C>
struct max_pool_layer {
    std::array<std::size_t, H / 2 * W / 2 * C> argmax{};
    void forward(const float* x, float* y) {
        for (std::size_t h = 0; h < H / 2; ++h)
            for (std::size_t w = 0; w < W / 2; ++w)
                for (std::size_t c = 0; c < C; ++c) {
                    std::size_t best = (2 * h * W + 2 * w) * C + c;
                    for (std::size_t dh = 0; dh < 2; ++dh)
                        for (std::size_t dw = 0; dw < 2; ++dw) {
                            const std::size_t i = ((2 * h + dh) * W + 2 * w + dw) * C + c;
                            if (x[i] > x[best]) best = i;
                        }
                    const std::size_t o = (h * W / 2 + w) * C + c;
                    argmax[o] = best;
                    y[o] = x[best];
                }
    }
    void backward(const float* dy, float* dx) const {
        std::fill(dx, dx + H * W * C, 0.0f);
        for (std::size_t o = 0; o < argmax.size(); ++o) dx[argmax[o]] += dy[o];
    }
};

template <std::size_t N>
void relu(float* v) { for (std::size_t i = 0; i < N; ++i) v[i] = v[i] > 0 ? v[i] : 0; }
template <std::size_t N>
void relu_backward(const float* y, float* dy) { for (std::size_t i = 0; i < N; ++i) if (y[i] <= 0) dy[i] = 0; }
template <std::size_t N>
void sigmoid(float* v) { for (std::size_t i = 0; i < N; ++i) v[i] = 1 / (1 + std::exp(-v[i])); }

template <std::size_t N>
void softmax(const float* z, float* p) {
    const float top = *std::max_element(z, z + N);
    float sum = 0;
    for (std::size_t i = 0; i < N; ++i) sum += p[i] = std::exp(z[i] - top);
    for (std::size_t i = 0; i < N; ++i) p[i] /= sum;
}
// Softmax cross-entropy of logits z: returns the loss, writes scale * dL/dz.
template <std::size_t N>
float softmax_cross_entropy(const float* z, const float* target, float* dz, float scale) {
    float p[N];
    softmax<N>(z, p);
    float loss = 0;
    for (std::size_t i = 0; i < N; ++i) {
        if (target[i] > 0) loss -= target[i] * std::log(p[i]);
        dz[i] = scale * (p[i] - target[i]);
    }
    return loss;
}

class plain_m1 final : public timed<plain_m1> {
public:
    explicit plain_m1(const workload& w) : work(w) { l2.load(l1.load(w.params.data())); }
    void run(const float* x, float* y) const {
        float h[5];
        l1.forward(x, h);
        sigmoid<5>(h);
        l2.forward(h, y);
        sigmoid<1>(y);
    }
    float step() {
        float loss = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const float* x = work.inputs.data() + 2 * k;
            float h[5], y[1], dy[1], dh[5];
            l1.forward(x, h);
            sigmoid<5>(h);
            l2.forward(h, y);
            sigmoid<1>(y);
            const float diff = y[0] - work.targets[k];
            loss += diff * diff;
            dy[0] = 0.25f * 2 * diff * y[0] * (1 - y[0]);
            l2.backward(h, dy, dh);
            for (std::size_t i = 0; i < 5; ++i) dh[i] *= h[i] * (1 - h[i]);
            l1.backward(x, dh, nullptr);
        }
        adam(l1.w, l1.dw, 0);
        adam(l1.b, l1.db, 10);
        adam(l2.w, l2.dw, 15);
        adam(l2.b, l2.db, 20);
        l1.dw.fill(0); l1.db.fill(0); l2.dw.fill(0); l2.db.fill(0);
        ++t_;
        return loss / 4;
    }
    const workload& work;

private:
    dense_layer<2, 5> l1;
    dense_layer<5, 1> l2;
    std::array<float, 21> m_{}, v_{};
    int t_ = 1;

    template <std::size_t N>
    void adam(std::array<float, N>& p, const std::array<float, N>& g, std::size_t at) {
        const float b1 = 0.9f, b2 = 0.999f, lr = work.learning_rate;
        const float c1 = 1 - std::pow(b1, float(t_)), c2 = 1 - std::pow(b2, float(t_));
        for (std::size_t i = 0; i < N; ++i) {
            m_[at + i] = b1 * m_[at + i] + (1 - b1) * g[i];
            v_[at + i] = b2 * v_[at + i] + (1 - b2) * g[i] * g[i];
            p[i] -= lr / c1 * m_[at + i] / (std::sqrt(v_[at + i]) / std::sqrt(c2) + 1e-8f);
        }
    }
};

class plain_m2 final : public timed<plain_m2> {
public:
    explicit plain_m2(const workload& w) : work(w) { l3.load(l2.load(l1.load(w.params.data()))); }
    void run(const float* x, float* y) const {
        float h1[128], h2[64], z[10];
        l1.forward(x, h1);
        relu<128>(h1);
        l2.forward(h1, h2);
        relu<64>(h2);
        l3.forward(h2, z);
        softmax<10>(z, y);
    }
    float step() {
        float loss = 0;
        const float scale = 1.0f / float(work.batch);
        for (std::size_t k = 0; k < work.batch; ++k) {
            const float* x = work.inputs.data() + 784 * k;
            float h1[128], h2[64], z[10], dz[10], dh2[64], dh1[128];
            l1.forward(x, h1);
            relu<128>(h1);
            l2.forward(h1, h2);
            relu<64>(h2);
            l3.forward(h2, z);
            loss += softmax_cross_entropy<10>(z, work.targets.data() + 10 * k, dz, scale);
            l3.backward(h2, dz, dh2);
            relu_backward<64>(h2, dh2);
            l2.backward(h1, dh2, dh1);
            relu_backward<128>(h1, dh1);
            l1.backward(x, dh1, nullptr);
        }
        l1.sgd(work.learning_rate);
        l2.sgd(work.learning_rate);
        l3.sgd(work.learning_rate);
        return loss * scale;
    }
    const workload& work;

private:
    dense_layer<784, 128> l1;
    dense_layer<128, 64> l2;
    dense_layer<64, 10> l3;
};

class plain_m3 final : public timed<plain_m3> {
public:
    explicit plain_m3(const workload& w) : work(w) { l3.load(c2.load(c1.load(w.params.data()))); }
    void run(const float* x, float* y) {
        logits(x);
        softmax<10>(z, y);
    }
    float step() {
        float loss = 0;
        const float scale = 1.0f / float(work.batch);
        for (std::size_t k = 0; k < work.batch; ++k) {
            const float* x = work.inputs.data() + 784 * k;
            logits(x);
            float dz[10];
            loss += softmax_cross_entropy<10>(z, work.targets.data() + 10 * k, dz, scale);
            l3.backward(p2_out.data(), dz, d_p2.data());
            p2.backward(d_p2.data(), d_a2.data());
            relu_backward<14 * 14 * 16>(a2.data(), d_a2.data());
            c2.backward(p1_out.data(), d_a2.data(), d_p1.data());
            p1.backward(d_p1.data(), d_a1.data());
            relu_backward<28 * 28 * 8>(a1.data(), d_a1.data());
            c1.backward(x, d_a1.data(), nullptr);
        }
        c1.sgd(work.learning_rate);
        c2.sgd(work.learning_rate);
        l3.sgd(work.learning_rate);
        return loss * scale;
    }
    const workload& work;

private:
    conv3x3_layer<28, 28, 1, 8> c1;
    max_pool_layer<28, 28, 8> p1;
    conv3x3_layer<14, 14, 8, 16> c2;
    max_pool_layer<14, 14, 16> p2;
    dense_layer<784, 10> l3;
    std::array<float, 28 * 28 * 8> a1, d_a1;
    std::array<float, 14 * 14 * 8> p1_out, d_p1;
    std::array<float, 14 * 14 * 16> a2, d_a2;
    std::array<float, 7 * 7 * 16> p2_out, d_p2;
    float z[10];

    void logits(const float* x) {
        c1.forward(x, a1.data());
        relu<28 * 28 * 8>(a1.data());
        p1.forward(a1.data(), p1_out.data());
        c2.forward(p1_out.data(), a2.data());
        relu<14 * 14 * 16>(a2.data());
        p2.forward(a2.data(), p2_out.data());
        l3.forward(p2_out.data(), z);
    }
};

}  // namespace

std::unique_ptr<implementation> make_plain(model_id model, const workload& w) {
    switch (model) {
        case model_id::m1: return std::make_unique<plain_m1>(w);
        case model_id::m2: return std::make_unique<plain_m2>(w);
        default: return std::make_unique<plain_m3>(w);
    }
}

}  // namespace bench
