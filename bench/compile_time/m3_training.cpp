// Compile-time probe (bench/report.py): a program that infers with and trains the M3 CNN.
#include <ctnn/init.hpp>
#include <ctnn/loss/softmax_cross_entropy.hpp>
#include <ctnn/optim/sgd.hpp>
#include <ctnn/train.hpp>

#include "../models.hpp"

static ctnn::parameters<bench_m3> params;
static ctnn::trainer<bench_m3, ctnn::softmax_cross_entropy, float, 32> trainer;
static ctnn::trainer<bench_m3, ctnn::softmax_cross_entropy, float, 32>::input_tensor inputs[32];
static ctnn::trainer<bench_m3, ctnn::softmax_cross_entropy, float, 32>::target_tensor targets[32];

int main() {
    ctnn::initialize(params, 1, ctnn::initializer::he_uniform);
    ctnn::sgd<bench_m3> optimizer{.learning_rate = 0.01f};
    trainer.train_batch(params, optimizer, inputs, targets);
    return bench_m3::infer(params, inputs[0])[0] > 0.5f;
}
