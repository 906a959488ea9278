// ONNX import: the graph matched node by node against the declared model (see ctnn_gen/onnx.hpp).
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <ctnn_gen/generate.hpp>
#include <ctnn_gen/onnx.hpp>

#include "activation_layout.hpp"
#include "attributes.hpp"
#include "graph_chain.hpp"
#include "layer_text.hpp"
#include "recurrent_gates.hpp"
#include "window_of.hpp"
#include "proto.hpp"
#include "tensor_values.hpp"

namespace ctnn_gen::onnx {

namespace {

// ONNX sizes are int64; anything beyond this is absurd for ctnn and refused before arithmetic.
using i64 = long long;
constexpr long long max_extent = 1LL << 32;

bool close(double a, double b) { return std::abs(a - b) <= 1e-6 * std::max(1.0, std::abs(b)); }

class importer {
public:
    importer(const model_info& model, const graph_chain& chain) : model_(model), chain_(chain) {
        values_.assign(model.param_count, 0.0f);
    }

    std::vector<float> run() {
        find_zero_states();
        start_layout();
        for (std::size_t i = 0; i < chain_.nodes.size();) i += step(i);
        skip_passive_layers();
        if (layer_ < model_.layers.size())
            throw generation_error(fmt::format("{} has no counterpart: the ONNX graph ends before it",
                                               describe_layer(model_, layer_)));
        if (current_ != chain_.output)
            throw generation_error(fmt::format("the ONNX graph output '{}' is not the end of the chain of layers ('{}')",
                                               chain_.output, current_));
        const auto& out_dims = model_.layers.empty() ? model_.input_dims : model_.layers.back().output_dims;
        if (!layout_.is_in_order() && !layout_.is_channels_first_of(out_dims))
            throw generation_error(fmt::format("the ONNX output {} holds ctnn's output ({}) in another element order",
                                               format_dims(layout_.dims), fmt::join(out_dims, ",")));
        return std::move(values_);
    }

private:
    const model_info& model_;
    const graph_chain& chain_;
    std::vector<float> values_;
    activation_layout layout_;
    std::string current_;   // the ONNX value holding the activation so far
    std::size_t layer_ = 0; // the next ctnn layer to match
    // Recurrent layers: ONNX's GRU and LSTM read [T, N, F] and write [T, 1, N, H]. PyTorch's
    // batch_first models swap batch and time around them (Transpose [1,0,2]) and squeeze the
    // direction axis.
    bool time_major_ = false;
    bool direction_axis_ = false;  // a GRU or LSTM output's axis 1 still to be squeezed
    // Nodes that compute a zero initial state (h, and an LSTM's c) from the input's shape (PyTorch
    // writes Shape, Gather, Unsqueeze, Concat and Expand or ConstantOfShape for it), and those values.
    std::set<std::size_t> state_nodes_;
    std::set<std::string> zero_states_;

    // --- the data input -------------------------------------------------------------------
    void start_layout() {
        const pb::ValueInfoProto& input = *chain_.input;
        current_ = input.name();
        const std::vector<std::size_t>& ctnn = model_.input_dims;
        const std::string expected =
            ctnn.size() == 3 ? fmt::format("[N, {}, {}, {}] (channels-first) or [N, {}]", ctnn[2], ctnn[0], ctnn[1], model_.input_size)
                             : fmt::format("[N, {}]", fmt::join(ctnn, ", "));
        if (!input.type().has_tensor_type() || input.type().tensor_type().elem_type() != pb::TensorProto::FLOAT)
            throw generation_error(fmt::format("the ONNX input '{}' is not a float32 tensor", input.name()));
        const auto& tensor = input.type().tensor_type();
        if (!tensor.has_shape()) {
            layout_ = ctnn.size() == 3 ? activation_layout::channels_first(ctnn[0], ctnn[1], ctnn[2])
                                       : activation_layout::in_order(ctnn);
            return;
        }
        std::vector<std::size_t> dims;  // after the batch
        std::size_t size = 1;
        bool known = tensor.shape().dim_size() >= 2;
        for (int d = 1; d < tensor.shape().dim_size() && known; ++d) {
            const auto& dim = tensor.shape().dim(d);
            known = dim.has_dim_value() && dim.dim_value() > 0 && dim.dim_value() <= max_extent;
            if (known) {
                dims.push_back(std::size_t(dim.dim_value()));
                size *= dims.back();
                known = size <= model_.input_size;
            }
        }
        if (!known || size != model_.input_size || tensor.shape().dim_size() > 9)
            throw generation_error(fmt::format("the ONNX input '{}' does not have the shape of ctnn's input ({}): "
                                               "expected {}",
                                               input.name(), fmt::join(ctnn, ","), expected));
        if (ctnn.size() == 3 && dims == std::vector<std::size_t>{ctnn[2], ctnn[0], ctnn[1]})
            layout_ = activation_layout::channels_first(ctnn[0], ctnn[1], ctnn[2]);
        else
            layout_ = activation_layout::in_order(dims);
    }

    // --- one node -------------------------------------------------------------------------
    // Matches chain_.nodes[i] (and the Add after a MatMul); returns how many nodes it took.
    std::size_t step(std::size_t i) {
        const ordered_node& n = chain_.nodes[i];
        const pb::NodeProto& node = *n.node;
        if (state_nodes_.count(n.number) > 0) return 1;
        if (node.input_size() == 0 || node.input(0) != current_)
            throw generation_error(fmt::format("{} does not read the previous layer's output '{}': ctnn imports a "
                                               "chain of layers, each reading the one before",
                                               n.where, current_));
        if (node.output_size() == 0 || node.output(0).empty())
            throw generation_error(fmt::format("{} has no output", n.where));
        for (int k = 1; k < node.input_size(); ++k)
            if (node.input(k) == current_)
                throw generation_error(fmt::format("{} reads the activation twice, which a ctnn layer does not", n.where));
        const std::string& op = node.op_type();
        std::string output = node.output(0);
        std::size_t taken = 1;
        if ((time_major_ || direction_axis_) && op != "Transpose" && op != "Squeeze" && op != "Identity" &&
            recurrent_op_of_onnx(op) == nullptr)
            throw generation_error(fmt::format("{}: the activation is time-major here (after a GRU, an LSTM or a "
                                               "Transpose of batch and time); ctnn imports {} only on batch-major "
                                               "activations",
                                               n.where, op));
        if (op == "Squeeze") squeeze(n);
        else if (op == "Flatten") flatten(n);
        else if (op == "Reshape") reshape(n);
        else if (op == "Transpose") transpose(n);
        else if (op == "Identity") expect_only_attributes(node, n.where, {});
        else if (op == "Dropout") dropout(n);
        else if (op == "Pad") zero_pad(n);
        else {
            static const char* const layers[] = {"Gemm", "MatMul", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool",
                                                 "BatchNormalization", "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Softmax",
                                                 "GRU", "LSTM"};
            if (std::find(std::begin(layers), std::end(layers), op) == std::end(layers))
                throw generation_error(fmt::format(
                    "{}: operator {} is not supported; ctnn-gen imports Gemm, MatMul (+ Add), Conv, MaxPool, "
                    "AveragePool, GlobalAveragePool, BatchNormalization, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, GRU, "
                    "LSTM, Flatten, Reshape, Transpose, Squeeze, Identity, Dropout and a Pad of zeros",
                    n.where, op));
            skip_passive_layers();
            if (layer_ >= model_.layers.size())
                throw generation_error(fmt::format("{} has no counterpart: the ctnn model has no layer left ({} layers)",
                                                   n.where, model_.layers.size()));
            const layer_info& layer = model_.layers[layer_];
            if (layout_.size() != layer.input_size)
                mismatch(n, fmt::format("the ONNX activation {} has {} values, the ctnn layer reads {}",
                                        format_dims(layout_.dims), layout_.size(), layer.input_size));
            if (op == "Gemm") gemm(n, layer);
            else if (op == "MatMul") taken = matmul(i, layer, output);
            else if (op == "Conv") conv(n, layer);
            else if (op == "MaxPool" || op == "AveragePool") pool(n, layer);
            else if (op == "GlobalAveragePool") global_average_pool(n, layer);
            else if (op == "BatchNormalization") batch_normalization(n, layer);
            else if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "LeakyRelu") elementwise(n, layer);
            else if (op == "Softmax") softmax(n, layer);
            else recurrent(n, layer, *recurrent_op_of_onnx(op));
            ++layer_;
        }
        current_ = output;
        return taken;
    }

    void skip_passive_layers() {
        while (layer_ < model_.layers.size() && is_passive(model_.layers[layer_])) ++layer_;
    }

    [[noreturn]] void mismatch(const ordered_node& n, const std::string& what, const std::string& summary = "") const {
        // "ONNX node 4 (Conv 'c', 16 filters 3x3) vs ctnn layer 3 (conv2d<8,3,3>, ...): ..."
        const std::string node = summary.empty() ? n.where : n.where.substr(0, n.where.size() - 1) + ", " + summary + ")";
        throw generation_error(fmt::format("{} vs {}: {}", node, describe_layer(model_, layer_), what));
    }

    void expect_layer(const ordered_node& n, const layer_info& layer, const char* name) const {
        if (layer.name != name) mismatch(n, fmt::format("the operator corresponds to ctnn {}", name));
    }

    const pb::TensorProto* optional_constant(const ordered_node& n, int index, const char* role) const {
        const pb::NodeProto& node = *n.node;
        if (index >= node.input_size() || node.input(index).empty()) return nullptr;
        const auto found = chain_.constants.find(node.input(index));
        if (found == chain_.constants.end())
            throw generation_error(fmt::format("{}: the {} '{}' must be an initializer or Constant, not computed", n.where,
                                               role, node.input(index)));
        return found->second;
    }

    const pb::TensorProto& constant(const ordered_node& n, int index, const char* role) const {
        const pb::TensorProto* tensor = optional_constant(n, index, role);
        if (tensor == nullptr) throw generation_error(fmt::format("{}: the {} (input {}) is missing", n.where, role, index));
        return *tensor;
    }

    // The values of a constant whose dims must be `expected`, checked before they are read.
    std::vector<float> weights(const ordered_node& n, const pb::TensorProto& tensor, const char* role,
                               const std::vector<std::size_t>& expected) const {
        const std::vector<std::size_t> dims = tensor_dims(tensor, n.where);
        if (dims != expected)
            mismatch(n, fmt::format("the {} '{}' has shape {}, the ctnn layer needs {}", role, tensor.name(),
                                    format_dims(dims), format_dims(expected)));
        return float_values(tensor, n.where);
    }

    // A bias of shape [count] (or [1, count]); zeros when absent.
    std::vector<float> bias(const ordered_node& n, int index, std::size_t count) const {
        const pb::TensorProto* tensor = optional_constant(n, index, "bias");
        if (tensor == nullptr) return std::vector<float>(count, 0.0f);
        std::vector<std::size_t> dims = tensor_dims(*tensor, n.where);
        if (dims.size() == 2 && dims[0] == 1) dims.erase(dims.begin());
        if (dims != std::vector<std::size_t>{count})
            mismatch(n, fmt::format("the bias '{}' has shape {}, the ctnn layer needs [{}]", tensor->name(),
                                    format_dims(dims), count));
        return float_values(*tensor, n.where);
    }

    // --- views: ONNX reshapes and transposes the activation, ctnn keeps its order ----------
    void flatten(const ordered_node& n) {
        expect_only_attributes(*n.node, n.where, {"axis"});
        const long long rank = static_cast<long long>(layout_.dims.size()) + 1;
        long long axis = int_attribute(*n.node, n.where, "axis", 1);
        if (axis < 0) axis += rank;
        if (axis < 1 || axis > rank)
            throw generation_error(fmt::format("{}: axis {} would merge the batch dimension or is out of range", n.where,
                                               int_attribute(*n.node, n.where, "axis", 1)));
        std::size_t outer = 1, inner = 1;
        for (std::size_t d = 0; d < layout_.dims.size(); ++d) (i64(d) + 1 < axis ? outer : inner) *= layout_.dims[d];
        layout_.dims = axis == 1 ? std::vector<std::size_t>{inner} : std::vector<std::size_t>{outer, inner};
    }

    void reshape(const ordered_node& n) {
        expect_only_attributes(*n.node, n.where, {"allowzero"});
        if (int_attribute(*n.node, n.where, "allowzero", 0) != 0)
            throw generation_error(fmt::format("{}: allowzero=1 is not supported", n.where));
        const std::vector<long long> shape = int64_values(constant(n, 1, "shape"), n.where, 9);
        if (shape.size() < 2)
            throw generation_error(fmt::format("{}: the shape must keep the batch dimension and at least one more", n.where));
        // shape[0] is the batch: 0 (copy), -1 (inferred) or a count; the rest describes one sample.
        std::vector<std::size_t> dims;
        std::size_t known = 1;
        int inferred = -1;
        bool batch_inferred = shape[0] == -1;
        if (shape[0] < -1) throw generation_error(fmt::format("{}: shape {} is not valid", n.where, fmt::join(shape, ",")));
        for (std::size_t k = 1; k < shape.size(); ++k) {
            long long v = shape[k];
            if (v == 0) {
                if (k - 1 >= layout_.dims.size())
                    throw generation_error(fmt::format("{}: shape entry {} copies a dimension that does not exist", n.where, k));
                v = static_cast<long long>(layout_.dims[k - 1]);
            }
            if (v == -1) {
                if (inferred >= 0 || batch_inferred)
                    throw generation_error(fmt::format("{}: shape {} infers more than one dimension", n.where, fmt::join(shape, ",")));
                inferred = int(k - 1);
                dims.push_back(1);
                continue;
            }
            if (v < 1 || v > max_extent || (known *= std::size_t(v)) > layout_.size())
                throw generation_error(fmt::format("{}: shape {} does not fit the {} values of one sample", n.where,
                                                   fmt::join(shape, ","), layout_.size()));
            dims.push_back(std::size_t(v));
        }
        if (inferred >= 0) {
            if (layout_.size() % known != 0)
                throw generation_error(fmt::format("{}: shape {} does not fit the {} values of one sample", n.where,
                                                   fmt::join(shape, ","), layout_.size()));
            dims[std::size_t(inferred)] = layout_.size() / known;
            known = layout_.size();
        }
        if (known != layout_.size())
            throw generation_error(fmt::format("{}: shape {} does not keep the {} values of one sample", n.where,
                                               fmt::join(shape, ","), layout_.size()));
        layout_.dims = std::move(dims);
    }

    void transpose(const ordered_node& n) {
        expect_only_attributes(*n.node, n.where, {"perm"});
        const std::vector<long long> perm = ints_attribute(*n.node, n.where, "perm", {});
        if (perm == std::vector<long long>{1, 0, 2} && layout_.dims.size() == 2 && !direction_axis_) {
            time_major_ = !time_major_;  // batch and time swap places; one sample's elements stay put
            return;
        }
        if (time_major_ || direction_axis_)
            throw generation_error(fmt::format("{}: only the Transpose [1,0,2] of batch and time is supported on a "
                                               "time-major activation", n.where));
        const std::size_t rank = layout_.dims.size() + 1;
        std::vector<bool> seen(rank, false);
        bool valid = perm.size() == rank && perm[0] == 0;
        for (std::size_t k = 0; valid && k < perm.size(); ++k) {
            valid = perm[k] >= 0 && std::size_t(perm[k]) < rank && !seen[std::size_t(perm[k])];
            if (valid) seen[std::size_t(perm[k])] = true;
        }
        if (!valid)
            throw generation_error(fmt::format("{}: perm [{}] must be a permutation of the {} axes that keeps the "
                                               "batch first",
                                               n.where, fmt::join(perm, ","), rank));
        std::vector<std::size_t> sample_perm;
        for (std::size_t k = 1; k < rank; ++k) sample_perm.push_back(std::size_t(perm[k]) - 1);
        layout_ = layout_.transposed(sample_perm);
    }

    void dropout(const ordered_node& n) {
        // Inference: identity. A training_mode input would make it random.
        expect_only_attributes(*n.node, n.where, {"ratio", "seed", "is_test"});
        if (n.node->input_size() > 2 && !n.node->input(2).empty())
            throw generation_error(fmt::format("{}: a Dropout with a training_mode input is not supported", n.where));
    }

    // PyTorch writes a Pad of zeros before some AveragePools; only that no-op is accepted.
    void zero_pad(const ordered_node& n) {
        expect_only_attributes(*n.node, n.where, {"mode"});
        const std::vector<long long> pads = int64_values(constant(n, 1, "pads"), n.where, 2 * (layout_.dims.size() + 1));
        if (string_attribute(*n.node, n.where, "mode", "constant") != "constant" ||
            std::any_of(pads.begin(), pads.end(), [](long long p) { return p != 0; }) || n.node->input_size() > 3)
            throw generation_error(fmt::format("{}: only a Pad that adds nothing is supported (pads [{}]); use the "
                                               "padding of the Conv or pool instead",
                                               n.where, fmt::join(pads, ",")));
    }

    // Only the direction axis a GRU or LSTM adds (its output is [T, 1, N, H]).
    void squeeze(const ordered_node& n) {
        expect_only_attributes(*n.node, n.where, {"axes"});
        const std::vector<long long> axes = chain_.opset >= 13 ? int64_values(constant(n, 1, "axes"), n.where, 4)
                                                               : ints_attribute(*n.node, n.where, "axes", {});
        if (!direction_axis_ || axes != std::vector<long long>{1})
            throw generation_error(fmt::format("{}: only the Squeeze of a GRU's or LSTM's direction axis (axes [1]) is "
                                               "supported",
                                               n.where));
        direction_axis_ = false;
    }

    // PyTorch computes nn.GRU's and nn.LSTM's zero initial states from the input's shape. Such a
    // value is accepted as initial_h or initial_c when it is, provably, zeros: an Expand of a constant of
    // zeros or a ConstantOfShape of 0, whose shape comes from Shape, Gather, Unsqueeze, Concat,
    // Slice, Cast, Squeeze and constants. Those nodes are then not part of the chain.
    void find_zero_states() {
        std::map<std::string, std::size_t> producer;  // value -> index in chain_.nodes
        for (std::size_t i = 0; i < chain_.nodes.size(); ++i)
            for (const std::string& output : chain_.nodes[i].node->output()) producer[output] = i;
        for (const ordered_node& n : chain_.nodes) {
            const recurrent_op* op = recurrent_op_of_onnx(n.node->op_type());
            if (op == nullptr) continue;
            for (const int input : op->state_inputs)
                if (input < n.node->input_size()) find_zero_state(n.node->input(input), producer);
        }
    }

    void find_zero_state(const std::string& state, const std::map<std::string, std::size_t>& producer) {
        if (state.empty() || chain_.constants.count(state) > 0) return;  // checked by recurrent()
        const auto found = producer.find(state);
        if (found == producer.end()) return;
        const ordered_node& origin = chain_.nodes[found->second];
        const pb::NodeProto& node = *origin.node;
        std::string shape_value;
        if (node.op_type() == "Expand" && node.input_size() == 2 && is_zero_constant(node.input(0), origin.where)) {
            shape_value = node.input(1);
        } else if (node.op_type() == "ConstantOfShape" && node.input_size() == 1 && is_zero_fill(origin)) {
            shape_value = node.input(0);
        } else {
            return;  // recurrent() refuses it
        }
        std::set<std::size_t> nodes{origin.number};
        if (!shape_only(shape_value, producer, nodes)) return;
        state_nodes_.insert(nodes.begin(), nodes.end());
        zero_states_.insert(state);
    }

    bool is_zero_constant(const std::string& name, const std::string& where) const {
        const auto found = chain_.constants.find(name);
        if (found == chain_.constants.end()) return false;
        const std::vector<std::size_t> dims = tensor_dims(*found->second, where);
        std::size_t count = 1;
        for (const std::size_t d : dims) count *= d;
        if (count > 1024) return false;
        const std::vector<float> values = float_values(*found->second, where);
        return std::all_of(values.begin(), values.end(), [](float v) { return v == 0.0f; });
    }

    bool is_zero_fill(const ordered_node& n) const {
        for (const pb::AttributeProto& a : n.node->attribute()) {
            if (a.name() != "value" || a.type() != pb::AttributeProto::TENSOR) return false;
            const std::vector<float> values = float_values(a.t(), n.where);
            if (values.size() != 1 || values[0] != 0.0f) return false;
        }
        return true;
    }

    // Does `value` depend on the activation only through its shape? Collects the nodes.
    bool shape_only(const std::string& value, const std::map<std::string, std::size_t>& producer,
                    std::set<std::size_t>& nodes) const {
        static const std::set<std::string> shape_ops{"Shape", "Gather", "Unsqueeze", "Concat", "Slice", "Cast", "Squeeze"};
        std::vector<std::string> pending{value};
        std::set<std::string> seen;
        while (!pending.empty()) {
            const std::string v = pending.back();
            pending.pop_back();
            if (v.empty() || !seen.insert(v).second || chain_.constants.count(v) > 0) continue;
            const auto found = producer.find(v);
            if (found == producer.end()) return false;  // the graph input itself, not its shape
            const ordered_node& n = chain_.nodes[found->second];
            if (shape_ops.count(n.node->op_type()) == 0) return false;
            nodes.insert(n.number);
            if (n.node->op_type() == "Shape") continue;  // reads only the shape of its input
            for (const std::string& input : n.node->input()) pending.push_back(input);
        }
        return true;
    }

    // --- layers with parameters -------------------------------------------------------------
    // dense: W[units][in] (row-major) then b[units]; ONNX column i is ctnn input ctnn_index[i].
    void store_dense(const layer_info& layer, const std::vector<float>& w, bool transposed, const std::vector<float>& b) {
        const std::size_t in = layer.input_size, units = layer.output_size;
        float* p = values_.data() + layer.param_offset;
        for (std::size_t u = 0; u < units; ++u)
            for (std::size_t i = 0; i < in; ++i)
                p[u * in + layout_.ctnn_index[i]] = transposed ? w[u * in + i] : w[i * units + u];
        std::copy(b.begin(), b.end(), p + units * in);
        layout_ = activation_layout::in_order({units});
    }

    void expect_flat(const ordered_node& n) const {
        const layer_info& layer = model_.layers[layer_];
        if (layer.input_dims.size() != 1)
            mismatch(n, "a dense layer over a sequence (rank-2 input) is not imported from ONNX yet");
        if (layout_.dims.size() != 1)
            mismatch(n, fmt::format("the ONNX activation has shape {}, a dense layer reads a vector (add a Flatten "
                                    "before it)",
                                    format_dims(layout_.dims)));
    }

    void gemm(const ordered_node& n, const layer_info& layer) {
        expect_layer(n, layer, "dense");
        expect_only_attributes(*n.node, n.where, {"alpha", "beta", "transA", "transB"});
        if (float_attribute(*n.node, n.where, "alpha", 1.0f) != 1.0f || float_attribute(*n.node, n.where, "beta", 1.0f) != 1.0f ||
            int_attribute(*n.node, n.where, "transA", 0) != 0)
            throw generation_error(fmt::format("{}: only alpha = beta = 1 and transA = 0 are supported", n.where));
        expect_flat(n);
        const bool transposed = int_attribute(*n.node, n.where, "transB", 0) != 0;
        const std::size_t in = layer.input_size, units = layer.output_size;
        const pb::TensorProto& b = constant(n, 1, "weight");
        const std::vector<std::size_t> dims = tensor_dims(b, n.where);
        if (dims.size() == 2 && (transposed ? dims[0] : dims[1]) != units)
            mismatch(n, fmt::format("{} units vs {}", transposed ? dims[0] : dims[1], units),
                     fmt::format("{} units", transposed ? dims[0] : dims[1]));
        const std::vector<float> w = weights(n, b, "weight", transposed ? std::vector<std::size_t>{units, in}
                                                                       : std::vector<std::size_t>{in, units});
        store_dense(layer, w, transposed, bias(n, 2, units));
    }

    // MatMul by a constant, and the Add of a constant bias that PyTorch writes after it.
    std::size_t matmul(std::size_t i, const layer_info& layer, std::string& output) {
        const ordered_node& n = chain_.nodes[i];
        expect_layer(n, layer, "dense");
        expect_only_attributes(*n.node, n.where, {});
        expect_flat(n);
        const std::size_t in = layer.input_size, units = layer.output_size;
        const std::vector<float> w = weights(n, constant(n, 1, "weight"), "weight", {in, units});
        std::vector<float> b(units, 0.0f);
        std::size_t taken = 1;
        if (i + 1 < chain_.nodes.size() && chain_.nodes[i + 1].node->op_type() == "Add") {
            const ordered_node& add = chain_.nodes[i + 1];
            const pb::NodeProto& node = *add.node;
            if (node.input_size() == 2 && (node.input(0) == output || node.input(1) == output)) {
                expect_only_attributes(node, add.where, {});
                const int other = node.input(0) == output ? 1 : 0;
                b = bias(add, other, units);
                output = node.output(0);
                taken = 2;
            }
        }
        store_dense(layer, w, false, b);
        return taken;
    }

    // The window geometry (kernel, strides, pads, auto_pad, dilations, ceil_mode) against ctnn's.
    void expect_window(const ordered_node& n, const layer_info& layer, std::size_t kh, std::size_t kw,
                       bool count_include_pad) const {
        const pb::NodeProto& node = *n.node;
        const ctnn::emit::window_axis rows = *layer.rows, cols = *layer.cols;
        if (kh != rows.window || kw != cols.window) mismatch(n, fmt::format("window {}x{} vs {}x{}", kh, kw, rows.window, cols.window));
        const std::vector<long long> kernel = ints_attribute(node, n.where, "kernel_shape", {i64(kh), i64(kw)});
        if (kernel != std::vector<long long>{i64(kh), i64(kw)})
            throw generation_error(fmt::format("{}: kernel_shape [{}] disagrees with the weights", n.where, fmt::join(kernel, ",")));
        const std::vector<long long> strides = ints_attribute(node, n.where, "strides", {1, 1});
        if (strides.size() != 2 || strides[0] != i64(rows.stride) || strides[1] != i64(cols.stride))
            mismatch(n, fmt::format("strides [{}] vs stride {}", fmt::join(strides, ","), rows.stride));
        const std::vector<long long> dilations = ints_attribute(node, n.where, "dilations", {1, 1});
        if (dilations != std::vector<long long>{1, 1})
            throw generation_error(fmt::format("{}: dilations [{}] are not supported", n.where, fmt::join(dilations, ",")));
        const bool ceil_mode = int_attribute(node, n.where, "ceil_mode", 0) != 0;
        const std::string auto_pad = string_attribute(node, n.where, "auto_pad", "NOTSET");
        std::vector<long long> pads = ints_attribute(node, n.where, "pads", {0, 0, 0, 0});
        const ctnn::emit::window_axis* axes[2] = {&rows, &cols};
        if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
            for (int a = 0; a < 2; ++a) {
                const auto& axis = *axes[a];
                const long long out = (i64(axis.input) + i64(axis.stride) - 1) / i64(axis.stride);
                const long long total = std::max(0LL, (out - 1) * i64(axis.stride) + i64(axis.window) - i64(axis.input));
                pads[std::size_t(a)] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
                pads[std::size_t(a) + 2] = total - pads[std::size_t(a)];
            }
        } else if (auto_pad == "VALID") {
            pads = {0, 0, 0, 0};
        } else if (auto_pad != "NOTSET") {
            throw generation_error(fmt::format("{}: auto_pad '{}' is not valid", n.where, auto_pad));
        }
        if (pads.size() != 4 || std::any_of(pads.begin(), pads.end(), [](long long p) { return p < 0 || p > max_extent; }))
            throw generation_error(fmt::format("{}: pads [{}] are not valid", n.where, fmt::join(pads, ",")));
        for (int a = 0; a < 2; ++a) {
            const auto& axis = *axes[a];
            const long long span = i64(axis.input) + pads[std::size_t(a)] + pads[std::size_t(a) + 2] - i64(axis.window);
            const long long out = span < 0 ? 0 : (ceil_mode ? (span + i64(axis.stride) - 1) / i64(axis.stride) : span / i64(axis.stride)) + 1;
            if (pads[std::size_t(a)] != i64(axis.leading) || out != i64(axis.output))
                mismatch(n, fmt::format("pads [{}] give {} output {} (leading padding {}), ctnn has {} (leading padding "
                                        "{})",
                                        fmt::join(pads, ","), a == 0 ? "rows" : "columns", out, pads[std::size_t(a)],
                                        axis.output, axis.leading));
            if (count_include_pad && (pads[std::size_t(a)] > 0 || axis.may_pass_end()))
                mismatch(n, "count_include_pad=1 with padding; ctnn averages over the taps inside the input");
        }
    }

    void expect_channels_first(const ordered_node& n, const layer_info& layer) const {
        if (layer.name != "batch_norm" && layer.name != "global_avg_pool2d") expect_window_geometry(layer);
        if (!layout_.is_channels_first_of(layer.input_dims))
            mismatch(n, fmt::format("the ONNX activation {} is not ctnn's ({}) stored channels-first", format_dims(layout_.dims),
                                    fmt::join(layer.input_dims, ",")));
    }

    void conv(const ordered_node& n, const layer_info& layer) {
        const pb::NodeProto& node = *n.node;
        expect_only_attributes(node, n.where, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
        const pb::TensorProto& w = constant(n, 1, "weight");
        const std::vector<std::size_t> dims = tensor_dims(w, n.where);
        if (dims.size() != 4) throw generation_error(fmt::format("{}: the weight should have 4 dims, has {}", n.where, dims.size()));
        const long long group = int_attribute(node, n.where, "group", 1);
        const std::string summary = group == 1 ? fmt::format("{} filters {}x{}", dims[0], dims[2], dims[3])
                                               : fmt::format("{} filters {}x{}, group {}", dims[0], dims[2], dims[3], group);
        const bool depthwise = group != 1;
        if (layer.name != (depthwise ? "depthwise_conv2d" : "conv2d"))
            mismatch(n, fmt::format("a {} convolution is not a ctnn {}", depthwise ? "grouped" : "full", layer.name), summary);
        expect_channels_first(n, layer);
        const std::size_t channels = layer.input_dims[2];
        const std::size_t filters = layer.output_dims[2];
        const std::size_t kh = layer.rows->window, kw = layer.cols->window;
        if (depthwise && (group < 0 || std::size_t(group) != channels))
            mismatch(n, fmt::format("a depthwise convolution has group = channels = {}", channels), summary);
        const std::vector<std::size_t> expected = {filters, depthwise ? 1 : channels, kh, kw};
        if (dims != expected)
            mismatch(n, fmt::format("weights {} vs the {} ctnn needs", format_dims(dims), format_dims(expected)), summary);
        expect_window(n, layer, dims[2], dims[3], false);
        const std::vector<float> kernel = weights(n, w, "weight", expected);
        const std::vector<float> b = bias(n, 2, filters);
        float* p = values_.data() + layer.param_offset;
        for (std::size_t f = 0; f < filters; ++f)
            for (std::size_t c = 0; c < expected[1]; ++c)
                for (std::size_t y = 0; y < kh; ++y)
                    for (std::size_t x = 0; x < kw; ++x) {
                        const float v = kernel[((f * expected[1] + c) * kh + y) * kw + x];
                        if (depthwise) p[(y * kw + x) * channels + f] = v;  // [KH][KW][C]
                        else p[((f * kh + y) * kw + x) * channels + c] = v;  // [F][KH][KW][C]
                    }
        std::copy(b.begin(), b.end(), p + (depthwise ? kh * kw * channels : filters * kh * kw * channels));
        layout_ = activation_layout::channels_first(layer.output_dims[0], layer.output_dims[1], layer.output_dims[2]);
    }

    void pool(const ordered_node& n, const layer_info& layer) {
        const pb::NodeProto& node = *n.node;
        const bool max = node.op_type() == "MaxPool";
        expect_layer(n, layer, max ? "max_pool2d" : "avg_pool2d");
        if (max)
            expect_only_attributes(node, n.where, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
        else
            expect_only_attributes(node, n.where, {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
        expect_channels_first(n, layer);
        const std::vector<long long> kernel = ints_attribute(node, n.where, "kernel_shape", {});
        if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1 || kernel[0] > max_extent || kernel[1] > max_extent)
            throw generation_error(fmt::format("{}: kernel_shape [{}] is not a 2-D window", n.where, fmt::join(kernel, ",")));
        expect_window(n, layer, std::size_t(kernel[0]), std::size_t(kernel[1]),
                      !max && int_attribute(node, n.where, "count_include_pad", 0) != 0);
        layout_ = activation_layout::channels_first(layer.output_dims[0], layer.output_dims[1], layer.output_dims[2]);
    }

    void global_average_pool(const ordered_node& n, const layer_info& layer) {
        expect_layer(n, layer, "global_avg_pool2d");
        expect_only_attributes(*n.node, n.where, {});
        expect_channels_first(n, layer);
        layout_ = activation_layout::in_order({layer.output_size, 1, 1});
    }

    void batch_normalization(const ordered_node& n, const layer_info& layer) {
        const pb::NodeProto& node = *n.node;
        expect_layer(n, layer, "batch_norm");
        expect_only_attributes(node, n.where, {"epsilon", "momentum", "training_mode"});
        if (int_attribute(node, n.where, "training_mode", 0) != 0)
            throw generation_error(fmt::format("{}: training_mode=1; export the model in eval() mode", n.where));
        const double epsilon = float_attribute(node, n.where, "epsilon", 1e-5f);
        if (!close(epsilon, layer.epsilon)) mismatch(n, fmt::format("epsilon {} vs {}", epsilon, layer.epsilon));
        const std::size_t channels = layer.input_dims.back();
        // ONNX normalises axis 1 (the first after the batch); ctnn the last.
        std::vector<std::size_t> target(channels);
        if (layer.input_dims.size() == 1 && layout_.dims.size() == 1) {
            target = layout_.ctnn_index;
        } else {
            expect_channels_first(n, layer);
            for (std::size_t c = 0; c < channels; ++c) target[c] = c;
        }
        const char* roles[4] = {"scale", "bias", "mean", "var"};
        float* p = values_.data() + layer.param_offset;
        for (int k = 0; k < 4; ++k) {
            const std::vector<float> v = weights(n, constant(n, k + 1, roles[k]), roles[k], {channels});
            for (std::size_t c = 0; c < channels; ++c) p[std::size_t(k) * channels + target[c]] = v[c];
        }
        for (std::size_t c = 0; c < channels; ++c)
            if (p[3 * channels + c] < 0) throw generation_error(fmt::format("{}: a running variance is negative", n.where));
    }

    void elementwise(const ordered_node& n, const layer_info& layer) {
        const std::string& op = n.node->op_type();
        const char* name = op == "Relu" ? "relu" : op == "Sigmoid" ? "sigmoid" : op == "Tanh" ? "tanh" : "leaky_relu";
        expect_layer(n, layer, name);
        expect_only_attributes(*n.node, n.where, op == "LeakyRelu" ? std::vector<std::string>{"alpha"} : std::vector<std::string>{});
        if (op == "LeakyRelu") {
            const double alpha = float_attribute(*n.node, n.where, "alpha", 0.01f);
            if (!close(alpha, layer.slope)) mismatch(n, fmt::format("alpha {} vs slope {}", alpha, layer.slope));
        }
    }

    // ONNX GRU (linear_before_reset=1 is PyTorch's nn.GRU) or LSTM -> ctnn gru or lstm: PyTorch's
    // one-layer forward cell from a zero state, the gate blocks reordered (recurrent_gates.hpp).
    void recurrent(const ordered_node& n, const layer_info& layer, const recurrent_op& op) {
        const pb::NodeProto& node = *n.node;
        expect_layer(n, layer, op.ctnn.c_str());
        const bool lstm = op.ctnn == "lstm";
        expect_only_attributes(node, n.where, op.attributes);
        const std::size_t steps = layer.input_dims[0], features = layer.input_dims[1], hidden = layer.output_dims[1];
        const long long hidden_size = int_attribute(node, n.where, "hidden_size", 0);
        if (hidden_size != i64(hidden)) mismatch(n, fmt::format("hidden_size {} vs {}", hidden_size, hidden), fmt::format("hidden {}", hidden_size));
        if (!lstm && int_attribute(node, n.where, "linear_before_reset", 0) != 1)
            mismatch(n, "linear_before_reset must be 1 (PyTorch's nn.GRU), as in ctnn::gru");
        if (lstm && int_attribute(node, n.where, "input_forget", 0) != 0)
            mismatch(n, "input_forget=1 couples the input and forget gates; ctnn::lstm (nn.LSTM) has both");
        if (string_attribute(node, n.where, "direction", "forward") != "forward" ||
            int_attribute(node, n.where, "layout", 0) != 0)
            mismatch(n, fmt::format("only a forward {} with layout 0 ([T, N, F]) is supported", op.onnx));
        for (const pb::AttributeProto& a : node.attribute())
            if (a.name() == "activations" && !std::equal(a.strings().begin(), a.strings().end(), op.activations.begin(),
                                                         op.activations.end()))
                mismatch(n, fmt::format("only the activations {} are supported", fmt::join(op.activations, ", ")));
        if (!time_major_ || layout_.dims != layer.input_dims || !layout_.is_in_order())
            mismatch(n, fmt::format("the {} reads [T, N, F] = [{}, N, {}] (a batch_first model transposes batch and "
                                    "time before it)",
                                    op.onnx, steps, features));
        if (node.input_size() > 4 && !node.input(4).empty())
            mismatch(n, fmt::format("sequence_lens is not supported (every sequence has {} steps)", steps));
        for (const int k : op.state_inputs)
            if (node.input_size() > k && !node.input(k).empty() && zero_states_.count(node.input(k)) == 0) {
                const char* role = k == 5 ? "initial_h" : "initial_c";  // ONNX's inputs 5 and 6
                const std::vector<float> state = weights(n, constant(n, k, role), role, {1, 1, hidden});
                if (std::any_of(state.begin(), state.end(), [](float v) { return v != 0.0f; }))
                    mismatch(n, fmt::format("the {} must be zero, as ctnn::{} starts", role, op.ctnn));
            }
        if (lstm && node.input_size() > 7 && !node.input(7).empty())
            mismatch(n, "peepholes (input P) are not supported; ctnn::lstm (nn.LSTM) has none");
        const std::size_t rows = op.gates * hidden;
        onnx_recurrent_weights from_onnx{weights(n, constant(n, 1, "W"), "W", {1, rows, features}),
                                         weights(n, constant(n, 2, "R"), "R", {1, rows, hidden}),
                                         std::vector<float>(2 * rows, 0.0f)};  // B is optional: zeros
        if (const pb::TensorProto* tensor = optional_constant(n, 3, "B"))
            from_onnx.b = weights(n, *tensor, "B", {1, 2 * rows});
        to_ctnn_gates(op, features, hidden, from_onnx, values_.data() + layer.param_offset);
        layout_ = activation_layout::in_order({steps, hidden});
        direction_axis_ = true;
    }

    void softmax(const ordered_node& n, const layer_info& layer) {
        expect_layer(n, layer, "softmax");
        expect_only_attributes(*n.node, n.where, {"axis"});
        const long long rank = i64(layout_.dims.size()) + 1;
        long long axis = int_attribute(*n.node, n.where, "axis", chain_.opset >= 13 ? -1 : 1);
        if (axis < 0) axis += rank;
        // A softmax over one sample's whole vector does not care about the element order; over the
        // last axis (ctnn's) it needs the same order and the same last extent.
        const bool whole = layout_.dims.size() == 1 && layer.input_dims.size() == 1 && axis == 1;
        const bool last = axis == rank - 1 && layout_.is_in_order() && layout_.dims.back() == layer.input_dims.back();
        if (!whole && !last)
            mismatch(n, fmt::format("softmax over axis {} of {} is not ctnn's softmax over the last axis of ({})", axis,
                                    format_dims(layout_.dims), fmt::join(layer.input_dims, ",")));
    }
};

}  // namespace

std::vector<float> import_model(const model_info& model, std::string_view bytes) {
    if (bytes.size() > max_file_bytes)
        throw generation_error(fmt::format("the ONNX model has {} bytes; ctnn-gen reads at most {}", bytes.size(), max_file_bytes));
    pb::ModelProto proto;
    if (!proto.ParseFromArray(bytes.data(), int(bytes.size())))
        throw generation_error("the file is not a valid ONNX model (protobuf parsing failed: truncated or corrupt)");
    const graph_chain chain = order_graph(proto);
    return importer(model, chain).run();
}

bool available() { return true; }

}  // namespace ctnn_gen::onnx
