// Typed access to a node's attributes (see attributes.hpp).
#include "attributes.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <ctnn_gen/generate.hpp>

namespace ctnn_gen::onnx {

namespace {

const pb::AttributeProto* find(const pb::NodeProto& node, const std::string& name) {
    const pb::AttributeProto* found = nullptr;
    for (const pb::AttributeProto& attribute : node.attribute())
        if (attribute.name() == name) found = &attribute;
    return found;
}

const pb::AttributeProto* find_typed(const pb::NodeProto& node, const std::string& where, const std::string& name,
                                     pb::AttributeProto_AttributeType type, const char* type_name) {
    const pb::AttributeProto* attribute = find(node, name);
    if (attribute != nullptr && attribute->type() != type)
        throw generation_error(fmt::format("{}: attribute '{}' should be {}", where, name, type_name));
    return attribute;
}

}  // namespace

std::string describe_node(const pb::NodeProto& node, std::size_t number) {
    if (node.name().empty()) return fmt::format("ONNX node {} ({})", number, node.op_type());
    return fmt::format("ONNX node {} ({} '{}')", number, node.op_type(), node.name());
}

long long int_attribute(const pb::NodeProto& node, const std::string& where, const std::string& name, long long fallback) {
    const auto* a = find_typed(node, where, name, pb::AttributeProto::INT, "an integer");
    return a != nullptr ? static_cast<long long>(a->i()) : fallback;
}

float float_attribute(const pb::NodeProto& node, const std::string& where, const std::string& name, float fallback) {
    const auto* a = find_typed(node, where, name, pb::AttributeProto::FLOAT, "a float");
    return a != nullptr ? a->f() : fallback;
}

std::string string_attribute(const pb::NodeProto& node, const std::string& where, const std::string& name,
                             const std::string& fallback) {
    const auto* a = find_typed(node, where, name, pb::AttributeProto::STRING, "a string");
    return a != nullptr ? a->s() : fallback;
}

std::vector<long long> ints_attribute(const pb::NodeProto& node, const std::string& where, const std::string& name,
                                      const std::vector<long long>& fallback) {
    const auto* a = find_typed(node, where, name, pb::AttributeProto::INTS, "a list of integers");
    if (a == nullptr) return fallback;
    return std::vector<long long>(a->ints().begin(), a->ints().end());
}

void expect_only_attributes(const pb::NodeProto& node, const std::string& where, const std::vector<std::string>& known) {
    for (const pb::AttributeProto& attribute : node.attribute())
        if (std::find(known.begin(), known.end(), attribute.name()) == known.end())
            throw generation_error(fmt::format("{}: attribute '{}' is not supported", where, attribute.name()));
}

}  // namespace ctnn_gen::onnx
