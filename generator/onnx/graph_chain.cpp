// An ONNX graph checked and put in topological order (see graph_chain.hpp).
#include "graph_chain.hpp"

#include <deque>
#include <set>

#include <fmt/format.h>

#include <ctnn_gen/onnx.hpp>
#include <ctnn_gen/generate.hpp>

#include "attributes.hpp"

namespace ctnn_gen::onnx {

namespace {

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

long long default_opset(const pb::ModelProto& model) {
    long long opset = -1;
    for (const pb::OperatorSetIdProto& import : model.opset_import())
        if (is_default_domain(import.domain())) opset = import.version();
    if (opset < 0) throw generation_error("the ONNX model imports no default (ai.onnx) operator set");
    if (opset < min_opset || opset > max_opset)
        throw generation_error(fmt::format("the ONNX model uses operator set {}; ctnn-gen reads opsets {} to {} (export "
                                           "with torch.onnx.export(..., opset_version=13), say)",
                                           opset, min_opset, max_opset));
    return opset;
}

}  // namespace

graph_chain order_graph(const pb::ModelProto& model) {
    if (!model.has_graph()) throw generation_error("the ONNX file holds no graph");
    if (model.ir_version() < 3)
        throw generation_error(fmt::format("the ONNX model has IR version {}; ctnn-gen reads 3 and later", model.ir_version()));
    const pb::GraphProto& graph = model.graph();
    graph_chain chain;
    chain.opset = default_opset(model);

    // Every value name is defined once: by an initializer, a graph input or a node output.
    std::set<std::string> defined;
    const auto define = [&](const std::string& name, const std::string& by) {
        if (name.empty()) return;
        if (!defined.insert(name).second)
            throw generation_error(fmt::format("the ONNX value '{}' is defined twice (again by {})", name, by));
    };
    for (const pb::TensorProto& initializer : graph.initializer()) {
        define(initializer.name(), "an initializer");
        chain.constants[initializer.name()] = &initializer;
    }
    if (graph.sparse_initializer_size() > 0) throw generation_error("the ONNX model has sparse initializers, which ctnn-gen does not read");
    for (const pb::ValueInfoProto& input : graph.input()) {
        if (chain.constants.count(input.name()) > 0) continue;  // older exporters list initializers as inputs too
        if (chain.input != nullptr)
            throw generation_error(fmt::format("the ONNX graph has more than one data input ('{}' and '{}'); a ctnn "
                                               "model has one",
                                               chain.input->name(), input.name()));
        chain.input = &input;
        define(input.name(), "a graph input");
    }
    if (chain.input == nullptr) throw generation_error("the ONNX graph has no data input");
    if (graph.output_size() != 1)
        throw generation_error(fmt::format("the ONNX graph has {} outputs; a ctnn model has one", graph.output_size()));
    chain.output = graph.output(0).name();

    // Kahn's algorithm: a node is ready when every input it names is defined.
    const std::size_t count = static_cast<std::size_t>(graph.node_size());
    std::map<std::string, std::size_t> producer;
    for (std::size_t k = 0; k < count; ++k) {
        const pb::NodeProto& node = graph.node(int(k));
        const std::string where = describe_node(node, k);
        if (!is_default_domain(node.domain()))
            throw generation_error(fmt::format("{}: operator domain '{}' is not supported", where, node.domain()));
        for (const std::string& output : node.output()) {
            if (output.empty()) continue;
            if (defined.count(output) > 0 || producer.count(output) > 0)
                throw generation_error(fmt::format("the ONNX value '{}' is defined twice (again by {})", output, where));
            producer[output] = k;
        }
    }
    std::vector<std::size_t> missing(count, 0);
    std::vector<std::vector<std::size_t>> consumers(count);
    for (std::size_t k = 0; k < count; ++k) {
        const pb::NodeProto& node = graph.node(int(k));
        for (const std::string& input : node.input()) {
            if (input.empty() || defined.count(input) > 0) continue;
            const auto found = producer.find(input);
            if (found == producer.end())
                throw generation_error(fmt::format("{} reads '{}', which no initializer, graph input or node defines",
                                                   describe_node(node, k), input));
            ++missing[k];
            consumers[found->second].push_back(k);
        }
    }
    std::deque<std::size_t> ready;
    for (std::size_t k = 0; k < count; ++k)
        if (missing[k] == 0) ready.push_back(k);
    std::size_t placed = 0;
    while (!ready.empty()) {
        const std::size_t k = ready.front();
        ready.pop_front();
        ++placed;
        const pb::NodeProto& node = graph.node(int(k));
        if (node.op_type() == "Constant") {
            const std::string where = describe_node(node, k);
            expect_only_attributes(node, where, {"value"});
            if (node.output_size() != 1 || node.attribute_size() != 1 || node.attribute(0).type() != pb::AttributeProto::TENSOR)
                throw generation_error(fmt::format("{}: only a Constant with one tensor 'value' is supported", where));
            chain.constants[node.output(0)] = &node.attribute(0).t();
        } else {
            chain.nodes.push_back({&node, k, describe_node(node, k)});
        }
        // Consumers are listed once per input naming this node's outputs.
        for (const std::size_t consumer : consumers[k])
            if (--missing[consumer] == 0) ready.push_back(consumer);
    }
    if (placed != count) {
        for (std::size_t k = 0; k < count; ++k)
            if (missing[k] > 0)
                throw generation_error(
                    fmt::format("the ONNX graph has a cycle: {} waits, directly or not, for its own output", describe_node(graph.node(int(k)), k)));
    }
    if (defined.count(chain.output) == 0 && producer.count(chain.output) == 0)
        throw generation_error(fmt::format("the ONNX graph output '{}' is not computed by any node", chain.output));
    return chain;
}

}  // namespace ctnn_gen::onnx
