// onnx/recurrent_gates.hpp: ONNX's GRU and LSTM against ctnn's gru and lstm: the operator's
// defaults, and the gate blocks of W, R and B moved between the two orders.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace ctnn_gen::onnx {

// ctnn keeps PyTorch's order (gru: r, z, n; lstm: i, f, g, o); ONNX has its own (GRU: z, r, h;
// LSTM: i, o, f, c). Both keep one block of `hidden` rows per gate.
struct recurrent_op {
    std::string onnx;                      // "GRU", "LSTM"
    std::string ctnn;                      // "gru", "lstm"
    std::size_t gates;                     // blocks in W and R
    std::vector<std::size_t> onnx_block;   // ctnn gate g is ONNX block onnx_block[g]
    std::vector<std::string> activations;  // ONNX's forward default, which ctnn computes
    std::vector<std::string> attributes;   // those the importer checks; any other is refused
    std::vector<int> state_inputs;         // initial_h (and initial_c): must be zero, as ctnn starts
};

// The operator of an ONNX op_type or a ctnn layer name; nullptr for anything else.
const recurrent_op* recurrent_op_of_onnx(const std::string& op_type);
const recurrent_op* recurrent_op_of_layer(const std::string& layer_name);

// ONNX's W [1][gates*H][F], R [1][gates*H][H] and B [1][2*gates*H] and ctnn's parameters
// (W_ih [gates*H][F], W_hh [gates*H][H], b_ih, b_hh), in either direction.
struct onnx_recurrent_weights {
    std::vector<float> w, r, b;
};
void to_ctnn_gates(const recurrent_op& op, std::size_t features, std::size_t hidden, const onnx_recurrent_weights& from,
                   float* params);
onnx_recurrent_weights to_onnx_gates(const recurrent_op& op, std::size_t features, std::size_t hidden,
                                     const float* params);

}  // namespace ctnn_gen::onnx
