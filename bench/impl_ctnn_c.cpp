// ctnn, generated C (ctnn-gen via ctnn_add_model): <name>_infer for inference; a training step is
// <name>_train_batch over the batch and one optimizer step.
#include <algorithm>
#include <cstring>
#include <vector>

#include <boost/align/aligned_allocator.hpp>

extern "C" {
#include "bench_m1_c.h"
#include "bench_m2_c.h"
#include "bench_m3_c.h"
}

#include "implementation.hpp"

namespace bench {
namespace {

// The generated API differs per model only in its prefix; this table names the functions.
struct m1_api {
    static constexpr std::size_t params = BENCH_M1_C_PARAM_COUNT, workspace = BENCH_M1_C_TRAIN_WORKSPACE_SIZE,
                                 scratch = BENCH_M1_C_INFER_SCRATCH_SIZE;
    using optimizer = bench_m1_c_adam;
    static optimizer make_optimizer(float lr) { return optimizer BENCH_M1_C_ADAM_INIT(lr); }
    static void infer(const float* p, const float* x, float* y, float* s) { bench_m1_c_infer(p, x, y, s); }
    static float train_batch(const float* p, const float* x, const float* t, std::size_t n, float* ws, float* g) {
        return bench_m1_c_train_batch(p, x, t, n, ws, g);
    }
    static void update(optimizer* o, float* p, const float* g) { bench_m1_c_adam_step(o, p, g); }
};
struct m2_api {
    static constexpr std::size_t params = BENCH_M2_C_PARAM_COUNT, workspace = BENCH_M2_C_TRAIN_WORKSPACE_SIZE,
                                 scratch = BENCH_M2_C_INFER_SCRATCH_SIZE;
    using optimizer = bench_m2_c_sgd;
    static optimizer make_optimizer(float lr) { return optimizer BENCH_M2_C_SGD_INIT(lr, 0.0f); }
    static void infer(const float* p, const float* x, float* y, float* s) { bench_m2_c_infer(p, x, y, s); }
    static float train_batch(const float* p, const float* x, const float* t, std::size_t n, float* ws, float* g) {
        return bench_m2_c_train_batch(p, x, t, n, ws, g);
    }
    static void update(optimizer* o, float* p, const float* g) { bench_m2_c_sgd_step(o, p, g); }
};
struct m3_api {
    static constexpr std::size_t params = BENCH_M3_C_PARAM_COUNT, workspace = BENCH_M3_C_TRAIN_WORKSPACE_SIZE,
                                 scratch = BENCH_M3_C_INFER_SCRATCH_SIZE;
    using optimizer = bench_m3_c_sgd;
    static optimizer make_optimizer(float lr) { return optimizer BENCH_M3_C_SGD_INIT(lr, 0.0f); }
    static void infer(const float* p, const float* x, float* y, float* s) { bench_m3_c_infer(p, x, y, s); }
    static float train_batch(const float* p, const float* x, const float* t, std::size_t n, float* ws, float* g) {
        return bench_m3_c_train_batch(p, x, t, n, ws, g);
    }
    static void update(optimizer* o, float* p, const float* g) { bench_m3_c_sgd_step(o, p, g); }
};

template <class Api>
class ctnn_c final : public timed<ctnn_c<Api>> {
public:
    explicit ctnn_c(const workload& w)
        : work(w), params(w.params.begin(), w.params.end()), grads(Api::params), workspace(Api::workspace * w.batch),
          scratch(Api::scratch + 1), inputs(w.inputs.begin(), w.inputs.end()), targets(w.targets.begin(), w.targets.end()),
          optimizer(Api::make_optimizer(w.learning_rate)) {}

    void run(const float* x, float* y) { Api::infer(params.data(), x, y, scratch.data()); }

    float step() {
        const float loss =
            Api::train_batch(params.data(), inputs.data(), targets.data(), work.batch, workspace.data(), grads.data());
        Api::update(&optimizer, params.data(), grads.data());
        return loss;
    }

    const workload& work;

private:
    // 64-byte aligned, as ctnn::parameters and the other libraries' buffers are: a std::vector of
    // this size starts 16 bytes into a page, and every 64-byte load of a row then spans two cache
    // lines (M2 inference through the generated C 5-7% slower). The batch too, as the header
    // path's copy of it.
    using buffer = std::vector<float, boost::alignment::aligned_allocator<float, 64>>;
    buffer params, grads, workspace, scratch, inputs, targets;
    typename Api::optimizer optimizer;
};

}  // namespace

std::unique_ptr<implementation> make_ctnn_c(model_id model, const workload& w) {
    switch (model) {
        case model_id::m1: return std::make_unique<ctnn_c<m1_api>>(w);
        case model_id::m2: return std::make_unique<ctnn_c<m2_api>>(w);
        default: return std::make_unique<ctnn_c<m3_api>>(w);
    }
}

}  // namespace bench
