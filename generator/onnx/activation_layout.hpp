// onnx/activation_layout.hpp: how the elements of an ONNX activation map onto ctnn's.
//
// ONNX (PyTorch) stores images channels-first, ctnn channels-last, and both flatten in their own
// order. Instead of special cases, the importer and exporter carry, for the activation between
// two layers, its ONNX dims (without the batch) and the ctnn flat index of each ONNX element.
// Reshape and Flatten change only the dims (both sides keep their flat order), Transpose permutes
// the map, a dense layer reads its weight columns through it.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace ctnn_gen::onnx {

struct activation_layout {
    std::vector<std::size_t> dims;          // ONNX dims after the batch dimension
    std::vector<std::size_t> ctnn_index;    // ctnn flat index of ONNX element i (row-major in dims)

    std::size_t size() const { return ctnn_index.size(); }

    // The same elements in the same order: ONNX dims `dims`.
    static activation_layout in_order(std::vector<std::size_t> dims);
    // A ctnn (H, W, C) activation stored by ONNX as (C, H, W).
    static activation_layout channels_first(std::size_t height, std::size_t width, std::size_t channels);

    bool is_in_order() const;
    // Is this ctnn's channels-last `ctnn_dims` (rank 3) stored as (C, H, W)?
    bool is_channels_first_of(const std::vector<std::size_t>& ctnn_dims) const;

    // ONNX Transpose; `perm` excludes the batch dimension and must be a permutation.
    activation_layout transposed(const std::vector<std::size_t>& perm) const;
};

// "[1, 28, 28]"
std::string format_dims(const std::vector<std::size_t>& dims);

}  // namespace ctnn_gen::onnx
