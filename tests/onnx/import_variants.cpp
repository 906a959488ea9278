// The other spellings of the same network that exporters write: MatMul + Add instead of Gemm, an
// untransposed Gemm weight, Constant nodes instead of initializers, Reshape with 0 and -1,
// auto_pad instead of pads, a channels-last input with a Transpose, and a ctnn reshape on the
// way out and back. Each must import to exactly the parameters exported.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include <ctnn/ctnn.hpp>

#include <ctnn_gen/describe.hpp>
#include <ctnn_gen/onnx.hpp>
#include <onnx/onnx_pb.h>

namespace {

using mlp = ctnn::sequential<ctnn::input<5>, ctnn::dense<4>, ctnn::relu, ctnn::dense<3>>;
using cnn = ctnn::sequential<ctnn::input<6, 6, 2>, ctnn::conv2d<4, 3, 3, 1, ctnn::padding::same>, ctnn::relu,
                             ctnn::max_pool2d<2>, ctnn::flatten, ctnn::dense<3>, ctnn::softmax>;
// A flat input reshaped into an image, and a layer of every other kind that export writes.
using reshaped = ctnn::sequential<ctnn::input<72>, ctnn::reshape<6, 6, 2>, ctnn::depthwise_conv2d<3, 3>,
                                  ctnn::batch_norm<>, ctnn::leaky_relu<>, ctnn::avg_pool2d<2>, ctnn::global_avg_pool2d,
                                  ctnn::dense<2>, ctnn::sigmoid>;

template <class Model>
const ctnn_gen::model_info& info() {
    static const ctnn_gen::model_info described = ctnn_gen::describe<Model>("model");
    return described;
}

std::vector<float> some_values(const ctnn_gen::model_info& model) {
    std::vector<float> values(model.param_count);
    // Positive: running variances must be (the import refuses negative ones).
    for (std::size_t k = 0; k < values.size(); ++k) values[k] = float(k % 23 + 1) / 8.0f;
    return values;
}

onnx::ModelProto exported(const ctnn_gen::model_info& model) {
    onnx::ModelProto proto;
    REQUIRE(proto.ParseFromString(ctnn_gen::onnx::export_model(model, some_values(model))));
    return proto;
}

std::vector<float> imported(const ctnn_gen::model_info& model, const onnx::ModelProto& proto) {
    std::string bytes;
    REQUIRE(proto.SerializeToString(&bytes));
    return ctnn_gen::onnx::import_model(model, bytes);
}

onnx::TensorProto* initializer(onnx::ModelProto& model, const std::string& name) {
    for (auto& tensor : *model.mutable_graph()->mutable_initializer())
        if (tensor.name() == name) return &tensor;
    return nullptr;
}

// The FLOAT tensor's [rows][cols] values, transposed in place.
void transpose_matrix(onnx::TensorProto& tensor) {
    const auto rows = std::size_t(tensor.dims(0)), cols = std::size_t(tensor.dims(1));
    std::vector<float> values(rows * cols), out(rows * cols);
    std::memcpy(values.data(), tensor.raw_data().data(), values.size() * sizeof(float));
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) out[c * rows + r] = values[r * cols + c];
    tensor.set_raw_data(std::string(reinterpret_cast<const char*>(out.data()), out.size() * sizeof(float)));
    tensor.set_dims(0, long(cols));
    tensor.set_dims(1, long(rows));
}

}  // namespace

TEST_CASE("every layer kind export writes, through a ctnn reshape, round-trips") {
    const auto& model = info<reshaped>();
    CHECK(imported(model, exported(model)) == some_values(model));
}

TEST_CASE("MatMul + Add, and a Gemm without transB, are dense layers") {
    const auto& model = info<mlp>();
    SUBCASE("MatMul + Add") {
        auto proto = exported(model);
        auto* graph = proto.mutable_graph();
        for (const auto& node : graph->node())
            if (node.op_type() == "Gemm") transpose_matrix(*initializer(proto, node.input(1)));
        onnx::GraphProto rewritten = *graph;
        rewritten.clear_node();
        for (const auto& node : graph->node()) {
            if (node.op_type() != "Gemm") {
                *rewritten.add_node() = node;
                continue;
            }
            auto& matmul = *rewritten.add_node();
            matmul.set_op_type("MatMul");
            matmul.add_input(node.input(0));
            matmul.add_input(node.input(1));
            matmul.add_output(node.output(0) + "_product");
            auto& add = *rewritten.add_node();
            add.set_op_type("Add");
            add.add_input(node.input(2));  // bias first: Add commutes
            add.add_input(matmul.output(0));
            add.add_output(node.output(0));
        }
        *graph = rewritten;
        CHECK(imported(model, proto) == some_values(model));
    }
    SUBCASE("Gemm with transB = 0") {
        auto proto = exported(model);
        for (auto& node : *proto.mutable_graph()->mutable_node()) {
            if (node.op_type() != "Gemm") continue;
            transpose_matrix(*initializer(proto, node.input(1)));
            node.clear_attribute();
        }
        CHECK(imported(model, proto) == some_values(model));
    }
}

TEST_CASE("Constant nodes, Reshape with 0 and -1, auto_pad") {
    const auto& model = info<cnn>();
    auto proto = exported(model);
    auto* graph = proto.mutable_graph();
    // The Flatten before the Gemm becomes a Reshape to [-1, 36] whose shape is a Constant node.
    for (auto& node : *graph->mutable_node()) {
        if (node.op_type() == "Flatten") {
            node.set_op_type("Reshape");
            node.add_input("shape_from_constant");
        }
        if (node.op_type() == "Conv") {
            for (auto& a : *node.mutable_attribute())
                if (a.name() == "pads") {
                    a.set_name("auto_pad");
                    a.set_type(onnx::AttributeProto::STRING);
                    a.clear_ints();
                    a.set_s("SAME_UPPER");
                }
        }
    }
    onnx::NodeProto constant;
    constant.set_op_type("Constant");
    constant.add_output("shape_from_constant");
    auto* value = constant.add_attribute();
    value->set_name("value");
    value->set_type(onnx::AttributeProto::TENSOR);
    value->mutable_t()->set_data_type(onnx::TensorProto::INT64);
    value->mutable_t()->add_dims(2);
    value->mutable_t()->add_int64_data(-1);
    value->mutable_t()->add_int64_data(36);
    *graph->add_node() = constant;  // after its reader: the import orders the graph itself
    CHECK(imported(model, proto) == some_values(model));
}

TEST_CASE("a channels-last input followed by a Transpose") {
    const auto& model = info<cnn>();
    auto proto = exported(model);
    auto* graph = proto.mutable_graph();
    auto* shape = graph->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->mutable_dim(1)->set_dim_value(6);  // [N, 6, 6, 2]: H, W, C
    shape->mutable_dim(3)->set_dim_value(2);
    onnx::GraphProto rewritten = *graph;
    rewritten.clear_node();
    auto& transpose = *rewritten.add_node();
    transpose.set_op_type("Transpose");
    transpose.add_input("input");
    transpose.add_output("input_nchw");
    auto* perm = transpose.add_attribute();
    perm->set_name("perm");
    perm->set_type(onnx::AttributeProto::INTS);
    for (const long p : {0, 3, 1, 2}) perm->add_ints(p);
    for (auto node : graph->node()) {
        for (auto& input : *node.mutable_input())
            if (input == "input") input = "input_nchw";
        *rewritten.add_node() = node;
    }
    *graph = rewritten;
    CHECK(imported(model, proto) == some_values(model));
}
