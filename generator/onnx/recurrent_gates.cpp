// ONNX's GRU and LSTM against ctnn's gru and lstm (see recurrent_gates.hpp).
#include "recurrent_gates.hpp"

namespace ctnn_gen::onnx {

namespace {

const recurrent_op gru_op{"GRU", "gru", 3, {1, 0, 2}, {"Sigmoid", "Tanh"},
                          {"hidden_size", "linear_before_reset", "direction", "activations", "layout"}, {5}};
const recurrent_op lstm_op{"LSTM", "lstm", 4, {0, 2, 3, 1}, {"Sigmoid", "Tanh", "Tanh"},
                           {"hidden_size", "input_forget", "direction", "activations", "layout"}, {5, 6}};

// Calls move(ctnn row, ONNX row) for every row of every gate block.
template <class Move>
void each_row(const recurrent_op& op, std::size_t hidden, Move move) {
    for (std::size_t g = 0; g < op.gates; ++g)
        for (std::size_t j = 0; j < hidden; ++j) move(g * hidden + j, op.onnx_block[g] * hidden + j);
}

}  // namespace

const recurrent_op* recurrent_op_of_onnx(const std::string& op_type) {
    return op_type == gru_op.onnx ? &gru_op : op_type == lstm_op.onnx ? &lstm_op : nullptr;
}

const recurrent_op* recurrent_op_of_layer(const std::string& layer_name) {
    return layer_name == gru_op.ctnn ? &gru_op : layer_name == lstm_op.ctnn ? &lstm_op : nullptr;
}

void to_ctnn_gates(const recurrent_op& op, std::size_t features, std::size_t hidden, const onnx_recurrent_weights& from,
                   float* params) {
    const std::size_t rows = op.gates * hidden;
    float* w_hh = params + rows * features;
    float* b_ih = w_hh + rows * hidden;
    float* b_hh = b_ih + rows;
    // ONNX keeps PyTorch's [gate row][input]; ctnn the transpose, [input][gate row].
    each_row(op, hidden, [&](std::size_t row, std::size_t onnx_row) {
        for (std::size_t i = 0; i < features; ++i) params[i * rows + row] = from.w[onnx_row * features + i];
        for (std::size_t i = 0; i < hidden; ++i) w_hh[i * rows + row] = from.r[onnx_row * hidden + i];
        b_ih[row] = from.b[onnx_row];
        b_hh[row] = from.b[rows + onnx_row];  // B is Wb, then Rb
    });
}

onnx_recurrent_weights to_onnx_gates(const recurrent_op& op, std::size_t features, std::size_t hidden,
                                     const float* params) {
    const std::size_t rows = op.gates * hidden;
    const float* w_hh = params + rows * features;
    const float* b_ih = w_hh + rows * hidden;
    const float* b_hh = b_ih + rows;
    onnx_recurrent_weights to{std::vector<float>(rows * features), std::vector<float>(rows * hidden),
                              std::vector<float>(2 * rows)};
    each_row(op, hidden, [&](std::size_t row, std::size_t onnx_row) {
        for (std::size_t i = 0; i < features; ++i) to.w[onnx_row * features + i] = params[i * rows + row];
        for (std::size_t i = 0; i < hidden; ++i) to.r[onnx_row * hidden + i] = w_hh[i * rows + row];
        to.b[onnx_row] = b_ih[row];
        to.b[rows + onnx_row] = b_hh[row];
    });
    return to;
}

}  // namespace ctnn_gen::onnx
