// ctnn_gen/onnx.hpp: ONNX import into a declared model, and export of a model as ONNX.
//
// Import walks the ONNX graph in topological order and matches it, node by node, against the
// layers of the declared ctnn type; every disagreement (operator, size, stride, padding,
// epsilon, ...) is refused with a message naming the ONNX node and the ctnn layer. The result is
// the model's flat parameters in ctnn's layouts (channels-last, OHWI kernels, ...).
//
// Both throw ctnn_gen::generation_error with a message meant for the user. When ctnn-gen was
// built without libonnx-dev (Debian: libonnx-dev, libprotobuf-dev) they throw it too, saying so.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <ctnn_gen/model_info.hpp>

namespace ctnn_gen::onnx {

// Default operator set (domain "ai.onnx") versions the importer understands; export writes
// export_opset (Softmax over the last axis, Reshape with a shape input, BatchNormalization
// without training outputs).
inline constexpr long long min_opset = 9;
inline constexpr long long max_opset = 17;
inline constexpr long long export_opset = 13;
inline constexpr long long export_ir_version = 7;  // the IR version that introduced opset 13

// Larger files are refused before they are read: weights of models meant for a microcontroller
// or a real-time loop are far smaller, and a cap keeps a hostile file from exhausting memory.
inline constexpr std::size_t max_file_bytes = std::size_t{256} << 20;

// Is ONNX support compiled in?
bool available();

// The model's param_count values from the serialized ONNX model `bytes`.
std::vector<float> import_model(const model_info& model, std::string_view bytes);
// The same from a file (at most max_file_bytes).
std::vector<float> import_file(const model_info& model, const std::string& path);

// The model with these parameters (param_count values) as a serialized ONNX model of opset
// export_opset. Input "input" is [N, features] or [N, C, H, W]; output "output" has ctnn's
// element order (channels-last for a rank-3 output).
std::string export_model(const model_info& model, const std::vector<float>& values);
// The same written to a file, atomically.
void export_file(const model_info& model, const std::vector<float>& values, const std::string& path);

}  // namespace ctnn_gen::onnx
