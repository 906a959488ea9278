// A firmware-shaped translation unit: everything an embedded target uses, built with the flags of
// a bare-metal project (no exceptions, no RTTI, warnings as errors) on the host and for a
// Cortex-M4 with Debian's newlib toolchain. It is only compiled (-c): a link would need a
// board's startup code and syscalls, which are not the library's business.
#include <cstddef>
#include <cstdint>

#include <ctnn/ctnn.hpp>

namespace {

using xor_net = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid>;
using sample = ctnn::tensor<float, xor_net::input_shape>;
using target = ctnn::tensor<float, xor_net::output_shape>;

constexpr sample inputs[4] = {{{0, 0}}, {{0, 1}}, {{1, 0}}, {{1, 1}}};
constexpr target targets[4] = {{{0}}, {{1}}, {{1}}, {{0}}};

// Static storage, as firmware keeps large state out of the stack.
ctnn::parameters<xor_net> params;
ctnn::gradients<xor_net> grads;
ctnn::adam<xor_net> optimizer{.learning_rate = 0.1f};
ctnn::trainer<xor_net, ctnn::mse, float, 4> trainer;
ctnn::training_workspace<xor_net, float, 1> workspace;
ctnn::inference_scratch<xor_net> scratch;

}  // namespace

// extern "C" entry points keep every instantiation alive in the object file.
extern "C" float ctnn_fw_infer(float a, float b) {
    const sample x{{a, b}};
    target y;
    xor_net::infer(params, x, y, scratch);
    return y[0];
}

extern "C" void ctnn_fw_init(std::uint32_t seed) { ctnn::initialize(params, seed); }

// One hand-driven training step: forward, dL/dy, backward, Adam.
extern "C" float ctnn_fw_manual_step(float a, float b, float t) {
    const sample x{{a, b}};
    const auto y = xor_net::forward(params, x, workspace);
    const target dy{{2 * (y[0] - t)}};
    for (float& g : grads.values) g = 0;
    xor_net::backward(params, x, workspace, dy, grads);
    optimizer.step(params, grads);
    return y[0];
}

extern "C" int ctnn_fw_fit(unsigned epochs) {
    const auto batch = trainer.train_batch(params, optimizer, inputs, targets);
    const auto fitted = trainer.fit(params, optimizer, inputs, targets, {.epochs = epochs, .batch_size = 4});
    return batch.outcome && fitted.outcome ? 0 : 1;
}

// newlib provides <cstdio>; on a board the file calls go to its syscalls (or a FAT layer).
extern "C" int ctnn_fw_save(const char* path) { return ctnn::save_weights(path, params) ? 0 : 1; }
extern "C" int ctnn_fw_load(const char* path) { return ctnn::load_weights(path, params) ? 0 : 1; }

extern "C" std::size_t ctnn_fw_memory() {
    return sizeof(params) + sizeof(optimizer) + sizeof(trainer) + ctnn::layer_table<xor_net>[0].param_count;
}
