// Runs ctnn on a set of small networks and writes, as JSON, everything compare.py needs to redo the
// same computations in PyTorch: each model's architecture, its parameters, inputs and targets, and
// what ctnn computed from them (inference outputs, training outputs, loss, gradients with respect
// to the inputs and to the parameters, and parameters after a few SGD and Adam steps).
//   usage: dump_cases [FILE]   (JSON to FILE, or to standard output)
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <ratio>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <ctnn/init.hpp>
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/identity.hpp>
#include <ctnn/layers/leaky_relu.hpp>
#include <ctnn/layers/relu.hpp>
#include <ctnn/layers/sigmoid.hpp>
#include <ctnn/layers/softmax.hpp>
#include <ctnn/layers/tanh.hpp>
#include <ctnn/loss.hpp>
#include <ctnn/model.hpp>
#include <ctnn/optim.hpp>
#include <ctnn/random.hpp>
#include <ctnn/summary.hpp>
#include <ctnn/train.hpp>

namespace {

// Just enough JSON for this file: objects, arrays, plain strings, integers and numbers.
class json_writer {
public:
    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }
    void newline() { text_ += '\n'; }

    void key(std::string_view name) {
        separate();
        text_ += '"';
        text_ += name;
        text_ += "\":";
        first_ = true;  // the value that follows needs no comma
    }

    void value(std::string_view text) {
        separate();
        text_ += '"';
        text_ += text;
        text_ += '"';
    }
    void value(std::size_t n) {
        separate();
        text_ += std::to_string(n);
    }
    // %.17g of the value widened to double is exact, so Python reads back the very same float.
    // Python's json also accepts the NaN and Infinity tokens, which plain JSON lacks.
    void value(double v) {
        separate();
        if (std::isnan(v)) {
            text_ += "NaN";
        } else if (std::isinf(v)) {
            text_ += v > 0 ? "Infinity" : "-Infinity";
        } else {
            char number[32];
            std::snprintf(number, sizeof number, "%.17g", v);
            text_ += number;
        }
    }
    void value(float v) { value(static_cast<double>(v)); }

    void values(std::span<const float> list) {
        begin_array();
        for (float v : list) value(v);
        end_array();
    }
    void sizes(std::span<const std::size_t> list) {
        begin_array();
        for (std::size_t n : list) value(n);
        end_array();
    }

    const std::string& text() const { return text_; }

private:
    void separate() {
        if (!first_) text_ += ',';
        first_ = false;
    }
    void open(char bracket) {
        separate();
        text_ += bracket;
        first_ = true;
    }
    void close(char bracket) {
        text_ += bracket;
        first_ = false;
    }

    std::string text_;
    bool first_ = true;
};

// Fills one sample's inputs or targets; gets the case's generator and the sample's index.
using fill_function = void (*)(ctnn::random_generator&, std::size_t sample, std::span<float> values);

struct case_spec {
    std::string_view name;
    std::uint64_t seed;
    fill_function fill_input;
    fill_function fill_target;
};

// Hyperparameters of the optimizer runs; deliberately not the defaults, so that each one matters.
constexpr float sgd_learning_rate = 0.1f;
constexpr float sgd_momentum = 0.9f;
constexpr std::size_t sgd_steps = 3;
constexpr float adam_learning_rate = 0.05f;
constexpr float adam_beta1 = 0.8f;
constexpr float adam_beta2 = 0.95f;
constexpr float adam_epsilon = 1e-6f;
constexpr std::size_t adam_steps = 4;

template <class Model>
void write_architecture(json_writer& out) {
    out.key("input_dims");
    out.sizes(Model::input_shape::dims);
    out.key("layers");
    out.begin_array();
    constexpr auto& rows = ctnn::layer_table<Model>;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                const ctnn::layer_summary& row = rows[I];
                out.begin_object();
                out.key("name");
                out.value(row.name);
                out.key("output_dims");
                out.sizes(std::span<const std::size_t>(row.output_dims.data(), row.rank));
                out.key("param_count");
                out.value(row.param_count);
                using layer = typename Model::template layer<I>::layer;
                if constexpr (requires { layer::slope; }) {
                    out.key("slope");
                    out.value(layer::slope);
                }
                out.end_object();
            }(),
            ...);
    }(std::make_index_sequence<Model::layer_count>{});
    out.end_array();
}

// Xavier weights from ctnn::initialize, then non-zero biases (initialize leaves them at zero, which
// would hide a bias applied in the wrong place). In a dense layer the biases are the last `units`
// of its parameters.
template <class Model>
void initialize_parameters(ctnn::parameters<Model>& params, std::uint64_t seed) {
    ctnn::initialize(params, seed);
    ctnn::random_generator rng(seed ^ 0x5DEECE66Dull);
    for (std::size_t i = 0; i < Model::layer_count; ++i) {
        if (Model::param_counts[i] == 0) continue;
        const std::size_t end = Model::param_offsets[i] + Model::param_counts[i];
        for (std::size_t j = end - Model::output_sizes[i]; j < end; ++j) params.values[j] = rng.uniform(-0.5f, 0.5f);
    }
}

// Runs `steps` trainer steps on the same batch and records the loss before each step and the
// parameters after it.
template <class Model, class Loss, std::size_t Batch, class Optimizer, class Inputs, class Targets>
bool write_optimizer_run(json_writer& out, const ctnn::parameters<Model>& initial, Optimizer& optimizer,
                         std::size_t steps, const Inputs& inputs, const Targets& targets) {
    ctnn::parameters<Model> params = initial;
    auto trainer = std::make_unique<ctnn::trainer<Model, Loss, float, Batch>>();
    out.key("steps");
    out.begin_array();
    for (std::size_t step = 0; step < steps; ++step) {
        const ctnn::fit_result outcome = trainer->train_batch(params, optimizer, inputs, targets);
        if (!outcome.outcome) {
            std::fprintf(stderr, "dump_cases: train_batch failed: %s\n", outcome.outcome.detail);
            return false;
        }
        out.begin_object();
        out.key("loss");
        out.value(outcome.loss);
        out.key("params");
        out.values(params.values);
        out.end_object();
    }
    out.end_array();
    return true;
}

template <class Model, class Loss, std::size_t Batch>
bool write_case(json_writer& out, const case_spec& spec) {
    using input_tensor = ctnn::tensor<float, typename Model::input_shape>;
    using target_tensor = ctnn::tensor<float, typename Model::output_shape>;
    constexpr std::size_t input_size = Model::input_shape::size;

    ctnn::parameters<Model> params;
    initialize_parameters(params, spec.seed);

    ctnn::random_generator rng(spec.seed);
    std::array<input_tensor, Batch> inputs;
    std::array<target_tensor, Batch> targets;
    // The batch as one flat array, the layout Model::forward reads.
    std::array<float, Batch * input_size> batch_inputs;
    for (std::size_t b = 0; b < Batch; ++b) {
        spec.fill_input(rng, b, inputs[b].span());
        spec.fill_target(rng, b, targets[b].span());
        std::copy(inputs[b].begin(), inputs[b].end(), batch_inputs.begin() + b * input_size);
    }

    out.begin_object();
    out.key("name");
    out.value(spec.name);
    out.key("loss_function");
    out.value(Loss::name);
    out.key("batch");
    out.value(Batch);
    write_architecture<Model>(out);
    out.key("params");
    out.values(params.values);
    out.key("inputs");
    out.values(batch_inputs);
    out.key("targets");
    out.begin_array();
    for (const target_tensor& t : targets)
        for (float v : t) out.value(v);
    out.end_array();

    out.key("infer_outputs");
    out.begin_array();
    for (const input_tensor& x : inputs)
        for (float v : Model::infer(params, x)) out.value(v);
    out.end_array();

    // Training forward, loss and backward through the public API, as ctnn::trainer runs them. A loss
    // that absorbs the final softmax reads the softmax's input and backpropagates from below it.
    auto workspace = std::make_unique<ctnn::training_workspace<Model, float, Batch>>();
    Model::forward(params, batch_inputs.data(), Batch, *workspace);
    constexpr std::size_t loss_layer = Loss::fuses_softmax ? Model::layer_count - 2 : Model::layer_count - 1;
    constexpr std::size_t loss_size = Model::output_sizes[loss_layer];
    float loss_total = 0;
    for (std::size_t b = 0; b < Batch; ++b)
        loss_total += Loss::template evaluate<loss_size>(
            workspace->template activation<loss_layer>() + b * loss_size, targets[b].data(),
            workspace->template output_gradient<loss_layer>() + b * loss_size, 1.0f / float(Batch));
    out.key("train_outputs");
    out.begin_array();
    for (std::size_t b = 0; b < Batch; ++b)
        for (float v : workspace->output(b)) out.value(v);
    out.end_array();
    out.key("loss");
    out.value(loss_total / float(Batch));

    auto grads = std::make_unique<ctnn::gradients<Model>>();
    std::array<float, Batch * input_size> input_gradients{};
    Model::template backward_from<loss_layer>(params, batch_inputs.data(), Batch, *workspace, *grads,
                                              input_gradients.data());
    out.key("input_gradients");
    out.values(input_gradients);
    out.key("param_gradients");
    out.values(grads->values);

    ctnn::sgd<Model> sgd{.learning_rate = sgd_learning_rate, .momentum = sgd_momentum};
    out.key("sgd");
    out.begin_object();
    out.key("learning_rate");
    out.value(sgd_learning_rate);
    out.key("momentum");
    out.value(sgd_momentum);
    if (!write_optimizer_run<Model, Loss, Batch>(out, params, sgd, sgd_steps, inputs, targets)) return false;
    out.end_object();

    ctnn::adam<Model> adam{
        .learning_rate = adam_learning_rate, .beta1 = adam_beta1, .beta2 = adam_beta2, .epsilon = adam_epsilon};
    out.key("adam");
    out.begin_object();
    out.key("learning_rate");
    out.value(adam_learning_rate);
    out.key("beta1");
    out.value(adam_beta1);
    out.key("beta2");
    out.value(adam_beta2);
    out.key("epsilon");
    out.value(adam_epsilon);
    if (!write_optimizer_run<Model, Loss, Batch>(out, params, adam, adam_steps, inputs, targets)) return false;
    out.end_object();

    out.end_object();
    out.newline();
    return true;
}

// ---- Inputs and targets ----

void uniform_inputs(ctnn::random_generator& rng, std::size_t, std::span<float> x) {
    for (float& v : x) v = rng.uniform(-2.0f, 2.0f);
}

// Every third input exactly zero: relu and leaky_relu must take their x <= 0 branch there, as
// PyTorch does.
void inputs_with_zeros(ctnn::random_generator& rng, std::size_t sample, std::span<float> x) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = (i + sample) % 3 == 0 ? 0.0f : rng.uniform(-2.0f, 2.0f);
}

void xor_inputs(ctnn::random_generator&, std::size_t sample, std::span<float> x) {
    x[0] = float(sample & 1);
    x[1] = float((sample >> 1) & 1);
}
void xor_targets(ctnn::random_generator&, std::size_t sample, std::span<float> t) {
    t[0] = float((sample & 1) ^ ((sample >> 1) & 1));
}

// Logits far beyond exp()'s range (exp(1e4) overflows even a double), each with a single largest
// value; a naive softmax or log(softmax) would give inf or NaN.
void huge_logits(ctnn::random_generator&, std::size_t sample, std::span<float> z) {
    static constexpr float table[4][4] = {{1e4f, -1e4f, 0.0f, 5e3f},
                                          {-1e4f, -1e4f, 1e4f, -5e3f},
                                          {0.0f, 1e4f, -1e4f, 9e3f},
                                          {-1e4f, -9e3f, -1e4f, -9.9e3f}};
    for (std::size_t i = 0; i < z.size(); ++i) z[i] = table[sample % 4][i];
}
// Inputs scaled up so that a dense layer produces logits of the order of 1e4.
void huge_inputs(ctnn::random_generator& rng, std::size_t, std::span<float> x) {
    for (float& v : x) v = rng.uniform(-1e4f, 1e4f);
}

void regression_targets(ctnn::random_generator& rng, std::size_t, std::span<float> t) {
    for (float& v : t) v = rng.uniform(-1.0f, 1.0f);
}
void probability_targets(ctnn::random_generator& rng, std::size_t, std::span<float> t) {
    for (float& v : t) v = rng.uniform(0.0f, 1.0f);
}
// Hard 0 and 1 labels mixed with soft ones.
void binary_targets(ctnn::random_generator&, std::size_t sample, std::span<float> t) {
    static constexpr float levels[3] = {0.0f, 1.0f, 0.3f};
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = levels[(i + sample) % 3];
}
void one_hot_targets(ctnn::random_generator&, std::size_t sample, std::span<float> t) {
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = i == sample % t.size() ? 1.0f : 0.0f;
}
// Class probabilities; the last sample's sum to 0.5, a case PyTorch accepts too.
void soft_targets(ctnn::random_generator& rng, std::size_t sample, std::span<float> t) {
    float total = 0;
    for (float& v : t) total += (v = rng.uniform(0.05f, 1.0f));
    const float wanted = sample == 3 ? 0.5f : 1.0f;
    for (float& v : t) v *= wanted / total;
}
// One-hot for even samples, soft for odd ones.
void mixed_class_targets(ctnn::random_generator& rng, std::size_t sample, std::span<float> t) {
    if (sample % 2 == 0)
        one_hot_targets(rng, sample / 2, t);
    else
        soft_targets(rng, 0, t);
}

// ---- The models ----

// Qualified names: ctnn::tanh would clash with the C library's ::tanh.
using fifth = std::ratio<1, 5>;
using xor_net = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid>;
using deep_mlp = ctnn::sequential<ctnn::input<3>, ctnn::dense<6>, ctnn::tanh, ctnn::dense<5>, ctnn::relu,
                                  ctnn::dense<4>, ctnn::leaky_relu<>, ctnn::dense<2>, ctnn::identity>;
using leaky_classifier =
    ctnn::sequential<ctnn::input<4>, ctnn::dense<6>, ctnn::leaky_relu<fifth>, ctnn::dense<3>, ctnn::softmax>;
using relu_classifier = ctnn::sequential<ctnn::input<5>, ctnn::dense<8>, ctnn::relu, ctnn::dense<4>, ctnn::softmax>;
using dense_softmax = ctnn::sequential<ctnn::input<3>, ctnn::dense<4>, ctnn::softmax>;
using softmax_hidden =
    ctnn::sequential<ctnn::input<3>, ctnn::dense<4>, ctnn::softmax, ctnn::dense<2>, ctnn::sigmoid>;
using leaky_first = ctnn::sequential<ctnn::input<6>, ctnn::leaky_relu<fifth>, ctnn::dense<3>, ctnn::sigmoid>;
using relu_first = ctnn::sequential<ctnn::input<6>, ctnn::relu, ctnn::dense<3>, ctnn::tanh>;
using logits_only = ctnn::sequential<ctnn::input<4>, ctnn::identity, ctnn::softmax>;
using single_sample = ctnn::sequential<ctnn::input<3>, ctnn::dense<2>, ctnn::tanh>;
using grid_softmax = ctnn::sequential<ctnn::input<2, 3>, ctnn::tanh, ctnn::softmax>;

using ctnn::binary_cross_entropy, ctnn::mse, ctnn::softmax_cross_entropy;

bool write_all_cases(json_writer& out) {
    // Distinct seeds, so that no two cases share weights or data.
    return write_case<xor_net, binary_cross_entropy, 4>(out, {"xor_bce", 1, xor_inputs, xor_targets}) &&
           write_case<deep_mlp, mse, 5>(out, {"deep_mlp_mse", 2, uniform_inputs, regression_targets}) &&
           write_case<leaky_classifier, softmax_cross_entropy, 3>(
               out, {"leaky_fifth_cross_entropy_one_hot", 3, uniform_inputs, one_hot_targets}) &&
           write_case<relu_classifier, softmax_cross_entropy, 4>(
               out, {"relu_cross_entropy_soft", 4, uniform_inputs, soft_targets}) &&
           write_case<dense_softmax, mse, 2>(
               out, {"softmax_output_mse", 5, uniform_inputs, probability_targets}) &&
           write_case<softmax_hidden, binary_cross_entropy, 3>(
               out, {"softmax_hidden_bce", 6, uniform_inputs, binary_targets}) &&
           write_case<leaky_first, binary_cross_entropy, 3>(
               out, {"leaky_first_zero_inputs_bce", 7, inputs_with_zeros, binary_targets}) &&
           write_case<relu_first, mse, 3>(out, {"relu_first_zero_inputs_mse", 8, inputs_with_zeros, regression_targets}) &&
           write_case<logits_only, softmax_cross_entropy, 4>(
               out, {"huge_logits_cross_entropy", 9, huge_logits, mixed_class_targets}) &&
           write_case<dense_softmax, softmax_cross_entropy, 3>(
               out, {"huge_dense_logits_cross_entropy", 10, huge_inputs, one_hot_targets}) &&
           write_case<single_sample, mse, 1>(out, {"single_sample_mse", 11, uniform_inputs, regression_targets}) &&
           write_case<grid_softmax, mse, 2>(out, {"rank2_softmax_mse", 12, uniform_inputs, probability_targets});
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 2) {
        std::fprintf(stderr, "usage: dump_cases [FILE]\n");
        return 2;
    }
    json_writer out;
    out.begin_object();
    out.key("cases");
    out.begin_array();
    out.newline();
    if (!write_all_cases(out)) return 1;
    out.end_array();
    out.end_object();
    out.newline();

    std::FILE* file = argc == 2 ? std::fopen(argv[1], "w") : stdout;
    if (file == nullptr) {
        std::perror(argv[1]);
        return 1;
    }
    const std::string& text = out.text();
    const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
    const bool closed = file == stdout ? std::fflush(file) == 0 : std::fclose(file) == 0;
    if (!written || !closed) {
        std::fprintf(stderr, "dump_cases: writing the cases failed\n");
        return 1;
    }
    return 0;
}
