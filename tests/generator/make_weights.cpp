// Writes the weights files the generator's tests feed to ctnn-gen, into the folder given:
//   xor.ctw         weights of examples/xor's xor_net (ctnn::initialize, seed 3)
//   other.ctw       weights of another architecture (2-4-1)
//   corrupt.ctw     xor.ctw with one parameter byte flipped (the checksum no longer matches)
//   truncated.ctw   xor.ctw without its last 10 bytes
#include <cstdio>
#include <string>
#include <vector>

#include <ctnn/init.hpp>
#include <ctnn/io/weights.hpp>
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/sigmoid.hpp>

#include "../../examples/xor/xor_net.hpp"

namespace {

using other_net = ctnn::sequential<ctnn::input<2>, ctnn::dense<4>, ctnn::sigmoid, ctnn::dense<1>>;

std::vector<unsigned char> read_all(const std::string& path) {
    std::vector<unsigned char> bytes;
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
        int c;
        while ((c = std::fgetc(f)) != EOF) bytes.push_back(static_cast<unsigned char>(c));
        std::fclose(f);
    }
    return bytes;
}

bool write_all(const std::string& path, const std::vector<unsigned char>& bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return false;
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    return (std::fclose(f) == 0) && ok;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <folder>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    ctnn::parameters<xor_net> xor_params;
    ctnn::initialize(xor_params, 3);
    ctnn::parameters<other_net> other_params;
    ctnn::initialize(other_params, 3);
    if (!ctnn::save_weights((dir + "/xor.ctw").c_str(), xor_params) ||
        !ctnn::save_weights((dir + "/other.ctw").c_str(), other_params)) {
        std::fprintf(stderr, "make_weights: cannot write in %s\n", argv[1]);
        return 1;
    }
    std::vector<unsigned char> bytes = read_all(dir + "/xor.ctw");
    if (bytes.size() != ctnn::weights_file_bytes<xor_net>) return 1;
    std::vector<unsigned char> corrupt = bytes;
    corrupt[ctnn::weights_header_bytes + 5] ^= 0x40;
    std::vector<unsigned char> truncated(bytes.begin(), bytes.end() - 10);
    return write_all(dir + "/corrupt.ctw", corrupt) && write_all(dir + "/truncated.ctw", truncated) ? 0 : 1;
}
