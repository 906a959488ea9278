// One implementation of one benchmark model. The timed loops live in the implementation's own
// translation unit (see timed<>), so each library is called the way its users would call it.
#pragma once
#include <memory>
#include <string_view>

#include <benchmark/benchmark.h>

#include "workload.hpp"

namespace bench {

class implementation {
public:
    virtual ~implementation() = default;
    // One sample (the workload's first input) to output_size values.
    virtual void infer(const float* x, float* y) = 0;
    // One optimizer step on the workload's batch; returns the batch's mean loss before the update.
    virtual float train_step() = 0;
    virtual void time_inference(benchmark::State& state) = 0;
    virtual void time_training(benchmark::State& state) = 0;
};

// CRTP: Derived has run(x, y) and step(); the benchmark loops call them without a virtual call.
template <class Derived>
class timed : public implementation {
public:
    void infer(const float* x, float* y) final { self().run(x, y); }
    float train_step() final { return self().step(); }

    void time_inference(benchmark::State& state) final {
        const workload& w = self().work;
        std::vector<float> y(w.output_size);
        for (auto _ : state) {
            self().run(w.inputs.data(), y.data());
            benchmark::DoNotOptimize(y.data());
            benchmark::ClobberMemory();
        }
    }
    void time_training(benchmark::State& state) final {
        for (auto _ : state) {
            float loss = self().step();
            benchmark::DoNotOptimize(loss);
            benchmark::ClobberMemory();
        }
    }

private:
    Derived& self() { return static_cast<Derived&>(*this); }
};

// Each implementation's factory: nullptr when it does not provide that model.
using factory = std::unique_ptr<implementation> (*)(model_id, const workload&);
std::unique_ptr<implementation> make_ctnn_header(model_id, const workload&);
std::unique_ptr<implementation> make_ctnn_c(model_id, const workload&);
std::unique_ptr<implementation> make_plain(model_id, const workload&);
std::unique_ptr<implementation> make_eigen(model_id, const workload&);
std::unique_ptr<implementation> make_torch(model_id, const workload&);
std::unique_ptr<implementation> make_dlib(model_id, const workload&);
std::unique_ptr<implementation> make_tiny_dnn(model_id, const workload&);

}  // namespace bench
