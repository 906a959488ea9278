// Reading gzipped IDX files (the MNIST / Fashion-MNIST format): big-endian header, then raw bytes.
// Every malformed input gives a message instead of a crash: a truncated or corrupt gzip stream,
// a wrong magic number, dimensions other than expected, trailing bytes, labels out of range.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fashion {

struct idx_images {
    std::size_t count = 0, rows = 0, cols = 0;
    std::vector<std::uint8_t> pixels;  // count * rows * cols, row-major
};

struct idx_labels {
    std::vector<std::uint8_t> labels;
};

// Each returns an empty string on success, else what is wrong (naming the file).
std::string read_idx_images(const std::string& path, std::size_t rows, std::size_t cols, idx_images& out);
std::string read_idx_labels(const std::string& path, std::size_t classes, idx_labels& out);

// Both files of one split, cross-checked (same count).
std::string read_idx_split(const std::string& images_path, const std::string& labels_path, std::size_t rows,
                           std::size_t cols, std::size_t classes, idx_images& images, idx_labels& labels);

}  // namespace fashion
