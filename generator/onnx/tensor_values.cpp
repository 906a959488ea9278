// The values of an initializer or Constant (see tensor_values.hpp).
#include "tensor_values.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include <ctnn_gen/generate.hpp>

namespace ctnn_gen::onnx {

namespace {

constexpr std::size_t max_elements = std::size_t{1} << 32;

static_assert(std::endian::native == std::endian::little,
              "ONNX raw_data is little-endian: reading it on a big-endian host needs a byte swap");

std::size_t element_count(const pb::TensorProto& tensor, const std::string& where) {
    std::size_t count = 1;
    for (const std::size_t d : tensor_dims(tensor, where)) count *= d;  // tensor_dims bounded the product
    return count;
}

void expect_local(const pb::TensorProto& tensor, const std::string& where) {
    if (tensor.data_location() == pb::TensorProto::EXTERNAL)
        throw generation_error(fmt::format("{}: tensor '{}' keeps its data in an external file, which ctnn-gen does "
                                           "not read (export the model with its weights inside)",
                                           where, tensor.name()));
    if (tensor.has_segment())
        throw generation_error(fmt::format("{}: tensor '{}' is split into segments, which ctnn-gen does not read", where,
                                           tensor.name()));
}

}  // namespace

std::vector<std::size_t> tensor_dims(const pb::TensorProto& tensor, const std::string& where) {
    std::vector<std::size_t> dims;
    if (tensor.dims_size() > 8)
        throw generation_error(fmt::format("{}: tensor '{}' has {} dimensions", where, tensor.name(), tensor.dims_size()));
    std::size_t count = 1;
    for (const auto d : tensor.dims()) {
        if (d < 0 || static_cast<std::uint64_t>(d) > max_elements)
            throw generation_error(fmt::format("{}: tensor '{}' has a dimension of {}", where, tensor.name(), d));
        count *= static_cast<std::size_t>(d);  // each factor <= 2^32 and the running product checked below
        if (count > max_elements)
            throw generation_error(fmt::format("{}: tensor '{}' is absurdly large", where, tensor.name()));
        dims.push_back(static_cast<std::size_t>(d));
    }
    return dims;
}

std::vector<float> float_values(const pb::TensorProto& tensor, const std::string& where) {
    if (tensor.data_type() != pb::TensorProto::FLOAT)
        throw generation_error(fmt::format("{}: tensor '{}' holds {}, not float32 (ctnn-gen imports float32 weights)",
                                           where, tensor.name(),
                                           pb::TensorProto_DataType_Name(pb::TensorProto_DataType(tensor.data_type()))));
    expect_local(tensor, where);
    const std::size_t count = element_count(tensor, where);
    std::vector<float> values;
    if (tensor.has_raw_data()) {
        if (tensor.raw_data().size() != count * sizeof(float) || tensor.float_data_size() != 0)
            throw generation_error(fmt::format("{}: tensor '{}' stores {} bytes for {} float values", where, tensor.name(),
                                               tensor.raw_data().size(), count));
        values.resize(count);
        std::memcpy(values.data(), tensor.raw_data().data(), count * sizeof(float));
    } else {
        if (static_cast<std::size_t>(tensor.float_data_size()) != count)
            throw generation_error(fmt::format("{}: tensor '{}' stores {} values for its {} elements", where,
                                               tensor.name(), tensor.float_data_size(), count));
        values.assign(tensor.float_data().begin(), tensor.float_data().end());
    }
    for (const float v : values)
        if (!std::isfinite(v))
            throw generation_error(fmt::format("{}: tensor '{}' holds NaN or infinity", where, tensor.name()));
    return values;
}

std::vector<long long> int64_values(const pb::TensorProto& tensor, const std::string& where, std::size_t max_count) {
    if (tensor.data_type() != pb::TensorProto::INT64)
        throw generation_error(fmt::format("{}: tensor '{}' should hold int64 values", where, tensor.name()));
    expect_local(tensor, where);
    const std::size_t count = element_count(tensor, where);
    if (count > max_count)
        throw generation_error(fmt::format("{}: tensor '{}' has {} values, at most {} expected", where, tensor.name(),
                                           count, max_count));
    std::vector<long long> values(count);
    if (tensor.has_raw_data()) {
        if (tensor.raw_data().size() != count * sizeof(std::int64_t) || tensor.int64_data_size() != 0)
            throw generation_error(fmt::format("{}: tensor '{}' stores {} bytes for {} int64 values", where,
                                               tensor.name(), tensor.raw_data().size(), count));
        for (std::size_t k = 0; k < count; ++k) {
            std::int64_t v = 0;
            std::memcpy(&v, tensor.raw_data().data() + k * sizeof v, sizeof v);
            values[k] = v;
        }
    } else {
        if (static_cast<std::size_t>(tensor.int64_data_size()) != count)
            throw generation_error(fmt::format("{}: tensor '{}' stores {} values for its {} elements", where,
                                               tensor.name(), tensor.int64_data_size(), count));
        for (std::size_t k = 0; k < count; ++k) values[k] = tensor.int64_data(int(k));
    }
    return values;
}

void set_float_tensor(pb::TensorProto& tensor, const std::string& name, const std::vector<long long>& dims,
                      const std::vector<float>& values) {
    tensor.set_name(name);
    tensor.set_data_type(pb::TensorProto::FLOAT);
    for (const long long d : dims) tensor.add_dims(d);
    tensor.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
}

void set_int64_tensor(pb::TensorProto& tensor, const std::string& name, const std::vector<long long>& values) {
    tensor.set_name(name);
    tensor.set_data_type(pb::TensorProto::INT64);
    tensor.add_dims(static_cast<long long>(values.size()));
    for (const long long v : values) tensor.add_int64_data(v);
}

}  // namespace ctnn_gen::onnx
