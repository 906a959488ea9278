// The shared weights and data: ctnn's seeded initialisers give the parameters, a fixed-seed
// generator the inputs and labels, so every run of the benchmark sees the same numbers.
#include "workload.hpp"

#include <memory>

#include <ctnn/init.hpp>
#include <ctnn/random.hpp>

#include "models.hpp"

namespace bench {
namespace {

template <class Model>
std::vector<float> seeded_params(std::uint64_t seed, ctnn::initializer scheme) {
    auto params = std::make_unique<ctnn::parameters<Model>>();
    ctnn::initialize(*params, seed, scheme);
    return {params->values.begin(), params->values.end()};
}

workload make_xor() {
    workload w;
    w.input_size = 2;
    w.output_size = 1;
    w.batch = 4;
    w.learning_rate = 0.1f;
    w.params = seeded_params<bench_m1>(1, ctnn::initializer::xavier_uniform);
    // (0,1) first: the inference sample.
    w.inputs = {0, 1, 0, 0, 1, 0, 1, 1};
    w.targets = {1, 0, 1, 0};
    return w;
}

template <class Model>
workload make_classifier(std::size_t batch, std::uint64_t seed) {
    workload w;
    w.input_size = Model::input_shape::size;
    w.output_size = Model::output_shape::size;
    w.batch = batch;
    w.learning_rate = 0.01f;
    w.params = seeded_params<Model>(seed, ctnn::initializer::he_uniform);
    ctnn::random_generator rng(seed + 100);
    w.inputs.resize(batch * w.input_size);
    for (float& v : w.inputs) v = float(rng.next() >> 40) / float(1 << 24);  // pixels in [0, 1)
    w.targets.assign(batch * w.output_size, 0.0f);
    for (std::size_t k = 0; k < batch; ++k) {
        const int label = int(rng.next() % w.output_size);
        w.labels.push_back(label);
        w.targets[k * w.output_size + std::size_t(label)] = 1.0f;
    }
    return w;
}

}  // namespace

const workload& workload_of(model_id model) {
    static const workload m1 = make_xor();
    static const workload m2 = make_classifier<bench_m2>(64, 2);
    static const workload m3 = make_classifier<bench_m3>(32, 3);
    switch (model) {
        case model_id::m1: return m1;
        case model_id::m2: return m2;
        default: return m3;
    }
}

// Multiply-adds (MACs) per sample of the dense and convolution layers:
//   M1: 2*5 + 5*1 = 15
//   M2: 784*128 + 128*64 + 64*10 = 109,184
//   M3: 28*28*8*(3*3*1) + 14*14*16*(3*3*8) + 784*10 = 56,448 + 225,792 + 7,840 = 290,080
// A training sample costs the forward MACs, as many for the weight gradients, and the input
// gradients of every such layer but the first (M1: 5, M2: 8,192 + 640, M3: 225,792 + 7,840).
// Activations, pooling, losses and optimizer updates are not counted (well under 1% for M2, M3).
namespace {
struct macs { double forward, input_gradients; };
macs macs_of(model_id model) {
    switch (model) {
        case model_id::m1: return {15, 5};
        case model_id::m2: return {109184, 8832};
        default: return {290080, 233632};
    }
}
}  // namespace

double inference_flops(model_id model) { return 2 * macs_of(model).forward; }

double training_flops(model_id model) {
    const macs m = macs_of(model);
    return 2 * (2 * m.forward + m.input_gradients) * double(workload_of(model).batch);
}

}  // namespace bench
