// ctnn, header path: Model::infer_raw for inference, ctnn::trainer::train_batch for training on
// the batch's values one sample after another, read in place (no staging copy). They are copied
// once, outside the timed loop, to 64-byte aligned storage, as tensors are: read from the
// workload's vector (16-byte aligned), M2's step took 1.1x as long, its loads of x split across
// cache lines.
#include <algorithm>
#include <array>
#include <span>

#include <ctnn/loss/mse.hpp>
#include <ctnn/loss/softmax_cross_entropy.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/optim/sgd.hpp>
#include <ctnn/train.hpp>

#include "implementation.hpp"
#include "models.hpp"

namespace bench {
namespace {

template <class Model, class Loss, class Optimizer, std::size_t Batch>
class ctnn_header final : public timed<ctnn_header<Model, Loss, Optimizer, Batch>> {
    using trainer_type = ctnn::trainer<Model, Loss, float, Batch>;

public:
    explicit ctnn_header(const workload& w) : work(w) {
        std::copy(w.params.begin(), w.params.end(), params.values.begin());
        optimizer.learning_rate = w.learning_rate;
        std::copy_n(w.inputs.begin(), inputs.size(), inputs.begin());
        std::copy_n(w.targets.begin(), targets.size(), targets.begin());
    }

    void run(const float* x, float* y) { Model::infer_raw(params.data(), x, y, scratch.data()); }
    float step() { return float(trainer.train_batch(params, optimizer, inputs, targets).loss); }

    const workload& work;

private:
    ctnn::parameters<Model> params;
    Optimizer optimizer{};
    trainer_type trainer;
    ctnn::inference_scratch<Model, float> scratch;
    alignas(ctnn::tensor_alignment) std::array<float, Batch * Model::input_shape::size> inputs;
    alignas(ctnn::tensor_alignment) std::array<float, Batch * Model::output_shape::size> targets;
};

}  // namespace

std::unique_ptr<implementation> make_ctnn_header(model_id model, const workload& w) {
    switch (model) {
        case model_id::m1: return std::make_unique<ctnn_header<bench_m1, ctnn::mse, ctnn::adam<bench_m1>, 4>>(w);
        case model_id::m2:
            return std::make_unique<ctnn_header<bench_m2, ctnn::softmax_cross_entropy, ctnn::sgd<bench_m2>, 64>>(w);
        default:
            return std::make_unique<ctnn_header<bench_m3, ctnn::softmax_cross_entropy, ctnn::sgd<bench_m3>, 32>>(w);
    }
}

}  // namespace bench
