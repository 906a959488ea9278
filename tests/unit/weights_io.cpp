#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <ctnn/ctnn.hpp>

namespace fs = std::filesystem;
using xor_net = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid>;
using wide_net = ctnn::sequential<ctnn::input<2>, ctnn::dense<6>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid>;
// Same parameter count as xor_net (21) but another architecture: only the signature tells them apart.
using tanh_net = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::tanh, ctnn::dense<1>, ctnn::sigmoid>;

namespace {
struct temp_dir {
    fs::path path;
    temp_dir() : path(fs::temp_directory_path() / ("ctnn_io_" + std::to_string(std::random_device{}()))) {
        fs::create_directories(path);
    }
    ~temp_dir() { fs::remove_all(path); }
    std::string file(const char* name) const { return (path / name).string(); }
};

std::vector<unsigned char> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}
// Recomputes the trailing CRC after a deliberate edit, so a test reaches the check behind it.
void fix_checksum(std::vector<unsigned char>& bytes) {
    const std::uint32_t crc = ctnn::detail::crc32_update(0, bytes.data(), bytes.size() - 4);
    ctnn::detail::put_le(bytes.data() + bytes.size() - 4, crc);
}

ctnn::parameters<xor_net> trained() {
    ctnn::parameters<xor_net> p;
    ctnn::initialize(p, 4);
    for (std::size_t i = 0; i < p.size; ++i) p.values[i] += 0.01f * float(i);
    return p;
}

// Loading `bytes` must fail with `expected` and leave the destination as it was.
void expect_rejected(const temp_dir& dir, const std::vector<unsigned char>& bytes, ctnn::status expected) {
    const std::string path = dir.file("case.ctw");
    write_bytes(path, bytes);
    ctnn::parameters<xor_net> destination;
    ctnn::initialize(destination, 99);
    const auto before = destination;
    const auto result = ctnn::load_weights(path.c_str(), destination);
    CHECK(result.code == expected);
    CHECK(std::string(result.message()).size() > 5);
    CHECK(destination == before);
}
}  // namespace

TEST_CASE("weights round-trip exactly, in float and double") {
    temp_dir dir;
    const auto p = trained();
    REQUIRE(ctnn::save_weights(dir.file("xor.ctw").c_str(), p));
    CHECK(fs::file_size(dir.file("xor.ctw")) == ctnn::weights_file_bytes<xor_net>);
    CHECK(!fs::exists(dir.file("xor.ctw.tmp")));
    ctnn::parameters<xor_net> loaded{};
    REQUIRE(ctnn::load_weights(dir.file("xor.ctw").c_str(), loaded));
    CHECK(loaded == p);

    ctnn::parameters<xor_net, double> pd;
    ctnn::initialize(pd, 4);
    REQUIRE(ctnn::save_weights(dir.file("xor64.ctw").c_str(), pd));
    ctnn::parameters<xor_net, double> loaded_d{};
    REQUIRE(ctnn::load_weights(dir.file("xor64.ctw").c_str(), loaded_d));
    CHECK(loaded_d == pd);
}

TEST_CASE("the header follows the documented layout") {
    temp_dir dir;
    REQUIRE(ctnn::save_weights(dir.file("xor.ctw").c_str(), trained()));
    const auto bytes = read_bytes(dir.file("xor.ctw"));
    CHECK(std::string(bytes.begin(), bytes.begin() + 7) == "CTNNWGT");
    CHECK(bytes[8] == 1);    // version
    CHECK(bytes[12] == 1);   // float32
    CHECK(ctnn::detail::get_le<std::uint64_t>(bytes.data() + 16) == ctnn::architecture_signature<xor_net>);
    CHECK(ctnn::detail::get_le<std::uint64_t>(bytes.data() + 24) == 21);
    float first;
    std::memcpy(&first, bytes.data() + 32, 4);  // little-endian host
    CHECK(first == trained().values[0]);
}

TEST_CASE("damaged or foreign files are rejected and the parameters kept") {
    temp_dir dir;
    REQUIRE(ctnn::save_weights(dir.file("good.ctw").c_str(), trained()));
    const auto good = read_bytes(dir.file("good.ctw"));

    SUBCASE("truncated anywhere") {
        for (std::size_t length : {std::size_t(0), std::size_t(5), std::size_t(20), std::size_t(40), good.size() - 1}) {
            CAPTURE(length);
            const auto expected = length < 8 ? ctnn::status::bad_magic : ctnn::status::truncated;
            expect_rejected(dir, std::vector<unsigned char>(good.begin(), good.begin() + long(length)), expected);
        }
    }
    SUBCASE("wrong magic") {
        auto bytes = good;
        bytes[0] = 'X';
        expect_rejected(dir, bytes, ctnn::status::bad_magic);
    }
    SUBCASE("wrong version") {
        auto bytes = good;
        bytes[8] = 2;
        fix_checksum(bytes);
        expect_rejected(dir, bytes, ctnn::status::unsupported_version);
    }
    SUBCASE("another value type") {
        ctnn::parameters<xor_net, double> pd;
        ctnn::initialize(pd, 1);
        REQUIRE(ctnn::save_weights(dir.file("double.ctw").c_str(), pd));
        expect_rejected(dir, read_bytes(dir.file("double.ctw")), ctnn::status::wrong_value_type);
    }
    SUBCASE("another architecture, also with the same parameter count") {
        ctnn::parameters<wide_net> wide;
        ctnn::initialize(wide, 1);
        REQUIRE(ctnn::save_weights(dir.file("wide.ctw").c_str(), wide));
        expect_rejected(dir, read_bytes(dir.file("wide.ctw")), ctnn::status::wrong_architecture);
        ctnn::parameters<tanh_net> same_size;
        ctnn::initialize(same_size, 1);
        REQUIRE(ctnn::save_weights(dir.file("tanh.ctw").c_str(), same_size));
        expect_rejected(dir, read_bytes(dir.file("tanh.ctw")), ctnn::status::wrong_architecture);
    }
    SUBCASE("a flipped bit") {
        auto bytes = good;
        bytes[40] ^= 0x10;
        expect_rejected(dir, bytes, ctnn::status::bad_checksum);
    }
    SUBCASE("trailing bytes") {
        auto bytes = good;
        bytes.push_back(0);
        expect_rejected(dir, bytes, ctnn::status::trailing_data);
    }
    SUBCASE("NaN and infinity, even with a valid checksum") {
        for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
            auto bytes = good;
            ctnn::detail::encode_value(bytes.data() + 32 + 4 * 3, bad);
            fix_checksum(bytes);
            expect_rejected(dir, bytes, ctnn::status::non_finite_value);
        }
    }
    SUBCASE("a missing file") {
        ctnn::parameters<xor_net> destination{};
        CHECK(ctnn::load_weights(dir.file("absent.ctw").c_str(), destination).code == ctnn::status::cannot_open);
    }
}

TEST_CASE("saving is atomic: a failed save leaves the previous file intact") {
    temp_dir dir;
    const std::string path = dir.file("model.ctw");
    REQUIRE(ctnn::save_weights(path.c_str(), trained()));
    const auto before = read_bytes(path);

    // The temporary file cannot be created (its name is taken by a folder): the save fails cleanly.
    fs::create_directory(path + ".tmp");
    ctnn::parameters<xor_net> other;
    ctnn::initialize(other, 77);
    const auto result = ctnn::save_weights(path.c_str(), other);
    CHECK(!result);
    CHECK(result.code == ctnn::status::cannot_open);
    CHECK(read_bytes(path) == before);

    CHECK(ctnn::save_weights(dir.file("no/such/folder/model.ctw").c_str(), other).code == ctnn::status::cannot_open);
}

TEST_CASE("saving refuses non-finite parameters") {
    temp_dir dir;
    auto p = trained();
    p.values[7] = std::numeric_limits<float>::quiet_NaN();
    CHECK(ctnn::save_weights(dir.file("nan.ctw").c_str(), p).code == ctnn::status::non_finite_value);
    CHECK(!fs::exists(dir.file("nan.ctw")));
}
