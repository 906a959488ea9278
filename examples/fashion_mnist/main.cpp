// Trains fashion_net on Fashion-MNIST (Debian's dataset-fashion-mnist) with the header-only path:
// a progress bar per epoch, test accuracy after each epoch, the training curves as a CSV and a PNG
// plot (gnuplot), and the trained weights.
//   usage: fashion_mnist [options]   (--help lists them)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <ctnn/init.hpp>
#include <ctnn/io/weights.hpp>
#include <ctnn/loss/softmax_cross_entropy.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/summary.hpp>
#include <ctnn/train.hpp>

#include "fashion_net.hpp"
#include "idx_file.hpp"

namespace {
using image = ctnn::tensor<float, fashion_net::input_shape>;
using one_hot = ctnn::tensor<float, fashion_net::output_shape>;
constexpr std::size_t batch_capacity = 32;
constexpr const char* class_names[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                         "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

struct dataset {
    std::vector<image> images;
    std::vector<one_hot> targets;
    std::vector<std::uint8_t> labels;
};

std::string load_split(const std::string& folder, const std::string& prefix, std::size_t limit, dataset& out) {
    fashion::idx_images images;
    fashion::idx_labels labels;
    auto error = fashion::read_idx_split(folder + "/" + prefix + "-images-idx3-ubyte.gz",
                                         folder + "/" + prefix + "-labels-idx1-ubyte.gz", 28, 28, 10, images, labels);
    if (!error.empty()) return error;
    const std::size_t count = limit == 0 ? images.count : std::min(limit, images.count);
    out.images.resize(count);
    out.targets.assign(count, one_hot{});
    out.labels.assign(labels.labels.begin(), labels.labels.begin() + long(count));
    for (std::size_t i = 0; i < count; ++i) {
        for (std::size_t p = 0; p < 784; ++p) out.images[i][p] = float(images.pixels[i * 784 + p]) / 255.0f;
        out.targets[i][out.labels[i]] = 1.0f;
    }
    return {};
}

std::size_t predict(const ctnn::parameters<fashion_net>& params, const image& x) {
    const auto y = fashion_net::infer(params, x);
    return std::size_t(std::max_element(y.begin(), y.end()) - y.begin());
}

double accuracy(const ctnn::parameters<fashion_net>& params, const dataset& data) {
    std::size_t right = 0;
    for (std::size_t i = 0; i < data.images.size(); ++i) right += predict(params, data.images[i]) == data.labels[i];
    return double(right) / double(data.images.size());
}

void draw_progress(const ctnn::batch_report& r, double seconds_per_batch) {
    constexpr int width = 30;
    const int filled = int(double(width) * double(r.batch) / double(r.batches));
    const double left = seconds_per_batch * double(r.batches - r.batch);
    std::printf("\repoch %zu [%.*s%*s] %zu/%zu  loss %.4f  %3.0fs left ", r.epoch, filled,
                "##############################", width - filled, "", r.batch, r.batches, r.loss, left);
    std::fflush(stdout);
}

bool plot(const std::string& csv, const std::string& png) {
    const std::string script = "set terminal pngcairo noenhanced size 900,500; set output '" + png +
                               "'; set datafile separator ','; set key bottom right; set xlabel 'epoch';"
                               " set ylabel 'accuracy'; set y2label 'loss'; set y2tics; set ytics nomirror;"
                               " set title 'fashion_net on Fashion-MNIST (ctnn)';"
                               " plot '" + csv + "' skip 1 using 1:3 with linespoints title 'train accuracy',"
                               " '' skip 1 using 1:4 with linespoints title 'test accuracy',"
                               " '' skip 1 using 1:2 axes x1y2 with linespoints title 'train loss'";
    const std::string command = "gnuplot -e \"" + script + "\"";
    return std::system(command.c_str()) == 0;
}
}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Train a small CNN on Fashion-MNIST with ctnn's header-only path"};
    std::string data = "/usr/share/datasets/fashion-mnist";
    std::string weights = "fashion.ctw", curves = "fashion_curves.csv", png = "fashion_curves.png";
    std::size_t epochs = 10, train_limit = 0, test_limit = 0;
    float learning_rate = 0.001f;
    std::uint64_t seed = 1;
    double min_accuracy = 0;
    bool quiet = false;
    app.add_option("--data", data, "folder with the four gzipped IDX files")->capture_default_str();
    app.add_option("--epochs", epochs, "passes over the training set")->capture_default_str()->check(CLI::Range(1, 1000));
    app.add_option("--train-limit", train_limit, "use only the first N training images (0: all)");
    app.add_option("--test-limit", test_limit, "use only the first N test images (0: all)");
    app.add_option("--learning-rate", learning_rate, "Adam's learning rate")->capture_default_str()->check(CLI::PositiveNumber);
    app.add_option("--seed", seed, "seed of the initial weights and of the shuffling")->capture_default_str();
    app.add_option("--weights", weights, "where to save the trained weights")->capture_default_str();
    app.add_option("--curves", curves, "CSV of the training curves")->capture_default_str();
    app.add_option("--plot", png, "PNG plot of the curves (needs gnuplot; empty: no plot)")->capture_default_str();
    app.add_option("--min-accuracy", min_accuracy, "exit with status 3 if the final test accuracy is lower")
        ->check(CLI::Range(0.0, 1.0));
    app.add_flag("--quiet", quiet, "no progress bar");
    CLI11_PARSE(app, argc, argv);

    dataset train, test;
    for (auto [prefix, limit, split] : {std::tuple{"train", train_limit, &train}, std::tuple{"t10k", test_limit, &test}})
        if (auto error = load_split(data, prefix, limit, *split); !error.empty()) {
            std::fprintf(stderr, "fashion_mnist: %s\n", error.c_str());
            return 1;
        }
    std::printf("Fashion-MNIST: %zu training and %zu test images\n", train.images.size(), test.images.size());
    if (!quiet) ctnn::summary<fashion_net>();

    // Static: the trainer holds a fixed workspace of several megabytes.
    static ctnn::parameters<fashion_net> params;
    static ctnn::adam<fashion_net> optimizer{.learning_rate = learning_rate};
    static ctnn::trainer<fashion_net, ctnn::softmax_cross_entropy, float, batch_capacity> trainer;
    ctnn::initialize(params, seed, ctnn::initializer::he_uniform);

    std::FILE* csv = std::fopen(curves.c_str(), "w");
    if (csv == nullptr) {
        std::fprintf(stderr, "fashion_mnist: cannot write %s\n", curves.c_str());
        return 1;
    }
    std::fprintf(csv, "epoch,train_loss,train_accuracy,test_accuracy,seconds\n");

    using clock = std::chrono::steady_clock;
    const auto started = clock::now();
    auto epoch_started = started;
    double test_accuracy = 0;
    const auto result = trainer.fit(
        params, optimizer, train.images, train.targets,
        {.epochs = epochs, .batch_size = batch_capacity, .shuffle = true, .seed = seed},
        [&](const ctnn::epoch_report& r) {
            const double seconds = std::chrono::duration<double>(clock::now() - epoch_started).count();
            test_accuracy = accuracy(params, test);
            std::printf("%sepoch %zu/%zu: train loss %.4f, train accuracy %.4f, test accuracy %.4f (%.1f s)\n",
                        quiet ? "" : "\r", r.epoch, r.epochs, r.loss, r.accuracy, test_accuracy, seconds);
            std::fprintf(csv, "%zu,%.6f,%.6f,%.6f,%.2f\n", r.epoch, r.loss, r.accuracy, test_accuracy, seconds);
            std::fflush(csv);
            epoch_started = clock::now();
        },
        [&](const ctnn::batch_report& r) {
            if (quiet || (r.batch % 20 != 0 && r.batch != r.batches)) return;
            const double elapsed = std::chrono::duration<double>(clock::now() - epoch_started).count();
            draw_progress(r, elapsed / double(r.batch));
        });
    std::fclose(csv);
    if (!result.outcome) {
        std::fprintf(stderr, "fashion_mnist: training failed: %s\n", result.outcome.detail);
        return 1;
    }
    const double total = std::chrono::duration<double>(clock::now() - started).count();
    std::printf("final test accuracy %.4f after %zu epochs, %.1f s of training and evaluation\n", test_accuracy,
                result.epochs_run, total);

    // One look at what the model says, per class.
    std::size_t per_class_right[10] = {}, per_class_total[10] = {};
    for (std::size_t i = 0; i < test.images.size(); ++i) {
        ++per_class_total[test.labels[i]];
        per_class_right[test.labels[i]] += predict(params, test.images[i]) == test.labels[i];
    }
    for (std::size_t c = 0; c < 10 && !quiet; ++c)
        if (per_class_total[c] > 0)
            std::printf("  %-12s %.3f\n", class_names[c], double(per_class_right[c]) / double(per_class_total[c]));

    // Single-image inference latency on this machine (one thread, header path).
    {
        const std::size_t runs = std::min<std::size_t>(test.images.size(), 2000);
        const auto t0 = clock::now();
        std::size_t checksum = 0;
        for (std::size_t i = 0; i < runs; ++i) checksum += predict(params, test.images[i]);
        const double micros = std::chrono::duration<double, std::micro>(clock::now() - t0).count() / double(runs);
        std::printf("inference: %.1f us per image (%zu images, checksum %zu); %zu FLOPs, %zu bytes of scratch, "
                    "%zu bytes of parameters\n",
                    micros, runs, checksum, fashion_net::flops, fashion_net::inference_scratch_bytes<float>,
                    fashion_net::parameter_bytes<float>);
    }

    if (const auto saved = ctnn::save_weights(weights.c_str(), params); !saved) {
        std::fprintf(stderr, "fashion_mnist: cannot save %s: %s\n", weights.c_str(), saved.message());
        return 1;
    }
    std::printf("weights saved to %s, curves to %s\n", weights.c_str(), curves.c_str());
    if (!png.empty()) {
        if (plot(curves, png))
            std::printf("plot written to %s\n", png.c_str());
        else
            std::fprintf(stderr, "fashion_mnist: gnuplot failed; the curves are in %s\n", curves.c_str());
    }
    return test_accuracy >= min_accuracy ? 0 : 3;
}
