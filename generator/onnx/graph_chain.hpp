// onnx/graph_chain.hpp: an ONNX graph checked and put in order: one data input, one output,
// constant tensors by name, and the computing nodes in topological order.
#pragma once
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "proto.hpp"

namespace ctnn_gen::onnx {

struct ordered_node {
    const pb::NodeProto* node = nullptr;
    std::size_t number = 0;  // position in the file's node list, as messages name it
    std::string where;       // "ONNX node 4 (Conv 'conv1')"
};

struct graph_chain {
    long long opset = 0;
    const pb::ValueInfoProto* input = nullptr;  // the one graph input that is not an initializer
    std::string output;                         // the one graph output
    std::map<std::string, const pb::TensorProto*> constants;  // initializers and Constant nodes' values
    std::vector<ordered_node> nodes;            // topological order, Constant nodes left out
};

// Checks the model (IR and opset versions, operator domains, names defined once, every input
// defined, no cycle) and orders its nodes. Throws generation_error.
graph_chain order_graph(const pb::ModelProto& model);

}  // namespace ctnn_gen::onnx
