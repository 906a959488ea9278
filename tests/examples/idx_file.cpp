// The IDX reader of the Fashion-MNIST example, fed well-formed and broken files made here.
#include <doctest/doctest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "idx_file.hpp"

namespace fs = std::filesystem;

namespace {
struct temp_dir {
    fs::path path = fs::temp_directory_path() / ("ctnn_idx_" + std::to_string(std::random_device{}()));
    temp_dir() { fs::create_directories(path); }
    ~temp_dir() { fs::remove_all(path); }
    std::string file(const char* name) const { return (path / name).string(); }
};

void put_be(std::vector<unsigned char>& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<unsigned char>(v >> shift));
}

std::vector<unsigned char> images_file(std::uint32_t count, std::uint32_t rows, std::uint32_t cols) {
    std::vector<unsigned char> bytes;
    put_be(bytes, 0x803);
    put_be(bytes, count);
    put_be(bytes, rows);
    put_be(bytes, cols);
    for (std::uint32_t i = 0; i < count * rows * cols; ++i) bytes.push_back(static_cast<unsigned char>(i * 7));
    return bytes;
}

std::vector<unsigned char> labels_file(const std::vector<unsigned char>& labels) {
    std::vector<unsigned char> bytes;
    put_be(bytes, 0x801);
    put_be(bytes, static_cast<std::uint32_t>(labels.size()));
    bytes.insert(bytes.end(), labels.begin(), labels.end());
    return bytes;
}

void write_gz(const std::string& path, const std::vector<unsigned char>& bytes) {
    gzFile f = gzopen(path.c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(gzwrite(f, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
    gzclose(f);
}

bool mentions(const std::string& error, const char* text) { return error.find(text) != std::string::npos; }
}  // namespace

TEST_CASE("well-formed files are read exactly") {
    temp_dir dir;
    write_gz(dir.file("img.gz"), images_file(3, 2, 2));
    write_gz(dir.file("lbl.gz"), labels_file({0, 9, 4}));
    fashion::idx_images images;
    fashion::idx_labels labels;
    CHECK(fashion::read_idx_split(dir.file("img.gz"), dir.file("lbl.gz"), 2, 2, 10, images, labels) == "");
    CHECK(images.count == 3);
    CHECK(images.pixels.size() == 12);
    CHECK(images.pixels[5] == 35);
    CHECK(labels.labels == std::vector<std::uint8_t>{0, 9, 4});
}

TEST_CASE("broken files give clear errors") {
    temp_dir dir;
    fashion::idx_images images;
    fashion::idx_labels labels;
    const auto good = images_file(3, 2, 2);

    CHECK(mentions(fashion::read_idx_images(dir.file("absent.gz"), 2, 2, images), "cannot open"));

    write_gz(dir.file("short.gz"), std::vector<unsigned char>(good.begin(), good.end() - 1));
    CHECK(mentions(fashion::read_idx_images(dir.file("short.gz"), 2, 2, images), "truncated"));

    write_gz(dir.file("long.gz"), [&] { auto b = good; b.push_back(1); return b; }());
    CHECK(mentions(fashion::read_idx_images(dir.file("long.gz"), 2, 2, images), "unexpected bytes"));

    write_gz(dir.file("magic.gz"), labels_file({1, 2}));
    CHECK(mentions(fashion::read_idx_images(dir.file("magic.gz"), 2, 2, images), "not an IDX image file"));

    write_gz(dir.file("size.gz"), images_file(2, 3, 2));
    CHECK(mentions(fashion::read_idx_images(dir.file("size.gz"), 2, 2, images), "images are 3x2, the model expects 2x2"));

    write_gz(dir.file("count.gz"), [] { std::vector<unsigned char> b; put_be(b, 0x803); put_be(b, 0xFFFFFFFF); put_be(b, 2); put_be(b, 2); return b; }());
    CHECK(mentions(fashion::read_idx_images(dir.file("count.gz"), 2, 2, images), "implausible image count"));

    write_gz(dir.file("label.gz"), labels_file({1, 12}));
    CHECK(mentions(fashion::read_idx_labels(dir.file("label.gz"), 10, labels), "label 12 at index 1"));

    // A gzip stream cut in the middle: zlib reports it as an error or as a truncated file.
    write_gz(dir.file("whole.gz"), images_file(50, 8, 8));
    {
        std::ifstream in(dir.file("whole.gz"), std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
        std::ofstream out(dir.file("cut.gz"), std::ios::binary);
        out.write(bytes.data(), std::streamsize(bytes.size() / 2));
    }
    const auto cut = fashion::read_idx_images(dir.file("cut.gz"), 8, 8, images);
    CHECK((mentions(cut, "corrupt gzip") || mentions(cut, "truncated")));

    // Images and labels that do not belong together.
    write_gz(dir.file("img.gz"), good);
    write_gz(dir.file("lbl3.gz"), labels_file({1, 2, 3}));
    REQUIRE(fashion::read_idx_split(dir.file("img.gz"), dir.file("lbl3.gz"), 2, 2, 10, images, labels) == "");
    write_gz(dir.file("lbl.gz"), labels_file({1, 2}));
    CHECK(mentions(fashion::read_idx_split(dir.file("img.gz"), dir.file("lbl.gz"), 2, 2, 10, images, labels),
                   "holds 3 images but"));
    CHECK(images.count == 3);  // the earlier successful read is still there: nothing is lost on failure
}
