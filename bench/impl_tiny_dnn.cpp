// tiny-dnn (header-only), single-threaded (CNN_SINGLE_THREAD): network<sequential>::predict for
// inference, fit() over one batch for one training step (tiny-dnn's only public way to train a
// batch; it also clears the optimizer's moments, which changes no timing). Weights copied in from
// ctnn's layout: fully_connected keeps W as [In][Out]; convolutions [F][C][KH][KW]; data is CHW.
#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include <tiny_dnn/tiny_dnn.h>

#include "implementation.hpp"

namespace bench {
namespace {

namespace tdnn = tiny_dnn;
using tdnn::vec_t;

const float* load_fc(tdnn::layer& l, const float* p, std::size_t in, std::size_t out) {
    auto weights = l.weights();
    vec_t& w = *weights[0];
    vec_t& b = *weights[1];
    for (std::size_t o = 0; o < out; ++o)
        for (std::size_t i = 0; i < in; ++i) w[i * out + o] = p[o * in + i];
    std::copy_n(p + in * out, out, b.begin());
    return p + in * out + out;
}

const float* load_conv(tdnn::layer& l, const float* p, std::size_t f_count, std::size_t c_count) {
    auto weights = l.weights();
    vec_t& w = *weights[0];
    vec_t& b = *weights[1];
    for (std::size_t f = 0; f < f_count; ++f)
        for (std::size_t k = 0; k < 9; ++k)
            for (std::size_t c = 0; c < c_count; ++c) w[(f * c_count + c) * 9 + k] = p[(f * 9 + k) * c_count + c];
    std::copy_n(p + f_count * 9 * c_count, f_count, b.begin());
    return p + f_count * 9 * c_count + f_count;
}

// tiny_dnn::adam adds epsilon inside the square root and advances b1^t on every update() call,
// i.e. once per weight vector, not once per step; this optimizer, written against tiny-dnn's
// optimizer interface, is PyTorch's Adam: one b1^t, b2^t per weight vector.
struct pytorch_adam : tdnn::stateful_optimizer<2> {
    float alpha = 0.001f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    std::map<const vec_t*, std::pair<float, float>> powers;
    void reset() override {
        stateful_optimizer::reset();
        powers.clear();
    }
    void update(const vec_t& dw, vec_t& w, bool) override {
        vec_t& m = get<0>(w);
        vec_t& v = get<1>(w);
        auto [power, inserted] = powers.try_emplace(&w, 1.0f, 1.0f);
        float& b1_t = power->second.first;
        float& b2_t = power->second.second;
        b1_t *= b1;
        b2_t *= b2;
        for (std::size_t i = 0; i < w.size(); ++i) {
            m[i] = b1 * m[i] + (1 - b1) * dw[i];
            v[i] = b2 * v[i] + (1 - b2) * dw[i] * dw[i];
            w[i] -= alpha / (1 - b1_t) * m[i] / (std::sqrt(v[i]) / std::sqrt(1 - b2_t) + eps);
        }
    }
};

class tiny_dnn_model final : public timed<tiny_dnn_model> {
public:
    tiny_dnn_model(const workload& w, model_id id) : work(w), id(id), sample(w.input_size) {
        using namespace tdnn;
        using namespace tdnn::activation;
        const float* p = w.params.data();
        if (id == model_id::m1) {
            net << fully_connected_layer<sigmoid>(2, 5) << fully_connected_layer<sigmoid>(5, 1);
            net.init_weight();
            load_fc(*net[1], load_fc(*net[0], p, 2, 5), 5, 1);
            adam_optimizer.alpha = w.learning_rate;
        } else if (id == model_id::m2) {
            net << fully_connected_layer<relu>(784, 128) << fully_connected_layer<relu>(128, 64)
                << fully_connected_layer<softmax>(64, 10);
            net.init_weight();
            load_fc(*net[2], load_fc(*net[1], load_fc(*net[0], p, 784, 128), 128, 64), 64, 10);
        } else {
            net << convolutional_layer<relu>(28, 28, 3, 1, 8, padding::same) << max_pooling_layer<identity>(28, 28, 8, 2)
                << convolutional_layer<relu>(14, 14, 3, 8, 16, padding::same) << max_pooling_layer<identity>(14, 14, 16, 2)
                << fully_connected_layer<softmax>(784, 10);
            net.init_weight();
            p = load_conv(*net[2], load_conv(*net[0], p, 8, 1), 16, 8);
            // The dense layer reads the pooled (16, 7, 7) tensor as CHW; ctnn's reads HWC.
            auto weights = net[4]->weights();
            vec_t& dense_w = *weights[0];
            for (std::size_t o = 0; o < 10; ++o)
                for (std::size_t c = 0; c < 16; ++c)
                    for (std::size_t hw = 0; hw < 49; ++hw) dense_w[(c * 49 + hw) * 10 + o] = p[o * 784 + hw * 16 + c];
            std::copy_n(p + 7840, 10, weights[1]->begin());
        }
        sgd_optimizer.alpha = w.learning_rate;
        for (std::size_t k = 0; k < w.batch; ++k) {
            inputs.emplace_back(w.inputs.begin() + std::ptrdiff_t(k * w.input_size),
                                w.inputs.begin() + std::ptrdiff_t((k + 1) * w.input_size));
            targets.emplace_back(w.targets.begin() + std::ptrdiff_t(k * w.output_size),
                                 w.targets.begin() + std::ptrdiff_t((k + 1) * w.output_size));
        }
    }

    void run(const float* x, float* y) {
        std::copy_n(x, work.input_size, sample.begin());
        const vec_t out = net.predict(sample);
        std::copy(out.begin(), out.end(), y);
    }

    float step() {
        // The loss before the update, as the other implementations report it (not timed apart).
        float loss;
        if (id == model_id::m1) {
            loss = float(net.get_loss<tdnn::mse>(inputs, targets)) / float(work.batch);
            net.fit<tdnn::mse>(adam_optimizer, inputs, targets, work.batch, 1);
        } else {
            loss = float(net.get_loss<tdnn::cross_entropy_multiclass>(inputs, targets)) / float(work.batch);
            net.fit<tdnn::cross_entropy_multiclass>(sgd_optimizer, inputs, targets, work.batch, 1);
        }
        return loss;
    }

    const workload& work;

private:
    model_id id;
    tdnn::network<tdnn::sequential> net;
    pytorch_adam adam_optimizer;
    tdnn::gradient_descent sgd_optimizer;
    std::vector<vec_t> inputs, targets;
    vec_t sample;
};

}  // namespace

std::unique_ptr<implementation> make_tiny_dnn(model_id model, const workload& w) {
    return std::make_unique<tiny_dnn_model>(w, model);
}

}  // namespace bench
