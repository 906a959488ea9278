// Eigen fixed-size matrices, written the way the Eigen documentation suggests: matrix-vector
// products for one sample, matrix-matrix products over the batch (samples are columns), and
// im2col + products for the convolutions.
#define EIGEN_STACK_ALLOCATION_LIMIT 0  // the 784x128 weights are fixed-size too (as members)
#include <cmath>

#include <Eigen/Dense>

#include "implementation.hpp"

namespace bench {
namespace {

template <int Rows, int Cols>
using matrix = Eigen::Matrix<float, Rows, Cols, (Cols == 1 ? Eigen::ColMajor : Eigen::RowMajor)>;
template <int Rows>
using vector = Eigen::Matrix<float, Rows, 1>;

// ctnn's dense parameters: W as [Out][In] row-major, then b[Out].
template <int In, int Out>
struct dense_params {
    matrix<Out, In> w;
    vector<Out> b;
    matrix<Out, In> dw;
    vector<Out> db;
    const float* load(const float* p) {
        w = Eigen::Map<const matrix<Out, In>>(p);
        b = Eigen::Map<const vector<Out>>(p + Out * In);
        return p + Out * In + Out;
    }
    void sgd(float lr) {
        w -= lr * dw;
        b -= lr * db;
    }
};

template <int Rows, int Cols>
Eigen::Matrix<float, Rows, Cols> softmax_columns(const Eigen::Matrix<float, Rows, Cols>& z) {
    Eigen::Matrix<float, Rows, Cols> p = (z.rowwise() - z.colwise().maxCoeff()).array().exp().matrix();
    p.array().rowwise() /= p.colwise().sum().array();
    return p;
}

float sigmoid(float v) { return 1 / (1 + std::exp(-v)); }

class eigen_m1 final : public timed<eigen_m1> {
public:
    explicit eigen_m1(const workload& w) : work(w) {
        l2.load(l1.load(w.params.data()));
        x = Eigen::Map<const Eigen::Matrix<float, 2, 4>>(w.inputs.data());
        t = Eigen::Map<const Eigen::Matrix<float, 1, 4>>(w.targets.data());
    }
    void run(const float* in, float* out) const {
        const vector<5> h = (l1.w * Eigen::Map<const vector<2>>(in) + l1.b).unaryExpr(&sigmoid);
        out[0] = sigmoid((l2.w * h)(0) + l2.b(0));
    }
    float step() {
        const Eigen::Matrix<float, 5, 4> h = ((l1.w * x).colwise() + l1.b).unaryExpr(&sigmoid);
        const Eigen::Matrix<float, 1, 4> y = ((l2.w * h).colwise() + l2.b).unaryExpr(&sigmoid);
        const Eigen::Matrix<float, 1, 4> diff = y - t;
        const Eigen::Matrix<float, 1, 4> dz2 = (0.5f * diff.array() * y.array() * (1 - y.array())).matrix();
        const Eigen::Matrix<float, 5, 4> dz1 =
            ((l2.w.transpose() * dz2).array() * h.array() * (1 - h.array())).matrix();
        ++steps;
        adam(l2.w, dz2 * h.transpose(), m2w, v2w);
        adam(l2.b, dz2.rowwise().sum(), m2b, v2b);
        adam(l1.w, dz1 * x.transpose(), m1w, v1w);
        adam(l1.b, dz1.rowwise().sum(), m1b, v1b);
        return diff.squaredNorm() / 4;
    }
    const workload& work;

private:
    dense_params<2, 5> l1;
    dense_params<5, 1> l2;
    Eigen::Matrix<float, 2, 4> x;
    Eigen::Matrix<float, 1, 4> t;
    matrix<5, 2> m1w = matrix<5, 2>::Zero(), v1w = matrix<5, 2>::Zero();
    vector<5> m1b = vector<5>::Zero(), v1b = vector<5>::Zero();
    matrix<1, 5> m2w = matrix<1, 5>::Zero(), v2w = matrix<1, 5>::Zero();
    vector<1> m2b = vector<1>::Zero(), v2b = vector<1>::Zero();
    int steps = 0;

    template <class P, class G>
    void adam(P& p, const G& g, P& m, P& v) {
        const float b1 = 0.9f, b2 = 0.999f;
        const float c1 = 1 - std::pow(b1, float(steps)), c2 = std::sqrt(1 - std::pow(b2, float(steps)));
        m = b1 * m + (1 - b1) * g;
        v = (b2 * v.array() + (1 - b2) * g.array().square()).matrix();
        p.array() -= (work.learning_rate / c1) * m.array() / (v.array().sqrt() / c2 + 1e-8f);
    }
};

class eigen_m2 final : public timed<eigen_m2> {
public:
    explicit eigen_m2(const workload& w) : work(w) {
        l3.load(l2.load(l1.load(w.params.data())));
        x = Eigen::Map<const Eigen::Matrix<float, 784, 64>>(w.inputs.data());
        t = Eigen::Map<const Eigen::Matrix<float, 10, 64>>(w.targets.data());
    }
    void run(const float* in, float* out) const {
        const vector<128> h1 = (l1.w * Eigen::Map<const vector<784>>(in) + l1.b).cwiseMax(0.0f);
        const vector<64> h2 = (l2.w * h1 + l2.b).cwiseMax(0.0f);
        Eigen::Map<vector<10>> y(out);
        y = softmax_columns<10, 1>(l3.w * h2 + l3.b);
    }
    float step() {
        h1.noalias() = l1.w * x;
        h1 = (h1.colwise() + l1.b).cwiseMax(0.0f);
        h2.noalias() = l2.w * h1;
        h2 = (h2.colwise() + l2.b).cwiseMax(0.0f);
        z.noalias() = l3.w * h2;
        z.colwise() += l3.b;
        const Eigen::Matrix<float, 10, 64> p = softmax_columns<10, 64>(z);
        const float loss = -(t.array() * p.array().log()).sum() / 64;
        const Eigen::Matrix<float, 10, 64> dz = (p - t) / 64.0f;
        l3.dw.noalias() = dz * h2.transpose();
        l3.db = dz.rowwise().sum();
        dh2.noalias() = l3.w.transpose() * dz;
        dh2 = (h2.array() > 0).select(dh2, 0.0f);
        l2.dw.noalias() = dh2 * h1.transpose();
        l2.db = dh2.rowwise().sum();
        dh1.noalias() = l2.w.transpose() * dh2;
        dh1 = (h1.array() > 0).select(dh1, 0.0f);
        l1.dw.noalias() = dh1 * x.transpose();
        l1.db = dh1.rowwise().sum();
        l1.sgd(work.learning_rate);
        l2.sgd(work.learning_rate);
        l3.sgd(work.learning_rate);
        return loss;
    }
    const workload& work;

private:
    dense_params<784, 128> l1;
    dense_params<128, 64> l2;
    dense_params<64, 10> l3;
    Eigen::Matrix<float, 784, 64> x;
    Eigen::Matrix<float, 10, 64> t, z;
    Eigen::Matrix<float, 128, 64> h1, dh1;
    Eigen::Matrix<float, 64, 64> h2, dh2;
};

// 3x3 'same' convolution as im2col: patches [H*W][9*C] (row = output pixel, column = (kh, kw, c),
// ctnn's kernel order), output [H*W][F] row-major = channels-last.
template <int H, int W, int C, int F>
struct conv_layer {
    using patches_type = matrix<H * W, 9 * C>;
    using output_type = matrix<H * W, F>;
    matrix<F, 9 * C> k, dk;
    Eigen::Matrix<float, 1, F> b, db;
    patches_type patches, d_patches;

    const float* load(const float* p) {
        k = Eigen::Map<const matrix<F, 9 * C>>(p);
        b = Eigen::Map<const Eigen::Matrix<float, 1, F>>(p + F * 9 * C);
        dk.setZero();
        db.setZero();
        return p + F * 9 * C + F;
    }
    void forward(const float* x, output_type& y) {
        patches.setZero();
        for (int h = 0; h < H; ++h)
            for (int w = 0; w < W; ++w)
                for (int kh = 0; kh < 3; ++kh)
                    for (int kw = 0; kw < 3; ++kw) {
                        const int ih = h + kh - 1, iw = w + kw - 1;
                        if (ih < 0 || iw < 0 || ih >= H || iw >= W) continue;
                        for (int c = 0; c < C; ++c) patches(h * W + w, (kh * 3 + kw) * C + c) = x[(ih * W + iw) * C + c];
                    }
        y.noalias() = patches * k.transpose();
        y.rowwise() += b;
    }
    // Uses the patches of the last forward.
    void backward(const output_type& dy, float* dx) {
        dk.noalias() += dy.transpose() * patches;
        db += dy.colwise().sum();
        if (dx == nullptr) return;
        d_patches.noalias() = dy * k;
        std::fill(dx, dx + H * W * C, 0.0f);
        for (int h = 0; h < H; ++h)
            for (int w = 0; w < W; ++w)
                for (int kh = 0; kh < 3; ++kh)
                    for (int kw = 0; kw < 3; ++kw) {
                        const int ih = h + kh - 1, iw = w + kw - 1;
                        if (ih < 0 || iw < 0 || ih >= H || iw >= W) continue;
                        for (int c = 0; c < C; ++c) dx[(ih * W + iw) * C + c] += d_patches(h * W + w, (kh * 3 + kw) * C + c);
                    }
    }
    void sgd(float lr) {
        k -= lr * dk;
        b -= lr * db;
        dk.setZero();
        db.setZero();
    }
};

// 2x2 max pooling over channels-last rows [H*W][C].
template <int H, int W, int C>
struct pool_layer {
    Eigen::Matrix<int, H / 2 * W / 2, C> argmax;
    void forward(const matrix<H * W, C>& x, matrix<H / 2 * W / 2, C>& y) {
        for (int h = 0; h < H / 2; ++h)
            for (int w = 0; w < W / 2; ++w)
                for (int c = 0; c < C; ++c) {
                    int best = 2 * h * W + 2 * w;
                    for (int d = 0; d < 4; ++d) {
                        const int i = (2 * h + d / 2) * W + 2 * w + d % 2;
                        if (x(i, c) > x(best, c)) best = i;
                    }
                    argmax(h * W / 2 + w, c) = best;
                    y(h * W / 2 + w, c) = x(best, c);
                }
    }
    void backward(const matrix<H / 2 * W / 2, C>& dy, matrix<H * W, C>& dx) const {
        dx.setZero();
        for (int o = 0; o < H / 2 * W / 2; ++o)
            for (int c = 0; c < C; ++c) dx(argmax(o, c), c) += dy(o, c);
    }
};

class eigen_m3 final : public timed<eigen_m3> {
public:
    explicit eigen_m3(const workload& w) : work(w) {
        l3.load(c2.load(c1.load(w.params.data())));
        l3.dw.setZero();
        l3.db.setZero();
    }
    void run(const float* in, float* out) {
        logits(in);
        Eigen::Map<vector<10>> y(out);
        y = softmax_columns<10, 1>(z);
    }
    float step() {
        float loss = 0;
        for (std::size_t s = 0; s < work.batch; ++s) {
            logits(work.inputs.data() + 784 * s);
            const vector<10> p = softmax_columns<10, 1>(z);
            const Eigen::Map<const vector<10>> t(work.targets.data() + 10 * s);
            loss -= (t.array() * p.array().log()).sum();
            const vector<10> dz = (p - t) / float(work.batch);
            const Eigen::Map<const vector<784>> flat(p2_out.data());
            l3.dw.noalias() += dz * flat.transpose();
            l3.db += dz;
            Eigen::Map<vector<784>>(d_p2.data()).noalias() = l3.w.transpose() * dz;
            p2.backward(d_p2, d_a2);
            d_a2 = (a2.array() > 0).select(d_a2, 0.0f);
            c2.backward(d_a2, d_p1.data());
            p1.backward(d_p1, d_a1);
            d_a1 = (a1.array() > 0).select(d_a1, 0.0f);
            c1.backward(d_a1, nullptr);
        }
        c1.sgd(work.learning_rate);
        c2.sgd(work.learning_rate);
        l3.sgd(work.learning_rate);
        l3.dw.setZero();
        l3.db.setZero();
        return loss / float(work.batch);
    }
    const workload& work;

private:
    conv_layer<28, 28, 1, 8> c1;
    pool_layer<28, 28, 8> p1;
    conv_layer<14, 14, 8, 16> c2;
    pool_layer<14, 14, 16> p2;
    dense_params<784, 10> l3;
    matrix<784, 8> a1, d_a1;
    matrix<196, 8> p1_out, d_p1;
    matrix<196, 16> a2, d_a2;
    matrix<49, 16> p2_out, d_p2;
    vector<10> z;

    void logits(const float* x) {
        c1.forward(x, a1);
        a1 = a1.cwiseMax(0.0f);
        p1.forward(a1, p1_out);
        c2.forward(p1_out.data(), a2);
        a2 = a2.cwiseMax(0.0f);
        p2.forward(a2, p2_out);
        z.noalias() = l3.w * Eigen::Map<const vector<784>>(p2_out.data());
        z += l3.b;
    }
};

}  // namespace

std::unique_ptr<implementation> make_eigen(model_id model, const workload& w) {
    switch (model) {
        case model_id::m1: return std::make_unique<eigen_m1>(w);
        case model_id::m2: return std::make_unique<eigen_m2>(w);
        default: return std::make_unique<eigen_m3>(w);
    }
}

}  // namespace bench
