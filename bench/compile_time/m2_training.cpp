// Compile-time probe (bench/report.py): a program that infers with and trains the M2 MLP.
#include <ctnn/init.hpp>
#include <ctnn/loss/softmax_cross_entropy.hpp>
#include <ctnn/optim/sgd.hpp>
#include <ctnn/train.hpp>

#include "../models.hpp"

static ctnn::parameters<bench_m2> params;
static ctnn::trainer<bench_m2, ctnn::softmax_cross_entropy, float, 64> trainer;
static ctnn::trainer<bench_m2, ctnn::softmax_cross_entropy, float, 64>::input_tensor inputs[64];
static ctnn::trainer<bench_m2, ctnn::softmax_cross_entropy, float, 64>::target_tensor targets[64];

int main() {
    ctnn::initialize(params, 1, ctnn::initializer::he_uniform);
    ctnn::sgd<bench_m2> optimizer{.learning_rate = 0.01f};
    trainer.train_batch(params, optimizer, inputs, targets);
    return bench_m2::infer(params, inputs[0])[0] > 0.5f;
}
