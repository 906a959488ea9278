// ONNX export: a model and its parameters as an ONNX graph of opset export_opset
// (see ctnn_gen/onnx.hpp).
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <ctnn_gen/generate.hpp>
#include <ctnn_gen/onnx.hpp>

#include "activation_layout.hpp"
#include "layer_text.hpp"
#include "recurrent_gates.hpp"
#include "window_of.hpp"
#include "proto.hpp"
#include "tensor_values.hpp"

namespace ctnn_gen::onnx {

namespace {

using i64 = long long;

class exporter {
public:
    exporter(const model_info& model, const std::vector<float>& values) : model_(model), values_(values) {}

    std::string run() {
        if (values_.size() != model_.param_count)
            throw generation_error(fmt::format("{} parameter values for a model of {}", values_.size(), model_.param_count));
        proto_.set_ir_version(export_ir_version);
        proto_.set_producer_name("ctnn-gen");
        proto_.set_doc_string(fmt::format("ctnn model {}", model_.type_name));
        auto* opset = proto_.add_opset_import();
        opset->set_domain("");
        opset->set_version(export_opset);
        graph_ = proto_.mutable_graph();
        graph_->set_name("ctnn");

        const std::vector<std::size_t>& in = model_.input_dims;
        if (in.size() == 3) {
            layout_ = activation_layout::channels_first(in[0], in[1], in[2]);
        } else {
            layout_ = activation_layout::in_order(in);
        }
        current_ = "input";
        declare(*graph_->add_input(), "input", layout_.dims);

        for (layer_ = 0; layer_ < model_.layers.size(); ++layer_) layer(model_.layers[layer_]);

        const std::vector<std::size_t>& out = model_.layers.empty() ? in : model_.layers.back().output_dims;
        to_ctnn_shape(out);
        pb::NodeProto& last = add("Identity", {current_});
        last.set_output(0, "output");
        declare(*graph_->add_output(), "output", out);
        std::string bytes;
        if (!proto_.SerializeToString(&bytes)) throw generation_error("the ONNX model could not be serialized");
        return bytes;
    }

private:
    const model_info& model_;
    const std::vector<float>& values_;
    pb::ModelProto proto_;
    pb::GraphProto* graph_ = nullptr;
    activation_layout layout_;
    std::string current_;
    std::size_t layer_ = 0;
    std::size_t counter_ = 0;

    static void declare(pb::ValueInfoProto& value, const std::string& name, const std::vector<std::size_t>& dims) {
        value.set_name(name);
        auto* tensor = value.mutable_type()->mutable_tensor_type();
        tensor->set_elem_type(pb::TensorProto::FLOAT);
        auto* shape = tensor->mutable_shape();
        shape->add_dim()->set_dim_param("N");
        for (const std::size_t d : dims) shape->add_dim()->set_dim_value(i64(d));
    }

    // A node reading `inputs`, whose one output becomes the current activation.
    pb::NodeProto& add(const std::string& op, const std::vector<std::string>& inputs) {
        pb::NodeProto& node = *graph_->add_node();
        node.set_op_type(op);
        node.set_name(fmt::format("{}_{}", op, counter_++));
        for (const std::string& input : inputs) node.add_input(input);
        current_ = node.name() + "_out";
        node.add_output(current_);
        return node;
    }

    static void set_int(pb::NodeProto& node, const char* name, i64 value) {
        auto* a = node.add_attribute();
        a->set_name(name);
        a->set_type(pb::AttributeProto::INT);
        a->set_i(value);
    }
    static void set_ints(pb::NodeProto& node, const char* name, const std::vector<i64>& values) {
        auto* a = node.add_attribute();
        a->set_name(name);
        a->set_type(pb::AttributeProto::INTS);
        for (const i64 v : values) a->add_ints(v);
    }
    static void set_float(pb::NodeProto& node, const char* name, double value) {
        auto* a = node.add_attribute();
        a->set_name(name);
        a->set_type(pb::AttributeProto::FLOAT);
        a->set_f(float(value));
    }

    std::string initializer(const std::string& role, const std::vector<i64>& dims, const std::vector<float>& values) {
        const std::string name = fmt::format("layer{}_{}", layer_ + 1, role);
        set_float_tensor(*graph_->add_initializer(), name, dims, values);
        return name;
    }

    std::vector<float> slice(std::size_t offset, std::size_t count) const {
        const auto begin = values_.begin() + std::ptrdiff_t(offset);
        return std::vector<float>(begin, begin + std::ptrdiff_t(count));
    }

    // --- layout moves -----------------------------------------------------------------------
    void transpose(const std::vector<std::size_t>& sample_perm) {
        std::vector<i64> perm{0};
        for (const std::size_t a : sample_perm) perm.push_back(i64(a) + 1);
        set_ints(add("Transpose", {current_}), "perm", perm);
        layout_ = layout_.transposed(sample_perm);
    }

    void reshape(const std::vector<std::size_t>& dims) {
        if (layout_.dims == dims) return;
        if (dims.size() == 1) {
            add("Flatten", {current_});  // axis 1
        } else {
            std::vector<i64> shape{0};  // 0: keep the batch
            for (const std::size_t d : dims) shape.push_back(i64(d));
            const std::string name = fmt::format("layer{}_shape_{}", layer_ + 1, counter_);
            set_int64_tensor(*graph_->add_initializer(), name, shape);
            add("Reshape", {current_, name});
        }
        layout_.dims = dims;
    }

    // ctnn's element order, in ctnn's shape.
    void to_ctnn_shape(const std::vector<std::size_t>& dims) {
        if (!layout_.is_in_order()) {
            if (layout_.dims.size() != 3) throw generation_error("internal: an export layout neither in order nor channels-first");
            transpose({1, 2, 0});
        }
        reshape(dims);
    }

    void to_channels_first(const std::vector<std::size_t>& dims) {
        if (layout_.is_channels_first_of(dims)) return;
        to_ctnn_shape(dims);
        transpose({2, 0, 1});
    }

    // --- layers -----------------------------------------------------------------------------
    void layer(const layer_info& layer) {
        const std::string& name = layer.name;
        const float* p = values_.data() + layer.param_offset;
        if (name == "flatten" || name == "reshape") {
            to_ctnn_shape(layer.output_dims);
        } else if (name == "identity" || name == "dropout") {
            // nothing at inference
        } else if (name == "dense") {
            if (layer.input_dims.size() != 1)
                throw generation_error(fmt::format("{}: a dense layer over a sequence cannot be exported to ONNX yet",
                                                   describe_layer(model_, layer_)));
            if (layout_.dims.size() != 1) reshape({layout_.size()});
            const std::size_t in = layer.input_size, units = layer.output_size;
            std::vector<float> w(units * in);
            for (std::size_t u = 0; u < units; ++u)
                for (std::size_t i = 0; i < in; ++i) w[u * in + i] = p[u * in + layout_.ctnn_index[i]];
            const std::string wn = initializer("weight", {i64(units), i64(in)}, w);
            const std::string bn = initializer("bias", {i64(units)}, slice(layer.param_offset + units * in, units));
            set_int(add("Gemm", {current_, wn, bn}), "transB", 1);
            layout_ = activation_layout::in_order({units});
        } else if (name == "conv2d" || name == "depthwise_conv2d") {
            expect_window_geometry(layer);
            to_channels_first(layer.input_dims);
            const bool depthwise = name == "depthwise_conv2d";
            const std::size_t channels = layer.input_dims[2], filters = layer.output_dims[2];
            const std::size_t kh = layer.rows->window, kw = layer.cols->window, per_filter = depthwise ? 1 : channels;
            std::vector<float> w(filters * per_filter * kh * kw);
            for (std::size_t f = 0; f < filters; ++f)
                for (std::size_t c = 0; c < per_filter; ++c)
                    for (std::size_t y = 0; y < kh; ++y)
                        for (std::size_t x = 0; x < kw; ++x)
                            w[((f * per_filter + c) * kh + y) * kw + x] =
                                depthwise ? p[(y * kw + x) * channels + f] : p[((f * kh + y) * kw + x) * channels + c];
            const std::string wn = initializer("weight", {i64(filters), i64(per_filter), i64(kh), i64(kw)}, w);
            const std::string bn = initializer("bias", {i64(filters)}, slice(layer.param_offset + w.size(), filters));
            pb::NodeProto& node = add("Conv", {current_, wn, bn});
            set_ints(node, "kernel_shape", {i64(kh), i64(kw)});
            window(node, layer);
            if (depthwise) set_int(node, "group", i64(channels));
            layout_ = activation_layout::channels_first(layer.output_dims[0], layer.output_dims[1], layer.output_dims[2]);
        } else if (name == "max_pool2d" || name == "avg_pool2d") {
            expect_window_geometry(layer);
            to_channels_first(layer.input_dims);
            pb::NodeProto& node = add(name == "max_pool2d" ? "MaxPool" : "AveragePool", {current_});
            set_ints(node, "kernel_shape", {i64(layer.rows->window), i64(layer.cols->window)});
            window(node, layer);
            layout_ = activation_layout::channels_first(layer.output_dims[0], layer.output_dims[1], layer.output_dims[2]);
        } else if (name == "global_avg_pool2d") {
            to_channels_first(layer.input_dims);
            add("GlobalAveragePool", {current_});
            layout_ = activation_layout::in_order({layer.output_size, 1, 1});
            reshape({layer.output_size});
        } else if (name == "batch_norm") {
            const std::size_t channels = layer.input_dims.back();
            if (layer.input_dims.size() == 3) to_channels_first(layer.input_dims);
            else if (layer.input_dims.size() == 1) to_ctnn_shape(layer.input_dims);
            else throw generation_error(fmt::format("{}: ONNX export supports batch_norm on vectors and images", describe_layer(model_, layer_)));
            const char* roles[4] = {"scale", "bias", "mean", "var"};
            std::vector<std::string> inputs{current_};
            for (std::size_t k = 0; k < 4; ++k)
                inputs.push_back(initializer(roles[k], {i64(channels)}, slice(layer.param_offset + k * channels, channels)));
            pb::NodeProto& node = add("BatchNormalization", inputs);
            set_float(node, "epsilon", layer.epsilon);
            set_float(node, "momentum", 1.0 - layer.momentum);  // ONNX weighs the running value, ctnn the new one
        } else if (name == "relu" || name == "sigmoid" || name == "tanh") {
            add(name == "relu" ? "Relu" : name == "sigmoid" ? "Sigmoid" : "Tanh", {current_});
        } else if (name == "leaky_relu") {
            set_float(add("LeakyRelu", {current_}), "alpha", layer.slope);
        } else if (const recurrent_op* op = recurrent_op_of_layer(name)) {
            recurrent(layer, p, *op);
        } else if (name == "softmax") {
            to_ctnn_shape(layer.input_dims);
            set_int(add("Softmax", {current_}), "axis", -1);
        } else {
            throw generation_error(fmt::format("{} cannot be exported to ONNX yet", describe_layer(model_, layer_)));
        }
    }

    // ctnn gru or lstm as ONNX GRU (linear_before_reset=1) or LSTM, between the two Transposes of
    // batch and time a batch_first PyTorch model has, and the Squeeze of the direction axis: the
    // same nodes PyTorch writes, without an initial state (zero).
    void recurrent(const layer_info& layer, const float* p, const recurrent_op& op) {
        to_ctnn_shape(layer.input_dims);
        const std::size_t steps = layer.input_dims[0], features = layer.input_dims[1], hidden = layer.output_dims[1];
        const i64 rows = i64(op.gates * hidden);
        const onnx_recurrent_weights onnx_weights = to_onnx_gates(op, features, hidden, p);
        set_ints(add("Transpose", {current_}), "perm", {1, 0, 2});
        const std::string wn = initializer("W", {1, rows, i64(features)}, onnx_weights.w);
        const std::string rn = initializer("R", {1, rows, i64(hidden)}, onnx_weights.r);
        const std::string bn = initializer("B", {1, 2 * rows}, onnx_weights.b);
        pb::NodeProto& node = add(op.onnx, {current_, wn, rn, bn});
        set_int(node, "hidden_size", i64(hidden));
        if (op.ctnn == "gru") set_int(node, "linear_before_reset", 1);
        const std::string axes = fmt::format("layer{}_axes", layer_ + 1);
        set_int64_tensor(*graph_->add_initializer(), axes, {1});
        add("Squeeze", {current_, axes});
        set_ints(add("Transpose", {current_}), "perm", {1, 0, 2});
        layout_ = activation_layout::in_order({steps, hidden});
    }

    static void window(pb::NodeProto& node, const layer_info& layer) {
        const auto trailing = [](const ctnn::emit::window_axis& a) {
            const std::size_t extent = (a.output - 1) * a.stride + a.window;
            return extent > a.input + a.leading ? extent - a.input - a.leading : 0;
        };
        set_ints(node, "strides", {i64(layer.rows->stride), i64(layer.cols->stride)});
        set_ints(node, "pads", {i64(layer.rows->leading), i64(layer.cols->leading), i64(trailing(*layer.rows)),
                                i64(trailing(*layer.cols))});
    }
};

}  // namespace

std::string export_model(const model_info& model, const std::vector<float>& values) {
    return exporter(model, values).run();
}

}  // namespace ctnn_gen::onnx
