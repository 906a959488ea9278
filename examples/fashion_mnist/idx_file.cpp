#include "idx_file.hpp"

#include <zlib.h>

#include <memory>

namespace fashion {
namespace {

constexpr std::uint32_t images_magic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr std::uint32_t labels_magic = 0x00000801;  // unsigned bytes, 1 dimension
// Fashion-MNIST has 60 000 training images; anything far beyond is a corrupt header, not data.
constexpr std::uint32_t max_count = 10'000'000;

struct gz_closer {
    void operator()(gzFile_s* f) const { gzclose(f); }
};
using gz_file = std::unique_ptr<gzFile_s, gz_closer>;

// Reads exactly `size` bytes; reports truncation and decompression errors apart.
std::string read_exact(gzFile file, void* into, std::size_t size, const std::string& path, const char* what) {
    auto* bytes = static_cast<unsigned char*>(into);
    std::size_t done = 0;
    while (done < size) {
        const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(size - done, 1u << 30));
        const int got = gzread(file, bytes + done, chunk);
        if (got < 0) {
            int code = 0;
            const char* message = gzerror(file, &code);
            return path + ": corrupt gzip data while reading the " + what + " (" + message + ")";
        }
        if (got == 0) return path + ": truncated: the file ends inside the " + what;
        done += static_cast<std::size_t>(got);
    }
    return {};
}

std::uint32_t big_endian(const unsigned char* b) {
    return (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) | (std::uint32_t(b[2]) << 8) | std::uint32_t(b[3]);
}

std::string expect_end(gzFile file, const std::string& path) {
    unsigned char extra;
    const int got = gzread(file, &extra, 1);
    if (got < 0) return path + ": corrupt gzip data at the end of the file";
    if (got > 0) return path + ": unexpected bytes after the declared content";
    return {};
}

gz_file open(const std::string& path, std::string& error) {
    gz_file file(gzopen(path.c_str(), "rb"));
    if (!file) error = path + ": cannot open";
    return file;
}

}  // namespace

std::string read_idx_images(const std::string& path, std::size_t rows, std::size_t cols, idx_images& out) {
    std::string error;
    gz_file file = open(path, error);
    if (!file) return error;
    // The magic first, so that a file of another kind is named as such even when it is short.
    unsigned char header[16];
    if (auto e = read_exact(file.get(), header, 4, path, "header"); !e.empty()) return e;
    if (big_endian(header) != images_magic)
        return path + ": not an IDX image file (magic " + std::to_string(big_endian(header)) + ", expected 2051)";
    if (auto e = read_exact(file.get(), header + 4, 12, path, "header"); !e.empty()) return e;
    const std::uint32_t count = big_endian(header + 4);
    if (count == 0 || count > max_count) return path + ": implausible image count " + std::to_string(count);
    if (big_endian(header + 8) != rows || big_endian(header + 12) != cols)
        return path + ": images are " + std::to_string(big_endian(header + 8)) + "x" +
               std::to_string(big_endian(header + 12)) + ", the model expects " + std::to_string(rows) + "x" +
               std::to_string(cols);
    idx_images images{count, rows, cols, std::vector<std::uint8_t>(std::size_t(count) * rows * cols)};
    if (auto e = read_exact(file.get(), images.pixels.data(), images.pixels.size(), path, "pixels"); !e.empty())
        return e;
    if (auto e = expect_end(file.get(), path); !e.empty()) return e;
    out = std::move(images);
    return {};
}

std::string read_idx_labels(const std::string& path, std::size_t classes, idx_labels& out) {
    std::string error;
    gz_file file = open(path, error);
    if (!file) return error;
    unsigned char header[8];
    if (auto e = read_exact(file.get(), header, 4, path, "header"); !e.empty()) return e;
    if (big_endian(header) != labels_magic)
        return path + ": not an IDX label file (magic " + std::to_string(big_endian(header)) + ", expected 2049)";
    if (auto e = read_exact(file.get(), header + 4, 4, path, "header"); !e.empty()) return e;
    const std::uint32_t count = big_endian(header + 4);
    if (count == 0 || count > max_count) return path + ": implausible label count " + std::to_string(count);
    idx_labels labels{std::vector<std::uint8_t>(count)};
    if (auto e = read_exact(file.get(), labels.labels.data(), count, path, "labels"); !e.empty()) return e;
    if (auto e = expect_end(file.get(), path); !e.empty()) return e;
    for (std::size_t i = 0; i < count; ++i)
        if (labels.labels[i] >= classes)
            return path + ": label " + std::to_string(labels.labels[i]) + " at index " + std::to_string(i) +
                   " is outside 0.." + std::to_string(classes - 1);
    out = std::move(labels);
    return {};
}

std::string read_idx_split(const std::string& images_path, const std::string& labels_path, std::size_t rows,
                           std::size_t cols, std::size_t classes, idx_images& images, idx_labels& labels) {
    idx_images read_images;
    idx_labels read_labels;
    if (auto e = read_idx_images(images_path, rows, cols, read_images); !e.empty()) return e;
    if (auto e = read_idx_labels(labels_path, classes, read_labels); !e.empty()) return e;
    if (read_images.count != read_labels.labels.size())
        return images_path + " holds " + std::to_string(read_images.count) + " images but " + labels_path + " holds " +
               std::to_string(read_labels.labels.size()) + " labels: they do not belong together";
    images = std::move(read_images);
    labels = std::move(read_labels);
    return {};
}

}  // namespace fashion
