// ctnn_bench: every implementation of M1..M3 in one binary. Before any timing, each
// implementation's inference output, first training loss and inference output after one training
// step are compared with ctnn's header path; any disagreement aborts the run.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "implementation.hpp"

namespace bench {
void time_peak_fma(benchmark::State& state);

namespace {

struct named_factory {
    const char* name;
    factory make;
};
const named_factory implementations[] = {
    {"ctnn_header", make_ctnn_header}, {"ctnn_c", make_ctnn_c}, {"plain", make_plain},    {"eigen", make_eigen},
    {"libtorch", make_torch},          {"dlib", make_dlib},     {"tiny_dnn", make_tiny_dnn},
};

struct named_model {
    const char* name;
    model_id id;
};
const named_model models[] = {{"m1", model_id::m1}, {"m2", model_id::m2}, {"m3", model_id::m3}};

// Different libraries sum in different orders and use different exp/log: agreement to about
// 1e-4 relative is what float32 allows here; anything wrong in a layer is far larger.
bool close(float a, float b) { return std::fabs(a - b) <= 1e-5f + 2e-4f * std::max(std::fabs(a), std::fabs(b)); }

float max_difference(const std::vector<float>& a, const std::vector<float>& b) {
    float worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
    return worst;
}

bool agrees(const std::vector<float>& a, const std::vector<float>& b) {
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!close(a[i], b[i])) return false;
    return true;
}

// Inference, one training step's loss, and inference after that step, for a fresh instance.
struct observation {
    std::vector<float> before, after;
    float loss = 0;
};
observation observe(implementation& impl, const workload& w) {
    observation o{std::vector<float>(w.output_size), std::vector<float>(w.output_size), 0};
    impl.infer(w.inputs.data(), o.before.data());
    o.loss = impl.train_step();
    impl.infer(w.inputs.data(), o.after.data());
    return o;
}

bool check_all() {
    bool ok = true;
    for (const named_model& model : models) {
        const workload& w = workload_of(model.id);
        const observation reference = observe(*make_ctnn_header(model.id, w), w);
        for (const named_factory& impl : implementations) {
            auto instance = impl.make(model.id, w);
            if (!instance) continue;
            const observation seen = observe(*instance, w);
            const bool same = agrees(seen.before, reference.before) && close(seen.loss, reference.loss) &&
                              agrees(seen.after, reference.after);
            std::printf("check %s %-12s %s  output %.2e  loss %.2e  after step %.2e\n", model.name, impl.name,
                        same ? "ok      " : "MISMATCH", double(max_difference(seen.before, reference.before)),
                        double(std::fabs(seen.loss - reference.loss)),
                        double(max_difference(seen.after, reference.after)));
            ok = ok && same;
        }
    }
    return ok;
}

void register_all() {
    // Process CPU time: immune to the other jobs on a shared machine, and it still counts any
    // helper thread a library might start (all are configured for one thread).
    benchmark::RegisterBenchmark("peak_fma", time_peak_fma)->MeasureProcessCPUTime();
    for (const named_model& model : models) {
        const workload& w = workload_of(model.id);
        for (const char* task : {"infer", "train"}) {
            const bool training = std::string(task) == "train";
            for (const named_factory& impl : implementations) {
                std::shared_ptr<implementation> instance = impl.make(model.id, w);
                if (!instance) continue;
                const double flops = training ? training_flops(model.id) : inference_flops(model.id);
                const std::string name = std::string(model.name) + "_" + task + "/" + impl.name;
                benchmark::RegisterBenchmark(name.c_str(), [instance, training, flops](benchmark::State& state) {
                    if (training)
                        instance->time_training(state);
                    else
                        instance->time_inference(state);
                    state.counters["flops_per_iteration"] = flops;
                })->MeasureProcessCPUTime();
            }
        }
    }
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    if (!bench::check_all()) {
        std::fprintf(stderr, "ctnn_bench: implementations disagree; not timing anything\n");
        return 1;
    }
    bench::register_all();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
