// What every implementation of a benchmark model is given: the same parameters (in ctnn's layout,
// which each implementation converts once, outside the timed loop), the same inputs and targets.
#pragma once
#include <cstddef>
#include <vector>

namespace bench {

struct workload {
    std::size_t input_size = 0;
    std::size_t output_size = 0;
    std::size_t batch = 0;             // samples in one training step
    float learning_rate = 0;
    std::vector<float> params;         // ctnn layout
    std::vector<float> inputs;         // batch * input_size; inputs[0..input_size) is the inference sample
    std::vector<float> targets;        // batch * output_size (one-hot for the classifiers)
    std::vector<int> labels;           // class index of each sample (the classifiers only)
};

enum class model_id { m1, m2, m3 };
const workload& workload_of(model_id model);

// The FLOPs of one inference and of one training step (forward, backward incl. input gradients
// where a layer has a predecessor, optimizer update), counted on the architecture, not measured.
double inference_flops(model_id model);
double training_flops(model_id model);

}  // namespace bench
