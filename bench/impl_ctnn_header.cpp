// ctnn, header path: Model::infer_raw for inference, ctnn::trainer::train_batch for training.
#include <algorithm>
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
        for (std::size_t k = 0; k < Batch; ++k) {
            std::copy_n(w.inputs.begin() + std::ptrdiff_t(k * w.input_size), w.input_size, inputs[k].data());
            std::copy_n(w.targets.begin() + std::ptrdiff_t(k * w.output_size), w.output_size, targets[k].data());
        }
    }

    void run(const float* x, float* y) { Model::infer_raw(params.data(), x, y, scratch.data()); }
    float step() { return float(trainer.train_batch(params, optimizer, inputs, targets).loss); }

    const workload& work;

private:
    ctnn::parameters<Model> params;
    Optimizer optimizer{};
    trainer_type trainer;
    ctnn::inference_scratch<Model, float> scratch;
    typename trainer_type::input_tensor inputs[Batch];
    typename trainer_type::target_tensor targets[Batch];
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
