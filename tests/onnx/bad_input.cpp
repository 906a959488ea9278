// The ONNX importer on files that cannot be used: truncated, wrong types, absurd dimensions,
// missing initializers, cycles, dangling inputs, other opsets, unsupported operators and other
// architectures. Each must give a generation_error naming the problem; nothing else may escape.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include <ctnn/ctnn.hpp>

#include <ctnn_gen/describe.hpp>
#include <ctnn_gen/onnx.hpp>
#include <onnx/onnx_pb.h>

namespace {

using small_cnn = ctnn::sequential<ctnn::input<6, 6, 2>, ctnn::conv2d<4, 3, 3, 1, ctnn::padding::same>, ctnn::relu,
                                   ctnn::max_pool2d<2>, ctnn::flatten, ctnn::dense<3>, ctnn::softmax>;
using wider_cnn = ctnn::sequential<ctnn::input<6, 6, 2>, ctnn::conv2d<5, 3, 3, 1, ctnn::padding::same>, ctnn::relu,
                                   ctnn::max_pool2d<2>, ctnn::flatten, ctnn::dense<3>, ctnn::softmax>;
using strided_cnn = ctnn::sequential<ctnn::input<6, 6, 2>, ctnn::conv2d<4, 3, 3, 2, ctnn::padding::same>, ctnn::relu,
                                     ctnn::max_pool2d<3>, ctnn::flatten, ctnn::dense<3>, ctnn::softmax>;
using tanh_cnn = ctnn::sequential<ctnn::input<6, 6, 2>, ctnn::conv2d<4, 3, 3, 1, ctnn::padding::same>, ctnn::tanh,
                                  ctnn::max_pool2d<2>, ctnn::flatten, ctnn::dense<3>, ctnn::softmax>;
using shorter_cnn = ctnn::sequential<ctnn::input<6, 6, 2>, ctnn::conv2d<4, 3, 3, 1, ctnn::padding::same>, ctnn::relu,
                                     ctnn::max_pool2d<2>, ctnn::flatten, ctnn::dense<3>>;

const ctnn_gen::model_info& cnn() {
    static const ctnn_gen::model_info info = ctnn_gen::describe<small_cnn>("small_cnn");
    return info;
}

std::vector<float> some_values(const ctnn_gen::model_info& model) {
    std::vector<float> values(model.param_count);
    for (std::size_t k = 0; k < values.size(); ++k) values[k] = float(int(k % 17) - 8) / 16.0f;
    return values;
}

onnx::ModelProto valid_model() {
    onnx::ModelProto model;
    REQUIRE(model.ParseFromString(ctnn_gen::onnx::export_model(cnn(), some_values(cnn()))));
    return model;
}

// The message of the generation_error that importing `model` into `into` throws; fails the test
// when the import succeeds or throws anything else.
std::string refusal(const onnx::ModelProto& model, const ctnn_gen::model_info& into = cnn()) {
    std::string bytes;
    REQUIRE(model.SerializeToString(&bytes));
    try {
        (void)ctnn_gen::onnx::import_model(into, bytes);
    } catch (const ctnn_gen::generation_error& e) {
        return e.what();
    }
    FAIL("the import succeeded");
    return "";
}

onnx::NodeProto& node_of(onnx::ModelProto& model, const std::string& op) {
    for (auto& node : *model.mutable_graph()->mutable_node())
        if (node.op_type() == op) return node;
    FAIL("no ", op, " node");
    throw;
}

onnx::TensorProto& initializer(onnx::ModelProto& model, const std::string& name) {
    for (auto& tensor : *model.mutable_graph()->mutable_initializer())
        if (tensor.name() == name) return tensor;
    FAIL("no initializer ", name);
    throw;
}

// ctnn's export of `info` with some_values, which imports back to the same values.
onnx::ModelProto exported_with_some_values(const ctnn_gen::model_info& info) {
    onnx::ModelProto model;
    REQUIRE(model.ParseFromString(ctnn_gen::onnx::export_model(info, some_values(info))));
    std::string bytes;
    REQUIRE(model.SerializeToString(&bytes));
    REQUIRE(ctnn_gen::onnx::import_model(info, bytes) == some_values(info));
    return model;
}

// Adds a float initializer `name` and makes it input `index` of `node` (skipped inputs left empty).
void set_float_input(onnx::ModelProto& model, onnx::NodeProto& node, int index, const std::string& name,
                     const std::vector<long long>& dims, const std::vector<float>& values) {
    auto& tensor = *model.mutable_graph()->add_initializer();
    tensor.set_name(name);
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    for (const long long d : dims) tensor.add_dims(d);
    tensor.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
    while (node.input_size() <= index) node.add_input("");
    node.set_input(index, name);
}

#define CHECK_MENTIONS(message, text) CHECK_MESSAGE((message).find(text) != std::string::npos, (message))

}  // namespace

TEST_CASE("the valid model imports, with the exported parameters") {
    std::string bytes;
    REQUIRE(valid_model().SerializeToString(&bytes));
    CHECK(ctnn_gen::onnx::import_model(cnn(), bytes) == some_values(cnn()));
}

TEST_CASE("truncated files: every prefix is refused with a generation_error") {
    std::string bytes;
    REQUIRE(valid_model().SerializeToString(&bytes));
    std::size_t refused = 0;
    for (std::size_t length = 0; length < bytes.size(); ++length) {
        try {
            (void)ctnn_gen::onnx::import_model(cnn(), std::string_view(bytes).substr(0, length));
        } catch (const ctnn_gen::generation_error&) {
            ++refused;
        }
    }
    CHECK(refused == bytes.size());
}

TEST_CASE("not a protobuf message") {
    const std::string text = "\xff\xff\xff\xff garbage";
    try {
        (void)ctnn_gen::onnx::import_model(cnn(), text);
        FAIL("accepted");
    } catch (const ctnn_gen::generation_error& e) {
        CHECK_MENTIONS(std::string(e.what()), "not a valid ONNX model");
    }
}

TEST_CASE("wrong types") {
    SUBCASE("float64 weights") {
        auto model = valid_model();
        initializer(model, "layer1_weight").set_data_type(onnx::TensorProto::DOUBLE);
        CHECK_MENTIONS(refusal(model), "holds DOUBLE, not float32");
    }
    SUBCASE("an attribute of another type") {
        auto model = valid_model();
        for (auto& a : *node_of(model, "Conv").mutable_attribute())
            if (a.name() == "strides") a.set_type(onnx::AttributeProto::INT);
        CHECK_MENTIONS(refusal(model), "attribute 'strides' should be a list of integers");
    }
    SUBCASE("an integer input") {
        auto model = valid_model();
        model.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT32);
        CHECK_MENTIONS(refusal(model), "is not a float32 tensor");
    }
}

TEST_CASE("absurd dimensions and sizes") {
    SUBCASE("a weight of 2^40 elements") {
        auto model = valid_model();
        auto& w = initializer(model, "layer1_weight");
        w.set_dims(0, 1LL << 40);
        CHECK_MENTIONS(refusal(model), "has a dimension of 1099511627776");
    }
    SUBCASE("dims whose product overflows") {
        auto model = valid_model();
        auto& w = initializer(model, "layer1_weight");
        for (int k = 0; k < 4; ++k) w.set_dims(k, 1LL << 31);
        CHECK_MENTIONS(refusal(model), "absurdly large");
    }
    SUBCASE("a negative dimension") {
        auto model = valid_model();
        initializer(model, "layer1_weight").set_dims(1, -2);
        CHECK_MENTIONS(refusal(model), "has a dimension of -2");
    }
    SUBCASE("fewer stored bytes than the dims say") {
        auto model = valid_model();
        auto& w = initializer(model, "layer1_weight");
        w.mutable_raw_data()->resize(w.raw_data().size() - 4);
        CHECK_MENTIONS(refusal(model), "stores 284 bytes for 72 float values");
    }
    SUBCASE("an input with a huge dimension") {
        auto model = valid_model();
        model.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(1)->set_dim_value(
            std::numeric_limits<long long>::max());
        CHECK_MENTIONS(refusal(model), "does not have the shape of ctnn's input (6,6,2)");
    }
    SUBCASE("NaN in a weight") {
        auto model = valid_model();
        auto& w = initializer(model, "layer1_weight");
        const float nan = std::numeric_limits<float>::quiet_NaN();
        w.mutable_raw_data()->replace(0, sizeof nan, reinterpret_cast<const char*>(&nan), sizeof nan);
        CHECK_MENTIONS(refusal(model), "holds NaN or infinity");
    }
    SUBCASE("weights in an external file") {
        auto model = valid_model();
        initializer(model, "layer1_weight").set_data_location(onnx::TensorProto::EXTERNAL);
        CHECK_MENTIONS(refusal(model), "external file");
    }
}

TEST_CASE("hostile Reshape and Transpose") {
    // The Flatten before the dense layer becomes a Reshape to `shape`.
    const auto reshaped_to = [](const std::vector<long long>& shape) {
        auto model = valid_model();
        auto& node = node_of(model, "Flatten");
        node.set_op_type("Reshape");
        node.add_input("hostile_shape");
        auto& tensor = *model.mutable_graph()->add_initializer();
        tensor.set_name("hostile_shape");
        tensor.set_data_type(onnx::TensorProto::INT64);
        tensor.add_dims(static_cast<long long>(shape.size()));
        for (const long long v : shape) tensor.add_int64_data(v);
        return refusal(model);
    };
    CHECK_MENTIONS(reshaped_to({-1, 1LL << 62}), "does not fit the 36 values of one sample");
    CHECK_MENTIONS(reshaped_to({0, -1, -1}), "infers more than one dimension");
    CHECK_MENTIONS(reshaped_to({0, 5, 7}), "does not keep the 36 values");
    CHECK_MENTIONS(reshaped_to({-1}), "must keep the batch dimension and at least one more");
    CHECK_MENTIONS(reshaped_to({0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), "has 10 values, at most 9 expected");
    CHECK_MENTIONS(reshaped_to({0, -7}), "does not fit the 36 values");
    CHECK_MENTIONS(reshaped_to({-5, 36}), "is not valid");

    auto model = valid_model();
    for (auto& a : *node_of(model, "Transpose").mutable_attribute())
        if (a.name() == "perm") a.set_ints(0, 1);  // moves the batch
    CHECK_MENTIONS(refusal(model), "must be a permutation of the 4 axes that keeps the batch first");
}

TEST_CASE("missing initializers and dangling inputs") {
    SUBCASE("a weight removed") {
        auto model = valid_model();
        auto* list = model.mutable_graph()->mutable_initializer();
        for (int k = 0; k < list->size(); ++k)
            if (list->Get(k).name() == "layer1_weight") list->DeleteSubrange(k, 1);
        CHECK_MENTIONS(refusal(model), "reads 'layer1_weight', which no initializer, graph input or node defines");
    }
    SUBCASE("a node reading a name nobody defines") {
        auto model = valid_model();
        node_of(model, "Relu").set_input(0, "nowhere");
        CHECK_MENTIONS(refusal(model), "reads 'nowhere'");
    }
    SUBCASE("a weight computed by a node, not an initializer") {
        auto model = valid_model();
        auto& conv = node_of(model, "Conv");
        auto& extra = *model.mutable_graph()->add_node();
        extra.set_op_type("Identity");
        extra.add_input("layer1_weight");
        extra.add_output("computed_weight");
        conv.set_input(1, "computed_weight");
        // Topological order puts the side computation first: it is refused as off the chain.
        CHECK_MENTIONS(refusal(model), "ONNX node 8 (Identity) does not read the previous layer's output");
    }
    SUBCASE("a value defined twice") {
        auto model = valid_model();
        node_of(model, "Relu").set_output(0, node_of(model, "Conv").output(0));
        CHECK_MENTIONS(refusal(model), "is defined twice");
    }
    SUBCASE("no graph output") {
        auto model = valid_model();
        model.mutable_graph()->clear_output();
        CHECK_MENTIONS(refusal(model), "has 0 outputs");
    }
}

TEST_CASE("cycles") {
    auto model = valid_model();
    // Conv reads MaxPool's output, which depends on Conv.
    node_of(model, "Conv").set_input(0, node_of(model, "MaxPool").output(0));
    CHECK_MENTIONS(refusal(model), "has a cycle");
}

TEST_CASE("operator sets and operators") {
    SUBCASE("opset too old") {
        auto model = valid_model();
        model.mutable_opset_import(0)->set_version(8);
        CHECK_MENTIONS(refusal(model), "uses operator set 8; ctnn-gen reads opsets 9 to 17");
    }
    SUBCASE("opset too new") {
        auto model = valid_model();
        model.mutable_opset_import(0)->set_version(18);
        CHECK_MENTIONS(refusal(model), "operator set 18");
    }
    SUBCASE("another domain") {
        auto model = valid_model();
        node_of(model, "Relu").set_domain("com.microsoft");
        CHECK_MENTIONS(refusal(model), "operator domain 'com.microsoft' is not supported");
    }
    SUBCASE("an unsupported operator, named") {
        auto model = valid_model();
        node_of(model, "Relu").set_op_type("Elu");
        CHECK_MENTIONS(refusal(model), "operator Elu is not supported");
    }
    SUBCASE("an attribute ctnn would ignore") {
        auto model = valid_model();
        auto* a = node_of(model, "Conv").add_attribute();
        a->set_name("dilations");
        a->set_type(onnx::AttributeProto::INTS);
        a->add_ints(2);
        a->add_ints(2);
        CHECK_MENTIONS(refusal(model), "dilations [2,2] are not supported");
    }
}

TEST_CASE("another architecture: the message names the ONNX node and the ctnn layer") {
    std::string bytes;
    REQUIRE(valid_model().SerializeToString(&bytes));
    const auto message = [&](const ctnn_gen::model_info& into) -> std::string {
        try {
            (void)ctnn_gen::onnx::import_model(into, bytes);
        } catch (const ctnn_gen::generation_error& e) {
            return e.what();
        }
        return "accepted";
    };
    const std::string wider = message(ctnn_gen::describe<wider_cnn>("wider_cnn"));
    CHECK_MENTIONS(wider, "ONNX node 0 (Conv 'Conv_0', 4 filters 3x3) vs ctnn layer 1 (conv2d<5,3,3>, stride 1, padding 1,1): "
                          "weights [4, 2, 3, 3] vs the [5, 2, 3, 3] ctnn needs");
    const std::string strided = message(ctnn_gen::describe<strided_cnn>("strided_cnn"));
    CHECK_MENTIONS(strided, "vs ctnn layer 1 (conv2d<4,3,3>, stride 2, padding 0,0): strides [1,1] vs stride 2");
    const std::string activation = message(ctnn_gen::describe<tanh_cnn>("tanh_cnn"));
    CHECK_MENTIONS(activation, "ONNX node 1 (Relu 'Relu_1') vs ctnn layer 2 (tanh): the operator corresponds to ctnn relu");
    const std::string shorter = message(ctnn_gen::describe<shorter_cnn>("shorter_cnn"));
    CHECK_MENTIONS(shorter, "ONNX node 6 (Softmax 'Softmax_6') has no counterpart: the ctnn model has no layer left "
                            "(5 layers)");
}

TEST_CASE("GRU: only PyTorch's semantics and a zero initial state") {
    using recurrent = ctnn::sequential<ctnn::input<4, 2>, ctnn::gru<3>, ctnn::flatten, ctnn::dense<2>>;
    using wider = ctnn::sequential<ctnn::input<4, 2>, ctnn::gru<5>, ctnn::flatten, ctnn::dense<2>>;
    static const auto info = ctnn_gen::describe<recurrent>("recurrent");
    const auto exported = [&] { return exported_with_some_values(info); };
    SUBCASE("linear_before_reset = 0 is another GRU") {
        auto model = exported();
        for (auto& a : *node_of(model, "GRU").mutable_attribute())
            if (a.name() == "linear_before_reset") a.set_i(0);
        CHECK_MENTIONS(refusal(model, info), "linear_before_reset must be 1");
    }
    SUBCASE("another hidden size") {
        CHECK_MENTIONS(refusal(exported(), ctnn_gen::describe<wider>("wider")), "hidden_size 3 vs 5");
    }
    SUBCASE("a non-zero initial state") {
        auto model = exported();
        set_float_input(model, node_of(model, "GRU"), 5, "h0", {1, 1, 3}, {0.0f, 0.5f, 0.0f});
        CHECK_MENTIONS(refusal(model, info), "the initial_h must be zero");
    }
    SUBCASE("a batch-major input straight into the GRU") {
        auto model = exported();
        auto& transpose = node_of(model, "Transpose");
        for (auto& a : *transpose.mutable_attribute()) a.set_ints(0, 0), a.set_ints(1, 1);  // perm [0,1,2]
        CHECK_MENTIONS(refusal(model, info), "the GRU reads [T, N, F] = [4, N, 2]");
    }
}

TEST_CASE("LSTM: only nn.LSTM's cell (no peepholes, separate input and forget gates) from a zero state") {
    using recurrent = ctnn::sequential<ctnn::input<4, 2>, ctnn::lstm<3>, ctnn::flatten, ctnn::dense<2>>;
    using wider = ctnn::sequential<ctnn::input<4, 2>, ctnn::lstm<5>, ctnn::flatten, ctnn::dense<2>>;
    using gru_instead = ctnn::sequential<ctnn::input<4, 2>, ctnn::gru<3>, ctnn::flatten, ctnn::dense<2>>;
    static const auto info = ctnn_gen::describe<recurrent>("recurrent");
    const auto exported = [&] { return exported_with_some_values(info); };
    SUBCASE("another hidden size, naming both sides") {
        CHECK_MENTIONS(refusal(exported(), ctnn_gen::describe<wider>("wider")),
                       "(LSTM 'LSTM_1', hidden 3) vs ctnn layer 1 (lstm<5>): hidden_size 3 vs 5");
    }
    SUBCASE("an LSTM is not a ctnn gru") {
        CHECK_MENTIONS(refusal(exported(), ctnn_gen::describe<gru_instead>("gru_instead")),
                       "the operator corresponds to ctnn lstm");
    }
    SUBCASE("peepholes") {
        auto model = exported();
        set_float_input(model, node_of(model, "LSTM"), 7, "P", {1, 9}, std::vector<float>(9, 0.25f));
        CHECK_MENTIONS(refusal(model, info), "peepholes (input P) are not supported");
    }
    SUBCASE("input_forget = 1") {
        auto model = exported();
        auto& coupled = *node_of(model, "LSTM").add_attribute();
        coupled.set_name("input_forget");
        coupled.set_type(onnx::AttributeProto::INT);
        coupled.set_i(1);
        CHECK_MENTIONS(refusal(model, info), "input_forget=1 couples the input and forget gates");
    }
    SUBCASE("a non-zero initial cell state") {
        auto model = exported();
        set_float_input(model, node_of(model, "LSTM"), 6, "c0", {1, 1, 3}, {0.0f, 0.0f, -1.0f});
        CHECK_MENTIONS(refusal(model, info), "the initial_c must be zero");
    }
    SUBCASE("a reverse LSTM") {
        auto model = exported();
        auto& direction = *node_of(model, "LSTM").add_attribute();
        direction.set_name("direction");
        direction.set_type(onnx::AttributeProto::STRING);
        direction.set_s("reverse");
        CHECK_MENTIONS(refusal(model, info), "only a forward LSTM with layout 0");
    }
}
