// onnx/tensor_values.hpp: the values of an initializer or Constant, checked before anything is
// allocated (type, dims, stored size).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "proto.hpp"

namespace ctnn_gen::onnx {

// The tensor's dims; negative dims or an element count above 2^32 are refused.
std::vector<std::size_t> tensor_dims(const pb::TensorProto& tensor, const std::string& where);

// Float values of a FLOAT tensor whose dims the caller has checked; non-finite values and a stored
// size other than the dims' are refused.
std::vector<float> float_values(const pb::TensorProto& tensor, const std::string& where);

// Values of an INT64 tensor of at most `max_count` elements (e.g. Reshape's shape).
std::vector<long long> int64_values(const pb::TensorProto& tensor, const std::string& where, std::size_t max_count);

// Fills `tensor` with FLOAT `values` of `dims` (raw little-endian data, as PyTorch writes it).
void set_float_tensor(pb::TensorProto& tensor, const std::string& name, const std::vector<long long>& dims,
                      const std::vector<float>& values);
void set_int64_tensor(pb::TensorProto& tensor, const std::string& name, const std::vector<long long>& values);

}  // namespace ctnn_gen::onnx
