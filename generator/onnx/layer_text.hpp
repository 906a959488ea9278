// onnx/layer_text.hpp: how messages spell a ctnn layer: "ctnn layer 3 (conv2d<8,3,3>)".
#pragma once
#include <cstddef>
#include <string>

#include <ctnn_gen/model_info.hpp>

namespace ctnn_gen::onnx {

// `index` counts from 0 in model_info; messages count from 1 like ctnn's compile errors
// (at_layer<1> is the first layer after the input).
std::string describe_layer(const model_info& model, std::size_t index);

// Layers that only change the shape, or do nothing at inference: they have no ONNX counterpart
// of their own (ONNX Flatten, Reshape, Transpose, Identity and Dropout are followed separately).
bool is_passive(const layer_info& layer);

}  // namespace ctnn_gen::onnx
