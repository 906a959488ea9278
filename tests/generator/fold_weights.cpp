// Writes the weights files the --fold-batch-norm test bakes into its generated models, into the
// folder given: fold_dense.ctw, fold_conv.ctw, fold_mixed.ctw (fold_test::perturbed_parameters).
#include <cstdio>
#include <memory>
#include <string>

#include <ctnn/io/weights.hpp>

#include "fold_models.hpp"

namespace {

template <class Model>
bool write(const std::string& path, std::uint64_t seed) {
    auto params = std::make_unique<ctnn::parameters<Model, float>>();
    fold_test::perturbed_parameters(*params, seed);
    return static_cast<bool>(ctnn::save_weights(path.c_str(), *params));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <folder>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    if (!write<fold_dense_net>(dir + "/fold_dense.ctw", 11) || !write<fold_conv_net>(dir + "/fold_conv.ctw", 12) ||
        !write<fold_mixed_net>(dir + "/fold_mixed.ctw", 13)) {
        std::fprintf(stderr, "fold_weights: cannot write in %s\n", argv[1]);
        return 1;
    }
    return 0;
}
