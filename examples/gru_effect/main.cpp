// Teaches GRU(1 -> 8) + Dense(8 -> 1) a distortion effect with memory (effect.h) from generated
// input/output pairs, then streams 4 s of held-out audio through it one sample at a time
// (Model::step) and reports the error against the effect, beside what memoryless stand-ins get.
//   usage: gru_effect [options]   (--help lists them)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include <ctnn/init.hpp>
#include <ctnn/io/weights.hpp>
#include <ctnn/loss/mse.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/summary.hpp>
#include <ctnn/train.hpp>

#include "effect.h"
#include "effect_net.hpp"
#include "reference_file.h"
#include "test_signal.hpp"

namespace {
using sequence = ctnn::tensor<float, effect_net::input_shape>;
using sequence_target = ctnn::tensor<float, effect_net::output_shape>;
constexpr std::size_t batch_capacity = 32;
// Fixed data seeds, apart from --seed (initial weights, shuffling): every run learns and is
// judged on the same audio.
constexpr std::uint64_t training_signal_seed = 7001;
constexpr std::uint64_t held_out_signal_seed = 7002;

struct dataset {
    std::vector<sequence> inputs;
    std::vector<sequence_target> targets;
};

// Cuts the signal into back-to-back windows. Each target is the effect run over its window from
// rest: the GRU starts every training sequence from a zero state, so both start from silence.
dataset make_windows(const std::vector<float>& signal) {
    dataset data;
    const std::size_t count = signal.size() / effect_sequence_length;
    data.inputs.resize(count);
    data.targets.resize(count);
    for (std::size_t w = 0; w < count; ++w) {
        fx_state effect;
        fx_reset(&effect);
        for (std::size_t t = 0; t < effect_sequence_length; ++t) {
            const float x = signal[w * effect_sequence_length + t];
            data.inputs[w][t] = x;
            data.targets[w][t] = fx_process(&effect, x);
        }
    }
    return data;
}

std::vector<float> apply_effect(const std::vector<float>& signal) {
    fx_state effect;
    fx_reset(&effect);
    std::vector<float> out(signal.size());
    for (std::size_t n = 0; n < signal.size(); ++n) out[n] = fx_process(&effect, signal[n]);
    return out;
}

// The best any memoryless map y = f(x) can do, estimated: the mean effect output per input bin
// on the training audio (the conditional mean minimises the squared error), looked up per sample.
// Bins the audio never reached fall back to the clipper's value at their centre.
class memoryless_fit {
public:
    memoryless_fit(const std::vector<float>& input, const std::vector<float>& output) {
        std::vector<double> count(bins, 0.0);
        for (std::size_t n = 0; n < input.size(); ++n) {
            means_[bin(input[n])] += output[n];
            count[bin(input[n])] += 1;
        }
        for (std::size_t b = 0; b < bins; ++b)
            means_[b] = count[b] > 0 ? means_[b] / count[b] : double(fx_clip(centre(b)));
    }
    float operator()(float x) const { return float(means_[bin(x)]); }

private:
    static constexpr std::size_t bins = 400;
    static constexpr float range = 1.0f;  // inputs in [-range, range]; beyond, the end bins
    std::vector<double> means_ = std::vector<double>(bins, 0.0);
    static std::size_t bin(float x) {
        const float position = (std::clamp(x, -range, range) + range) / (2 * range) * float(bins);
        return std::min(bins - 1, std::size_t(position));
    }
    static float centre(std::size_t b) { return (float(b) + 0.5f) / float(bins) * 2 * range - range; }
};

// Geometric decay from `first` in epoch 0 to `last` in the final one: large steps to get close,
// small ones to settle.
float scheduled_learning_rate(float first, float last, std::size_t epoch, std::size_t epochs) {
    return first * std::pow(last / first, float(epoch) / float(std::max<std::size_t>(1, epochs - 1)));
}

struct error_figures {
    double rms;
    double snr_db;  // target power over error power
};

template <class Predict>
error_figures measure(const std::vector<float>& target, Predict&& predict) {
    double error_power = 0, signal_power = 0;
    for (std::size_t n = 0; n < target.size(); ++n) {
        const double e = double(predict(n)) - double(target[n]);
        error_power += e * e;
        signal_power += double(target[n]) * double(target[n]);
    }
    return {std::sqrt(error_power / double(target.size())), 10 * std::log10(signal_power / error_power)};
}

// The deployed way of running it: one sample per call, the GRU's memory in a stream_state.
std::vector<float> stream(const ctnn::parameters<effect_net>& params, const std::vector<float>& input) {
    ctnn::stream_state<effect_net> state;  // a new stream: zero state, as the effect at rest
    ctnn::tensor<float, effect_net::step_input_shape> x;
    ctnn::tensor<float, effect_net::step_output_shape> y;
    std::vector<float> out(input.size());
    for (std::size_t n = 0; n < input.size(); ++n) {
        x[0] = input[n];
        effect_net::step(params, x, y, state);
        out[n] = y[0];
    }
    return out;
}

bool write_reference(const std::string& path, const std::vector<float>& input, const std::vector<float>& output) {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) return false;
    const std::uint32_t count = std::uint32_t(input.size());
    bool ok = std::fwrite(GRU_EFFECT_REFERENCE_MAGIC, 1, 8, file) == 8 &&
              std::fwrite(&count, sizeof count, 1, file) == 1 &&
              std::fwrite(input.data(), sizeof(float), count, file) == count &&
              std::fwrite(output.data(), sizeof(float), count, file) == count;
    ok = std::fclose(file) == 0 && ok;
    return ok;
}
}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Learn a distortion effect with memory with a GRU (ctnn), then stream it sample by sample"};
    std::size_t epochs = 60, sequences = 8192, held_out_samples = 4 * FX_SAMPLE_RATE;
    float learning_rate = 0.01f, final_learning_rate = 0.0005f;
    std::uint64_t seed = 1;
    std::string out = "gru_effect.ctw", load, reference;
    double min_gain_db = -1e9;
    bool quick = false, quiet = false;
    app.add_option("--epochs", epochs, "passes over the training sequences")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    app.add_option("--sequences", sequences, "training sequences of 64 samples (8192: 32.8 s of audio)")
        ->capture_default_str()
        ->check(CLI::Range(1, 1 << 20));
    app.add_option("--held-out", held_out_samples, "samples of held-out audio streamed for the evaluation")
        ->capture_default_str()
        ->check(CLI::Range(1, 1 << 26));
    app.add_option("--learning-rate", learning_rate, "Adam's learning rate in the first epoch")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--final-learning-rate", final_learning_rate,
                   "Adam's learning rate in the last epoch (geometric decay in between)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--seed", seed, "seed of the initial weights and of the shuffling")->capture_default_str();
    app.add_option("--out", out, "where to save the trained weights (empty: nowhere)")->capture_default_str();
    app.add_option("--load", load, "evaluate these saved weights instead of training")->check(CLI::ExistingFile);
    app.add_option("--reference", reference,
                   "write the held-out input and the stepped outputs here, for gru_effect_c to compare with");
    app.add_option("--min-gain-db", min_gain_db,
                   "exit with status 3 unless the GRU's SNR beats pass-through's and the best memoryless map's by at "
                   "least this many dB");
    app.add_flag("--quick", quick,
                 "about a second of training (1024 sequences, 8 epochs, over --sequences and --epochs), as CTest runs it");
    app.add_flag("--quiet", quiet, "no per-epoch lines");
    CLI11_PARSE(app, argc, argv);
    if (quick) {
        sequences = 1024;
        epochs = 8;
    }

    const std::vector<float> training_audio = make_test_signal(sequences * effect_sequence_length, training_signal_seed);
    const std::vector<float> held_out = make_test_signal(held_out_samples, held_out_signal_seed);
    const std::vector<float> held_out_target = apply_effect(held_out);

    static ctnn::parameters<effect_net> params;
    using clock = std::chrono::steady_clock;
    if (!load.empty()) {
        if (const auto loaded = ctnn::load_weights(load.c_str(), params); !loaded) {
            std::fprintf(stderr, "gru_effect: cannot load %s: %s\n", load.c_str(), loaded.message());
            return 1;
        }
        std::printf("weights loaded from %s\n", load.c_str());
    } else {
        if (!quiet) ctnn::summary<effect_net>();
        const dataset train = make_windows(training_audio);
        std::printf("training on %zu sequences of %zu samples (%.1f s of audio), %zu epochs, batch %zu\n",
                    train.inputs.size(), effect_sequence_length,
                    double(train.inputs.size() * effect_sequence_length) / FX_SAMPLE_RATE, epochs, batch_capacity);
        // Static: the trainer's workspace for 32 sequences (gates kept for backpropagation
        // through time) is a few hundred kilobytes.
        static ctnn::adam<effect_net> optimizer{.learning_rate = learning_rate};
        static ctnn::trainer<effect_net, ctnn::mse, float, batch_capacity> trainer;
        ctnn::initialize(params, seed);
        const auto started = clock::now();
        const std::clock_t cpu_started = std::clock();
        const auto result = trainer.fit(params, optimizer, train.inputs, train.targets,
                                        {.epochs = epochs, .batch_size = batch_capacity, .shuffle = true, .seed = seed},
                                        [&](const ctnn::epoch_report& r) {
                                            optimizer.learning_rate = scheduled_learning_rate(
                                                learning_rate, final_learning_rate, r.epoch, r.epochs);
                                            if (quiet) return;
                                            const double seconds =
                                                std::chrono::duration<double>(clock::now() - started).count();
                                            std::printf("epoch %3zu/%zu  training mse %.3e  (%.1f s)\n", r.epoch,
                                                        r.epochs, r.loss, seconds);
                                        });
        if (!result.outcome) {
            std::fprintf(stderr, "gru_effect: training failed: %s\n", result.outcome.detail);
            return 1;
        }
        std::printf("trained in %.1f s (%.1f s of processor time), final training mse %.3e\n",
                    std::chrono::duration<double>(clock::now() - started).count(),
                    double(std::clock() - cpu_started) / CLOCKS_PER_SEC, result.loss);
    }

    // Processor time: on a shared machine, wall time mostly measures the other processes.
    const std::clock_t stream_started = std::clock();
    const std::vector<float> gru_output = stream(params, held_out);
    const double step_ns = 1e9 * double(std::clock() - stream_started) / CLOCKS_PER_SEC / double(held_out.size());

    // Fitted on 16 s of the training audio whatever --sequences says, so that the baseline
    // does not depend on the training budget.
    const std::vector<float> fit_audio = make_test_signal(16 * FX_SAMPLE_RATE, training_signal_seed);
    const memoryless_fit best_memoryless(fit_audio, apply_effect(fit_audio));
    const error_figures gru = measure(held_out_target, [&](std::size_t n) { return gru_output[n]; });
    const error_figures pass_through = measure(held_out_target, [&](std::size_t n) { return held_out[n]; });
    const error_figures clipper = measure(held_out_target, [&](std::size_t n) { return fx_clip(held_out[n]); });
    const error_figures memoryless = measure(held_out_target, [&](std::size_t n) { return best_memoryless(held_out[n]); });
    std::printf("held-out audio: %zu samples (%.2f s) streamed one sample per step from a reset state "
                "(%.0f ns of processor time per step)\n",
                held_out.size(), double(held_out.size()) / FX_SAMPLE_RATE, step_ns);
    std::printf("  %-38s %10s %9s\n", "against the effect", "RMS error", "SNR");
    const auto row = [](const char* what, const error_figures& e) {
        std::printf("  %-38s %10.5f %6.2f dB\n", what, e.rms, e.snr_db);
    };
    row("GRU(8) + dense, streamed", gru);
    row("pass-through (y = x)", pass_through);
    row("the clipper without its filters", clipper);
    row("best memoryless map (binned fit)", memoryless);

    if (!out.empty() && load.empty()) {
        if (const auto saved = ctnn::save_weights(out.c_str(), params); !saved) {
            std::fprintf(stderr, "gru_effect: cannot save %s: %s (%s)\n", out.c_str(), saved.message(), saved.detail);
            return 1;
        }
        std::printf("weights saved to %s\n", out.c_str());
    }
    if (!reference.empty()) {
        if (!write_reference(reference, held_out, gru_output)) {
            std::fprintf(stderr, "gru_effect: cannot write %s\n", reference.c_str());
            return 1;
        }
        std::printf("held-out input and stepped outputs written to %s\n", reference.c_str());
    }
    bool enough = true;
    for (const auto& [name, baseline] :
         {std::pair{"pass-through", pass_through}, std::pair{"the best memoryless map", memoryless}})
        if (const double gain_db = gru.snr_db - baseline.snr_db; gain_db < min_gain_db) {
            std::fprintf(stderr, "gru_effect: the GRU beats %s by %.2f dB, less than the %.2f dB required\n", name,
                         gain_db, min_gain_db);
            enough = false;
        }
    return enough ? 0 : 3;
}
