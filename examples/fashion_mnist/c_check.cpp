// The generated C code, run over the Fashion-MNIST test set, against the header path.
// fashion_c_check links fashion_model.c, which ctnn_add_model generates from fashion_net.hpp with
// weights baked in as the const table fashion_model_weights, and runs ctnn's fashion_net::infer with
// the same weights: loaded from --weights (the file that was baked), or, when the build baked the
// seeded initial weights, drawn by ctnn::initialize with that seed and initializer. It reports how
// many predictions agree, the largest output differences, whether the outputs are bit-identical,
// and the per-image latency of both. Exit status: 0 when every prediction agrees, 2 when one
// differs, 1 when the data or weights cannot be used.
//   usage: fashion_c_check [--data DIR] [--test-limit N] [--weights FILE]   (--help for all)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <ctnn/init.hpp>
#include <ctnn/io/weights.hpp>

#include "fashion_model.h"
#include "fashion_net.hpp"
#include "idx_file.hpp"

namespace {
using image = ctnn::tensor<float, fashion_net::input_shape>;
using output = ctnn::tensor<float, fashion_net::output_shape>;

static_assert(FASHION_MODEL_INPUT_SIZE == fashion_net::input_shape::size);
static_assert(FASHION_MODEL_OUTPUT_SIZE == fashion_net::output_shape::size);
static_assert(FASHION_MODEL_PARAM_COUNT == fashion_net::param_count);
static_assert(FASHION_MODEL_ARCHITECTURE_SIGNATURE == ctnn::architecture_signature<fashion_net>);

std::size_t argmax(const float* y, std::size_t n) { return std::size_t(std::max_element(y, y + n) - y); }

// Keeps the optimizer from dropping a loop whose results are otherwise unused.
volatile float sink;
}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Compare the generated C (fashion_model.c) with the header path over the Fashion-MNIST test set"};
    std::string data = "/usr/share/datasets/fashion-mnist";
    std::string weights;
    std::size_t test_limit = 0;
    app.add_option("--data", data, "folder with the gzipped IDX files (t10k-*)")->capture_default_str();
    app.add_option("--test-limit", test_limit, "use only the first N test images (0: all)");
#ifdef CTNN_FASHION_BAKED_WEIGHTS
    weights = CTNN_FASHION_BAKED_WEIGHTS;
    app.add_option("--weights", weights, "weights file for the header path: the file baked into the C")
        ->capture_default_str();
#else
    app.add_option("--weights", weights,
                   "weights file for the header path (default: ctnn::initialize with seed " +
                       std::to_string(CTNN_FASHION_INIT_SEED) + " and he_uniform, which the build baked into the C)");
#endif
    CLI11_PARSE(app, argc, argv);

    // The header path's parameters.
    static ctnn::parameters<fashion_net> params;
    if (weights.empty()) {
        ctnn::initialize(params, CTNN_FASHION_INIT_SEED, ctnn::initializer::he_uniform);
    } else if (const auto loaded = ctnn::load_weights(weights.c_str(), params); !loaded) {
        std::fprintf(stderr, "fashion_c_check: cannot use %s: %s\n", weights.c_str(), loaded.message());
        return 1;
    }
    // Both paths must run the same numbers: the file (or seed) must be what the build baked.
    if (std::memcmp(params.data(), fashion_model_weights, sizeof fashion_model_weights) != 0) {
        std::fprintf(stderr, "fashion_c_check: %s differs from the weights baked into fashion_model.c\n",
                     weights.empty() ? "the seeded initial weights" : weights.c_str());
        return 1;
    }

    fashion::idx_images images;
    fashion::idx_labels labels;
    if (auto error = fashion::read_idx_split(data + "/t10k-images-idx3-ubyte.gz", data + "/t10k-labels-idx1-ubyte.gz",
                                             28, 28, 10, images, labels);
        !error.empty()) {
        std::fprintf(stderr, "fashion_c_check: %s\n", error.c_str());
        return 1;
    }
    const std::size_t count = test_limit == 0 ? images.count : std::min(test_limit, images.count);
    std::vector<image> xs(count);
    for (std::size_t i = 0; i < count; ++i)
        for (std::size_t p = 0; p < 784; ++p) xs[i][p] = float(images.pixels[i * 784 + p]) / 255.0f;

    // Both paths over every image; each output kept for the comparison.
    std::vector<output> header_y(count), c_y(count);
    static float scratch[FASHION_MODEL_INFER_SCRATCH_SIZE];
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    for (std::size_t i = 0; i < count; ++i) header_y[i] = fashion_net::infer(params, xs[i]);
    const auto t1 = clock::now();
    for (std::size_t i = 0; i < count; ++i)
        fashion_model_infer(fashion_model_weights, xs[i].data(), c_y[i].data(), scratch);
    const auto t2 = clock::now();
    sink = header_y[count - 1][0] + c_y[count - 1][0];

    std::size_t same_prediction = 0, right_header = 0, right_c = 0, bit_identical_images = 0;
    double max_abs = 0, max_rel = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t h = argmax(header_y[i].data(), 10), c = argmax(c_y[i].data(), 10);
        same_prediction += h == c;
        right_header += h == labels.labels[i];
        right_c += c == labels.labels[i];
        bit_identical_images += std::memcmp(header_y[i].data(), c_y[i].data(), sizeof(float) * 10) == 0;
        for (std::size_t k = 0; k < 10; ++k) {
            const double a = header_y[i][k], b = c_y[i][k], d = std::fabs(a - b);
            max_abs = std::max(max_abs, d);
            if (d > 0) max_rel = std::max(max_rel, d / std::max(std::fabs(a), std::fabs(b)));
        }
    }
    const double us_header = std::chrono::duration<double, std::micro>(t1 - t0).count() / double(count);
    const double us_c = std::chrono::duration<double, std::micro>(t2 - t1).count() / double(count);

    std::printf("weights: %s\n", weights.empty() ? ("ctnn::initialize, seed " + std::to_string(CTNN_FASHION_INIT_SEED) +
                                                    ", he_uniform (baked by INIT_SEED)")
                                                       .c_str()
                                                 : weights.c_str());
    std::printf("images: %zu\n", count);
    std::printf("identical predictions: %zu of %zu\n", same_prediction, count);
    std::printf("accuracy: header path %.4f, generated C %.4f\n", double(right_header) / double(count),
                double(right_c) / double(count));
    std::printf("max output difference: abs %.3g, rel %.3g\n", max_abs, max_rel);
    std::printf("bit-identical outputs: %s (%zu of %zu images)\n", bit_identical_images == count ? "yes" : "no",
                bit_identical_images, count);
    std::printf("latency per image: generated C %.1f us, header path %.1f us\n", us_c, us_header);
    std::printf("generated C: %d bytes of parameters (const), %d bytes of scratch\n", FASHION_MODEL_PARAM_BYTES,
                FASHION_MODEL_INFER_SCRATCH_BYTES);
    if (same_prediction != count) {
        std::fprintf(stderr, "fashion_c_check: %zu predictions differ\n", count - same_prediction);
        return 2;
    }
    return 0;
}
