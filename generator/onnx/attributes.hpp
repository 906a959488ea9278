// onnx/attributes.hpp: typed access to a node's attributes; a wrong type is an error, not a
// default.
#pragma once
#include <string>
#include <vector>

#include "proto.hpp"

namespace ctnn_gen::onnx {

// "ONNX node 4 (Conv 'conv1')": how messages name a node (its position in the graph's node list).
std::string describe_node(const pb::NodeProto& node, std::size_t number);

long long int_attribute(const pb::NodeProto& node, const std::string& where, const std::string& name, long long fallback);
float float_attribute(const pb::NodeProto& node, const std::string& where, const std::string& name, float fallback);
std::string string_attribute(const pb::NodeProto& node, const std::string& where, const std::string& name,
                             const std::string& fallback);
std::vector<long long> ints_attribute(const pb::NodeProto& node, const std::string& where, const std::string& name,
                                      const std::vector<long long>& fallback);
// Refuses attributes other than `known` (an attribute ctnn would ignore could change the maths).
void expect_only_attributes(const pb::NodeProto& node, const std::string& where, const std::vector<std::string>& known);

}  // namespace ctnn_gen::onnx
