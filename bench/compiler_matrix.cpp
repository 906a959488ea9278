// ctnn's header path as built by each supported compiler at -O2 and -O3 (bench/report.py compiles
// this file once per configuration and prints one table). The main table is g++ -O3, a CMake
// Release build; -O2 is RelWithDebInfo's and many firmware builds' level, and clang 14 the other
// supported compiler; -march=haswell (AVX2) and no -march (SSE2) are the machines most programs are
// built for. Each of them once ran some layer 2x to 40x slower than g++ -O3 (pooling under g++ -O2,
// the dense kernels under clang, the dense weight gradients' spills with AVX2), which the main
// table could not show.
#include <benchmark/benchmark.h>

#include <ctnn/init.hpp>
#include <ctnn/loss/softmax_cross_entropy.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/optim/sgd.hpp>
#include <ctnn/train.hpp>

#include "models.hpp"

namespace {

template <class Model, std::size_t Batch>
struct fixture {
    using trainer_type = ctnn::trainer<Model, ctnn::softmax_cross_entropy, float, Batch>;
    ctnn::parameters<Model> params;
    trainer_type trainer;
    typename trainer_type::input_tensor inputs[Batch];
    typename trainer_type::target_tensor targets[Batch];
    ctnn::inference_scratch<Model, float> scratch;
    ctnn::tensor<float, typename Model::output_shape> output;

    fixture() {
        ctnn::initialize(params, 1, ctnn::initializer::he_uniform);
        unsigned state = 1;
        for (auto& x : inputs)
            for (auto& v : x) {
                state = state * 1103515245u + 12345u;
                v = float(state >> 8) / 16777216.0f;
            }
        for (std::size_t k = 0; k < Batch; ++k) targets[k][k % Model::output_shape::size] = 1.0f;
    }
};

// Static: M2's trainer alone holds about 1.3 MB, Adam's moments another 0.9 MB.
fixture<bench_m2, 64> m2;
fixture<bench_m3, 32> m3;
ctnn::sgd<bench_m2> m2_sgd{.learning_rate = 1e-4f};
ctnn::adam<bench_m2> m2_adam{.learning_rate = 1e-5f};
ctnn::sgd<bench_m3> m3_sgd{.learning_rate = 1e-4f};

template <class F>
void infer(benchmark::State& state, F& f) {
    for (auto _ : state) {
        decltype(f.params)::model::infer_raw(f.params.data(), f.inputs[0].data(), f.output.data(), f.scratch.data());
        benchmark::DoNotOptimize(f.output.data());
        benchmark::ClobberMemory();
    }
}

template <class Optimizer, class F>
void train(benchmark::State& state, F& f, Optimizer* optimizer) {
    for (auto _ : state) {
        const double loss = f.trainer.train_batch(f.params, *optimizer, f.inputs, f.targets).loss;
        benchmark::DoNotOptimize(loss);
    }
}

}  // namespace

BENCHMARK_CAPTURE(infer, m2_infer, m2);
BENCHMARK_CAPTURE(train, m2_train_sgd, m2, &m2_sgd);
BENCHMARK_CAPTURE(train, m2_train_adam, m2, &m2_adam);
BENCHMARK_CAPTURE(infer, m3_infer, m3);
BENCHMARK_CAPTURE(train, m3_train_sgd, m3, &m3_sgd);

BENCHMARK_MAIN();
