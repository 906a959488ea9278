// ctnn_gen/model_info.hpp: everything ctnn-gen needs to know about one model, as plain values.
//
// describe<Model>() (ctnn_gen/describe.hpp) fills it from the model type; the rest of the
// generator is ordinary code that never sees the type, so it is compiled once, not per model.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <ctnn/emit/c.hpp>
#include <ctnn/emit/window.hpp>
#include <ctnn/initializer.hpp>
#include <ctnn/status.hpp>

#include <ctnn_gen/writer.hpp>

namespace ctnn_gen {

struct layer_info {
    std::string name;                      // the layer's `name`: "dense", "sigmoid", ...
    std::vector<std::size_t> input_dims;   // input shape
    std::vector<std::size_t> output_dims;  // output shape
    std::size_t input_size = 0;
    std::size_t output_size = 0;
    std::size_t param_count = 0;
    std::size_t param_offset = 0;  // where this layer's slice starts in the flat parameters
    std::size_t flops = 0;
    double epsilon = 0;  // the layer's `epsilon` (batch_norm), 0 for layers without one
    std::size_t saved_size = 0;  // values its training forward keeps for its backward
    std::size_t state_size = 0;  // values a stream carries between its time steps
    ctnn::emit::layer_traits traits;

    // The layer's emitters, instantiated for ctnn_gen::writer. param_layout is null for layers
    // without parameters.
    void (*emit_forward)(writer&, const ctnn::emit::forward_buffers&) = nullptr;
    void (*emit_backward)(writer&, const ctnn::emit::backward_buffers&) = nullptr;
    // Forward and backward over a batch (see ctnn::emit::sample_loop); null: emit_forward or
    // emit_backward once per sample.
    void (*emit_batch_forward)(writer&, const ctnn::emit::forward_buffers&, const ctnn::emit::sample_loop&) = nullptr;
    void (*emit_batch_backward)(writer&, const ctnn::emit::backward_buffers&, const ctnn::emit::sample_loop&) = nullptr;
    void (*emit_param_layout)(writer&, std::size_t) = nullptr;
    // C the layer's code calls (static helper functions), written once before the functions; null: none.
    void (*emit_prelude)(writer&) = nullptr;

    // What importers and exporters (ONNX) compare and convert, beyond the shapes:
    double momentum = 0;  // the layer's `momentum` (batch_norm), 0 for layers without one
    double slope = 0;     // the layer's `slope` (leaky_relu), 0 for layers without one
    // The window walk of conv2d, depthwise_conv2d and the 2-D pools along rows and columns
    // (kernel, stride, leading padding, output extent); empty for other layers. Importers and
    // exporters (ONNX) read the geometry from here.
    std::optional<ctnn::emit::window_axis> rows, cols;
};

struct model_info {
    std::string type_name;  // the C++ type as the user spelled it, for documentation
    std::vector<std::size_t> input_dims;
    std::size_t input_size = 0;
    std::size_t output_size = 0;
    std::size_t param_count = 0;
    std::size_t flops = 0;
    std::uint64_t signature = 0;  // ctnn::architecture_signature
    std::vector<layer_info> layers;
    // A model over a sequence whose every layer can stream: the same layers bound to one time
    // step, for <name>_step. Empty otherwise.
    std::vector<layer_info> step_layers;
    std::size_t step_input_size = 0;
    std::size_t step_output_size = 0;

    // ctnn::load_weights for this model, values copied out on success.
    ctnn::result (*load_weights)(const char* path, std::vector<float>& values) = nullptr;
    // ctnn::save_weights for this model, from param_count values; set by ctnn_gen::main only.
    ctnn::result (*save_weights)(const char* path, const std::vector<float>& values) = nullptr;
    // ctnn::initialize for this model.
    void (*initialize)(std::uint64_t seed, ctnn::initializer scheme, std::vector<float>& values) = nullptr;
};

}  // namespace ctnn_gen
