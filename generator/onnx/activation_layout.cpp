// How the elements of an ONNX activation map onto ctnn's (see activation_layout.hpp).
#include "activation_layout.hpp"

#include <numeric>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ctnn_gen::onnx {

namespace {

std::size_t product(const std::vector<std::size_t>& dims) {
    return std::accumulate(dims.begin(), dims.end(), std::size_t{1}, [](std::size_t a, std::size_t b) { return a * b; });
}

}  // namespace

activation_layout activation_layout::in_order(std::vector<std::size_t> dims) {
    activation_layout layout;
    layout.ctnn_index.resize(product(dims));
    std::iota(layout.ctnn_index.begin(), layout.ctnn_index.end(), std::size_t{0});
    layout.dims = std::move(dims);
    return layout;
}

activation_layout activation_layout::channels_first(std::size_t height, std::size_t width, std::size_t channels) {
    activation_layout layout;
    layout.dims = {channels, height, width};
    layout.ctnn_index.reserve(channels * height * width);
    for (std::size_t c = 0; c < channels; ++c)
        for (std::size_t h = 0; h < height; ++h)
            for (std::size_t w = 0; w < width; ++w) layout.ctnn_index.push_back((h * width + w) * channels + c);
    return layout;
}

bool activation_layout::is_in_order() const {
    for (std::size_t i = 0; i < ctnn_index.size(); ++i)
        if (ctnn_index[i] != i) return false;
    return true;
}

bool activation_layout::is_channels_first_of(const std::vector<std::size_t>& ctnn_dims) const {
    if (ctnn_dims.size() != 3) return false;
    const activation_layout expected = channels_first(ctnn_dims[0], ctnn_dims[1], ctnn_dims[2]);
    return dims == expected.dims && ctnn_index == expected.ctnn_index;
}

activation_layout activation_layout::transposed(const std::vector<std::size_t>& perm) const {
    const std::size_t rank = dims.size();
    activation_layout out;
    out.dims.resize(rank);
    for (std::size_t a = 0; a < rank; ++a) out.dims[a] = dims[perm[a]];
    std::vector<std::size_t> stride(rank, 1);  // strides of the input dims
    for (std::size_t a = rank; a-- > 1;) stride[a - 1] = stride[a] * dims[a];
    out.ctnn_index.resize(ctnn_index.size());
    std::vector<std::size_t> position(rank, 0);  // index in the output dims, odometer style
    for (std::size_t i = 0; i < out.ctnn_index.size(); ++i) {
        std::size_t source = 0;
        for (std::size_t a = 0; a < rank; ++a) source += position[a] * stride[perm[a]];
        out.ctnn_index[i] = ctnn_index[source];
        for (std::size_t a = rank; a-- > 0;) {
            if (++position[a] < out.dims[a]) break;
            position[a] = 0;
        }
    }
    return out;
}

std::string format_dims(const std::vector<std::size_t>& dims) { return fmt::format("[{}]", fmt::join(dims, ", ")); }

}  // namespace ctnn_gen::onnx
