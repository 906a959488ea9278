// dlib's DNN toolkit: the network as a dlib type, compute_parameter_gradients + update_parameters
// for a training step (what dnn_trainer does inside, without its thread). Weights copied in from
// ctnn's layout: dlib's fc keeps W as [In][Out] then b; con keeps [F][C][KH][KW] then b; tensors are CHW.
#include <algorithm>
#include <cmath>

#include <dlib/dnn.h>

#include "implementation.hpp"

namespace bench {
namespace {

using dlib::con;
using dlib::fc;
using dlib::input;
using dlib::matrix;
using dlib::max_pool;
using dlib::relu;
using dlib::sig;

using m1_net = dlib::loss_mean_squared<sig<fc<1, sig<fc<5, input<matrix<float>>>>>>>;
using m2_net = dlib::loss_multiclass_log<fc<10, relu<fc<64, relu<fc<128, input<matrix<float>>>>>>>>;
using m3_net = dlib::loss_multiclass_log<
    fc<10, max_pool<2, 2, 2, 2, relu<con<16, 3, 3, 1, 1, max_pool<2, 2, 2, 2, relu<con<8, 3, 3, 1, 1, input<matrix<float>>>>>>>>>>;

template <class Layer>
const float* load_fc(Layer& l, const float* p, long in, long out) {
    float* d = l.layer_details().get_layer_params().host();
    for (long o = 0; o < out; ++o)
        for (long i = 0; i < in; ++i) d[i * out + o] = p[o * in + i];
    std::copy_n(p + in * out, out, d + in * out);
    return p + in * out + out;
}

template <class Layer>
const float* load_conv(Layer& l, const float* p, long f_count, long c_count) {
    float* d = l.layer_details().get_layer_params().host();
    for (long f = 0; f < f_count; ++f)
        for (long k = 0; k < 9; ++k)
            for (long c = 0; c < c_count; ++c) d[(f * c_count + c) * 9 + k] = p[(f * 9 + k) * c_count + c];
    std::copy_n(p + f_count * 9 * c_count, f_count, d + f_count * 9 * c_count);
    return p + f_count * 9 * c_count + f_count;
}

template <class Net, class Solver>
class dlib_model final : public timed<dlib_model<Net, Solver>> {
public:
    dlib_model(const workload& w, model_id id, Solver solver)
        : work(w), id(id), solvers(Net::num_computational_layers, solver) {
        const long rows = id == model_id::m3 ? 28 : long(w.input_size), cols = id == model_id::m3 ? 28 : 1;
        for (std::size_t k = 0; k < w.batch; ++k) {
            matrix<float> x(rows, cols);
            std::copy_n(w.inputs.data() + k * w.input_size, w.input_size, x.begin());
            samples.push_back(x);
        }
        sample = samples[0];
        net.to_tensor(samples.begin(), samples.end(), batch);
        net.subnet().forward(batch);  // allocates the parameters
        load(w.params.data());
    }

    void run(const float* x, float* y) {
        std::copy_n(x, work.input_size, sample.begin());
        const float* out = net.subnet()(sample).host();
        if (id == model_id::m1) {
            y[0] = out[0];
            return;
        }
        const float top = *std::max_element(out, out + 10);
        float sum = 0;
        for (int i = 0; i < 10; ++i) sum += y[i] = std::exp(out[i] - top);
        for (int i = 0; i < 10; ++i) y[i] /= sum;
    }

    float step() {
        double loss;
        if constexpr (std::is_same_v<Net, m1_net>)
            loss = net.compute_parameter_gradients(batch, work.targets.begin());
        else {
            std::vector<unsigned long> labels(work.labels.begin(), work.labels.end());
            loss = net.compute_parameter_gradients(batch, labels.begin());
        }
        net.update_parameters(solvers, work.learning_rate);
        // dlib's squared loss has no factor 2 (its gradient is half of ours; Adam does not mind).
        return float(loss);
    }

    const workload& work;

private:
    model_id id;
    Net net;
    std::vector<Solver> solvers;
    std::vector<matrix<float>> samples;
    matrix<float> sample;
    dlib::resizable_tensor batch;

    void load(const float* p) {
        if constexpr (std::is_same_v<Net, m1_net>) {
            load_fc(dlib::layer<2>(net), load_fc(dlib::layer<4>(net), p, 2, 5), 5, 1);
        } else if constexpr (std::is_same_v<Net, m2_net>) {
            p = load_fc(dlib::layer<5>(net), p, 784, 128);
            p = load_fc(dlib::layer<3>(net), p, 128, 64);
            load_fc(dlib::layer<1>(net), p, 64, 10);
        } else {
            p = load_conv(dlib::layer<7>(net), p, 8, 1);
            p = load_conv(dlib::layer<4>(net), p, 16, 8);
            // fc<10> reads the pooled (16, 7, 7) tensor as CHW; ctnn's dense reads HWC.
            float* d = dlib::layer<1>(net).layer_details().get_layer_params().host();
            for (long o = 0; o < 10; ++o)
                for (long c = 0; c < 16; ++c)
                    for (long hw = 0; hw < 49; ++hw) d[(c * 49 + hw) * 10 + o] = p[o * 784 + hw * 16 + c];
            std::copy_n(p + 7840, 10, d + 7840);
        }
    }
};

}  // namespace

std::unique_ptr<implementation> make_dlib(model_id model, const workload& w) {
    switch (model) {
        case model_id::m1: return std::make_unique<dlib_model<m1_net, dlib::adam>>(w, model, dlib::adam(0, 0.9f, 0.999f));
        case model_id::m2: return std::make_unique<dlib_model<m2_net, dlib::sgd>>(w, model, dlib::sgd(0, 0));
        default: return std::make_unique<dlib_model<m3_net, dlib::sgd>>(w, model, dlib::sgd(0, 0));
    }
}

}  // namespace bench
