// Trains the 2-5-1 XOR network with Adam (learning rate 0.1, 1000 epochs over the four samples),
// prints progress, the final loss and predictions, and saves the weights.
//   usage: xor [--seed N] [--out FILE] [--quiet]
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

#include <ctnn/init.hpp>
#include <ctnn/io/weights.hpp>
#include <ctnn/loss/mse.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/summary.hpp>
#include <ctnn/train.hpp>

#include "xor_net.hpp"

namespace {
using sample = ctnn::tensor<float, xor_net::input_shape>;
using target = ctnn::tensor<float, xor_net::output_shape>;

constexpr sample inputs[4] = {{{0, 0}}, {{0, 1}}, {{1, 0}}, {{1, 1}}};
constexpr target targets[4] = {{{0}}, {{1}}, {{1}}, {{0}}};

bool parse_seed(const char* text, unsigned long long& seed) {
    char* end = nullptr;
    errno = 0;
    seed = std::strtoull(text, &end, 10);
    return errno == 0 && end != text && *end == '\0' && text[0] != '-';
}

int usage(const char* why) {
    std::fprintf(stderr, "xor: %s\nusage: xor [--seed N] [--out FILE] [--quiet]\n", why);
    return 2;
}
}  // namespace

int main(int argc, char** argv) {
    unsigned long long seed = 1;
    const char* out = "xor.ctw";
    bool quiet = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            if (!parse_seed(argv[++i], seed)) return usage("--seed needs a non-negative integer");
        } else if (std::strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (std::strcmp(argv[i], "--quiet") == 0) {
            quiet = true;
        } else {
            return usage("unknown or incomplete option");
        }
    }

    if (!quiet) ctnn::summary<xor_net>();

    ctnn::parameters<xor_net> params;
    ctnn::initialize(params, seed, ctnn::initializer::xavier_uniform);
    ctnn::adam<xor_net> optimizer{.learning_rate = 0.1f};
    ctnn::trainer<xor_net, ctnn::mse, float, 4> trainer;

    const auto result = trainer.fit(params, optimizer, std::span(inputs), std::span(targets),
                                    {.epochs = 1000, .batch_size = 4, .shuffle = false},
                                    [quiet](const ctnn::epoch_report& r) {
                                        if (!quiet && (r.epoch % 100 == 0 || r.epoch == 1))
                                            std::printf("epoch %4zu/%zu  loss %.6f  accuracy %.2f\n", r.epoch,
                                                        r.epochs, r.loss, r.accuracy);
                                    });
    if (!result.outcome) {
        std::fprintf(stderr, "xor: training failed: %s\n", result.outcome.detail);
        return 1;
    }

    double mse = 0;
    bool all_correct = true;
    for (std::size_t i = 0; i < 4; ++i) {
        const auto y = xor_net::infer(params, inputs[i]);
        const double diff = double(y[0]) - double(targets[i][0]);
        mse += diff * diff / 4;
        all_correct = all_correct && ((y[0] > 0.5f) == (targets[i][0] > 0.5f));
        if (!quiet) std::printf("xor(%g, %g) = %.4f\n", double(inputs[i][0]), double(inputs[i][1]), double(y[0]));
    }
    std::printf("seed %llu: final mse %.6g, %s\n", seed, mse, all_correct ? "all four correct" : "WRONG");

    if (const auto saved = ctnn::save_weights(out, params); !saved) {
        std::fprintf(stderr, "xor: cannot save %s: %s (%s)\n", out, saved.message(), saved.detail);
        return 1;
    }
    if (!quiet) std::printf("weights saved to %s\n", out);
    return mse < 0.01 && all_correct ? 0 : 3;
}
