// Runs ctnn on a set of small networks and writes, as JSON, everything compare.py needs to redo the
// same computations in PyTorch: each model's architecture, its parameters, inputs and targets, and
// what ctnn computed from them (inference outputs, training outputs, loss, gradients with respect
// to the inputs and to the parameters, and parameters after a few SGD and Adam steps, batch_norm's
// running statistics included).
// For models with dropout it also writes, for the gradient pass and for every optimizer step, each
// dropout layer's input and output as ctnn computed them in training mode: ctnn draws its masks
// from a hash of the trainer's noise key, which PyTorch cannot reproduce, so compare.py recovers
// the mask from these two (dropped where the output is 0) and applies that same mask in PyTorch.
//   usage: dump_cases [FILE]   (JSON to FILE, or to standard output)
#include <algorithm>
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
#include <ctnn/layers/avg_pool2d.hpp>
#include <ctnn/layers/batch_norm.hpp>
#include <ctnn/layers/conv1d.hpp>
#include <ctnn/layers/conv2d.hpp>
#include <ctnn/layers/gru.hpp>
#include <ctnn/layers/lstm.hpp>
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/depthwise_conv2d.hpp>
#include <ctnn/layers/dropout.hpp>
#include <ctnn/layers/flatten.hpp>
#include <ctnn/layers/global_avg_pool2d.hpp>
#include <ctnn/layers/identity.hpp>
#include <ctnn/layers/leaky_relu.hpp>
#include <ctnn/layers/max_pool2d.hpp>
#include <ctnn/layers/relu.hpp>
#include <ctnn/layers/reshape.hpp>
#include <ctnn/layers/sigmoid.hpp>
#include <ctnn/layers/softmax.hpp>
#include <ctnn/layers/tanh.hpp>
#include <ctnn/padding.hpp>
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
    // "core": the oracle proper. "edge": numerically delicate cases, checked by a separate test.
    std::string_view group;
    std::string_view name;
    std::uint64_t seed;
    fill_function fill_input;
    fill_function fill_target;
};

// Hyperparameters of the optimizer runs; deliberately not the defaults, so that each one matters.
// Adam's epsilon stays well below the gradients: where they are of the same size, Adam turns the
// rounding noise of a nearly cancelled gradient into a step difference of up to 1e-4, for ctnn
// and PyTorch alike, and the comparison would be judging rounding rather than the maths.
constexpr float sgd_learning_rate = 0.1f;
constexpr float sgd_momentum = 0.9f;
constexpr std::size_t sgd_steps = 3;
constexpr float adam_learning_rate = 0.05f;
constexpr float adam_beta1 = 0.8f;
constexpr float adam_beta2 = 0.95f;
constexpr float adam_epsilon = 1e-7f;
constexpr std::size_t adam_steps = 4;
// Except in a model where a layer with biases feeds a batch_norm: in training the batch mean
// removes those biases, so their gradient is zero in exact arithmetic and what float32 computes
// is rounding noise (1e-9 to 1e-7 here, for ctnn and PyTorch alike). Adam divides by the root of
// its square: with epsilon 1e-7 those biases would take steps of up to the learning rate in
// directions decided by rounding (the comparison then fails by 1e-1), and feed them into the
// running means. An epsilon far above the noise and within the range of the real gradients (1e-3
// to 0.3) keeps those biases' drift near 1e-7 (1e-2 would leave 7e-6, too close to the tolerance)
// while every term of the update still counts.
constexpr float adam_epsilon_bias_before_batch_norm = 3e-2f;

// What the layer table does not say but PyTorch needs: template arguments beyond the output shape.
template <class Layer>
struct layer_options {
    static void write(json_writer&) {}
};

template <class Slope>
struct layer_options<ctnn::leaky_relu<Slope>> {
    static void write(json_writer& out) {
        out.key("slope");
        out.value(ctnn::leaky_relu<Slope>::slope);
    }
};

void write_window(json_writer& out, std::size_t height, std::size_t width, std::size_t stride, ctnn::padding pad) {
    const std::array<std::size_t, 2> kernel{height, width};
    out.key("kernel");
    out.sizes(kernel);
    out.key("stride");
    out.value(stride);
    out.key("padding");
    out.value(pad == ctnn::padding::same ? std::string_view("same") : std::string_view("valid"));
}

template <class Momentum, class Epsilon>
struct layer_options<ctnn::batch_norm<Momentum, Epsilon>> {
    static void write(json_writer& out) {
        out.key("momentum");
        out.value(ctnn::batch_norm<Momentum, Epsilon>::momentum);
        out.key("epsilon");
        out.value(ctnn::batch_norm<Momentum, Epsilon>::epsilon);
    }
};

template <class Rate>
struct layer_options<ctnn::dropout<Rate>> {
    static void write(json_writer& out) {
        out.key("rate");
        out.value(ctnn::dropout<Rate>::rate);
    }
};

template <std::size_t Filters, std::size_t KH, std::size_t KW, std::size_t Stride, ctnn::padding Pad>
struct layer_options<ctnn::conv2d<Filters, KH, KW, Stride, Pad>> {
    static void write(json_writer& out) { write_window(out, KH, KW, Stride, Pad); }
};
template <std::size_t Filters, std::size_t Kernel, std::size_t Stride, std::size_t Dilation, ctnn::padding Pad>
struct layer_options<ctnn::conv1d<Filters, Kernel, Stride, Dilation, Pad>> {
    static void write(json_writer& out) {
        out.key("kernel");
        out.value(Kernel);
        out.key("stride");
        out.value(Stride);
        out.key("dilation");
        out.value(Dilation);
        out.key("padding");
        out.value(Pad == ctnn::padding::same     ? std::string_view("same")
                  : Pad == ctnn::padding::causal ? std::string_view("causal")
                                                 : std::string_view("valid"));
    }
};
template <std::size_t KH, std::size_t KW, std::size_t Stride, ctnn::padding Pad>
struct layer_options<ctnn::depthwise_conv2d<KH, KW, Stride, Pad>> {
    static void write(json_writer& out) { write_window(out, KH, KW, Stride, Pad); }
};
template <std::size_t Size, std::size_t Stride, ctnn::padding Pad>
struct layer_options<ctnn::max_pool2d<Size, Stride, Pad>> {
    static void write(json_writer& out) { write_window(out, Size, Size, Stride, Pad); }
};
template <std::size_t Size, std::size_t Stride, ctnn::padding Pad>
struct layer_options<ctnn::avg_pool2d<Size, Stride, Pad>> {
    static void write(json_writer& out) { write_window(out, Size, Size, Stride, Pad); }
};

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
                layer_options<typename Model::template layer<I>::layer>::write(out);
                out.end_object();
            }(),
            ...);
    }(std::make_index_sequence<Model::layer_count>{});
    out.end_array();
}

// Xavier weights from ctnn::initialize, then non-zero biases (initialize leaves them at zero, which
// would hide a bias applied in the wrong place). In every layer with weights (dense, conv2d,
// depthwise_conv2d) the biases come last, one per output channel. batch_norm's four blocks of C
// values (gamma, beta, running mean, running variance) start at 1, 0, 0, 1, which would hide a
// mix-up of the blocks and make inference ignore the running statistics: each gets values of its
// own range, the running variance staying positive.
template <class Model>
void initialize_parameters(ctnn::parameters<Model>& params, std::uint64_t seed) {
    ctnn::initialize(params, seed);
    ctnn::random_generator rng(seed ^ 0x5DEECE66Dull);
    constexpr auto& rows = ctnn::layer_table<Model>;
    for (std::size_t i = 0; i < Model::layer_count; ++i) {
        if (rows[i].param_count == 0) continue;
        const std::size_t end = Model::param_offsets[i] + rows[i].param_count;
        const std::size_t channels = rows[i].output_dims[rows[i].rank - 1];
        if (rows[i].name == "gru" || rows[i].name == "lstm") {
            // Both bias vectors (b_ih, b_hh: the last 2 * gates values), so that neither hides.
            const std::size_t gates = (rows[i].name == "gru" ? 3 : 4) * channels;
            for (std::size_t j = end - 2 * gates; j < end; ++j) params.values[j] = rng.uniform(-0.5f, 0.5f);
            continue;
        }
        if (rows[i].name == "batch_norm") {
            float* block = params.values.data() + Model::param_offsets[i];
            for (std::size_t c = 0; c < channels; ++c) {
                block[c] = rng.uniform(0.5f, 1.5f);                 // gamma
                block[channels + c] = rng.uniform(-0.5f, 0.5f);     // beta
                block[2 * channels + c] = rng.uniform(-0.5f, 0.5f); // running mean
                block[3 * channels + c] = rng.uniform(0.5f, 2.0f);  // running variance
            }
            continue;
        }
        for (std::size_t j = end - channels; j < end; ++j) params.values[j] = rng.uniform(-0.5f, 0.5f);
    }
}

template <class Layer>
inline constexpr bool is_batch_norm = false;
template <class Momentum, class Epsilon>
inline constexpr bool is_batch_norm<ctnn::batch_norm<Momentum, Epsilon>> = true;

// Whether a layer with biases (dense, conv2d, depthwise_conv2d) directly precedes a batch_norm.
template <class Model>
inline constexpr bool bias_before_batch_norm = []<std::size_t... I>(std::index_sequence<I...>) {
    return ((is_batch_norm<typename Model::template layer<I + 1>::layer> &&
             Model::template layer<I>::param_count > 0 && !is_batch_norm<typename Model::template layer<I>::layer>) ||
            ...);
}(std::make_index_sequence<Model::layer_count - 1>{});

template <class Layer>
inline constexpr bool is_dropout = false;
template <class Rate>
inline constexpr bool is_dropout<ctnn::dropout<Rate>> = true;

// Each dropout layer's input and output over the batch of the last training forward that `ws`
// holds: compare.py recovers ctnn's mask from them. Written for every model (an empty list when it
// has no dropout).
template <class Model, class Workspace>
void write_dropout_activations(json_writer& out, const Workspace& ws, std::span<const float> batch_inputs,
                               std::size_t batch) {
    out.key("dropout");
    out.begin_array();
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                if constexpr (is_dropout<typename Model::template layer<I>::layer>) {
                    const std::size_t size = batch * Model::output_sizes[I];
                    const float* input = nullptr;
                    if constexpr (I == 0)
                        input = batch_inputs.data();
                    else
                        input = ws.template activation<I - 1>();
                    out.begin_object();
                    out.key("layer");  // 0-based, as in "layers"
                    out.value(I);
                    out.key("input");
                    out.values(std::span<const float>(input, size));
                    out.key("output");
                    out.values(std::span<const float>(ws.template activation<I>(), size));
                    out.end_object();
                }
            }(),
            ...);
    }(std::make_index_sequence<Model::layer_count>{});
    out.end_array();
}

// Runs `steps` trainer steps on the same batch and records the loss before each step and the
// parameters after it (batch_norm's running statistics included: train_batch folds in each batch's
// statistics before the optimizer step). Each step draws fresh dropout masks.
template <class Model, class Loss, std::size_t Batch, class Optimizer, class Inputs, class Targets>
bool write_optimizer_run(json_writer& out, const ctnn::parameters<Model>& initial, Optimizer& optimizer,
                         std::size_t steps, const Inputs& inputs, const Targets& targets,
                         std::span<const float> batch_inputs) {
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
        write_dropout_activations<Model>(out, trainer->workspace, batch_inputs, Batch);
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
    out.key("group");
    out.value(spec.group);
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

    // Training forward, loss and backward exactly as ctnn::trainer runs them (without the update).
    auto trainer = std::make_unique<ctnn::trainer<Model, Loss, float, Batch>>();
    std::array<float, Batch * input_size> input_gradients{};
    const ctnn::fit_result gradients = trainer->compute_gradients(params, inputs, targets, input_gradients.data());
    if (!gradients.outcome) {
        std::fprintf(stderr, "%.*s: %s\n", int(spec.name.size()), spec.name.data(), gradients.outcome.detail);
        return false;
    }
    out.key("train_outputs");
    out.begin_array();
    for (std::size_t b = 0; b < Batch; ++b)
        for (float v : trainer->workspace.output(b)) out.value(v);
    out.end_array();
    out.key("loss");
    out.value(gradients.loss);
    const auto* grads = &trainer->grads;
    out.key("input_gradients");
    out.values(input_gradients);
    out.key("param_gradients");
    out.values(grads->values);
    write_dropout_activations<Model>(out, trainer->workspace, batch_inputs, Batch);

    ctnn::sgd<Model> sgd{.learning_rate = sgd_learning_rate, .momentum = sgd_momentum};
    out.key("sgd");
    out.begin_object();
    out.key("learning_rate");
    out.value(sgd_learning_rate);
    out.key("momentum");
    out.value(sgd_momentum);
    if (!write_optimizer_run<Model, Loss, Batch>(out, params, sgd, sgd_steps, inputs, targets, batch_inputs))
        return false;
    out.end_object();

    constexpr float epsilon = bias_before_batch_norm<Model> ? adam_epsilon_bias_before_batch_norm : adam_epsilon;
    ctnn::adam<Model> adam{
        .learning_rate = adam_learning_rate, .beta1 = adam_beta1, .beta2 = adam_beta2, .epsilon = epsilon};
    out.key("adam");
    out.begin_object();
    out.key("learning_rate");
    out.value(adam_learning_rate);
    out.key("beta1");
    out.value(adam_beta1);
    out.key("beta2");
    out.value(adam_beta2);
    out.key("epsilon");
    out.value(epsilon);
    if (!write_optimizer_run<Model, Loss, Batch>(out, params, adam, adam_steps, inputs, targets, batch_inputs))
        return false;
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

// Large logits with near ties: the probabilities, the loss and the gradient are all of order 1,
// so they must be computed from differences of logits (exact) rather than from logits minus a
// rounded log-sum-exp, whose rounding error at 1e4 is 5e-4.
void close_large_logits(ctnn::random_generator&, std::size_t sample, std::span<float> z) {
    static constexpr float table[4][4] = {{1e3f, 999.0f, 998.5f, 997.0f},
                                          {1e4f, 9999.0f, 9998.5f, 9998.0f},
                                          {-500.0f, -499.75f, -499.5f, -501.0f},
                                          {2e3f, 1999.0f, 1998.0f, 1997.0f}};
    for (std::size_t i = 0; i < z.size(); ++i) z[i] = table[sample % 4][i];
}
// Sigmoid outputs between 2.5e-3 and 4.5e-5 (or as close to 1) with matching hard targets: the
// losses are tiny, and log(1 - y) carries the rounding of 1 - y (up to 1.5e-5 relative here)
// where log1p(-y) would not.
void confident_logits(ctnn::random_generator&, std::size_t sample, std::span<float> z) {
    for (std::size_t i = 0; i < z.size(); ++i) z[i] = (sample % 2 == 0 ? -1.0f : 1.0f) * float(6 + i + sample);
}
void confident_targets(ctnn::random_generator&, std::size_t sample, std::span<float> t) {
    for (float& v : t) v = sample % 2 == 0 ? 0.0f : 1.0f;
}
// One class per row of a (2, 3) output: a softmax over the last dimension gives one distribution
// per row.
void row_one_hot_targets(ctnn::random_generator&, std::size_t sample, std::span<float> t) {
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = i % 3 == (i / 3 + sample) % 3 ? 1.0f : 0.0f;
}

// Only -0.5, 0 and 0.5: most pooling windows hold ties, where max_pool2d must pass the gradient to
// the first maximum in scan order, as PyTorch does.
void quantized_inputs(ctnn::random_generator& rng, std::size_t, std::span<float> x) {
    for (float& v : x) v = float(rng.below(3)) * 0.5f - 0.5f;
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
using logits_sigmoid = ctnn::sequential<ctnn::input<3>, ctnn::identity, ctnn::sigmoid>;
using grid_logits = ctnn::sequential<ctnn::input<2, 3>, ctnn::identity, ctnn::softmax>;

// Convolutional models; ctnn is channels-last (H, W, C).
using ctnn::padding;
using small_cnn = ctnn::sequential<ctnn::input<6, 6, 2>, ctnn::conv2d<3, 3, 3>, ctnn::relu, ctnn::max_pool2d<2>,
                                   ctnn::flatten, ctnn::dense<4>, ctnn::softmax>;
using same_padding_cnn =
    ctnn::sequential<ctnn::input<5, 5, 3>, ctnn::conv2d<4, 2, 3, 2, padding::same>, ctnn::tanh,
                     ctnn::avg_pool2d<2, 1, padding::same>, ctnn::depthwise_conv2d<3, 3, 1, padding::same>,
                     ctnn::max_pool2d<3, 2, padding::same>, ctnn::global_avg_pool2d, ctnn::dense<2>, ctnn::sigmoid>;
using reshaped_depthwise =
    ctnn::sequential<ctnn::input<12>, ctnn::reshape<3, 2, 2>, ctnn::depthwise_conv2d<2, 1>, ctnn::leaky_relu<fifth>,
                     ctnn::avg_pool2d<2>, ctnn::flatten, ctnn::dense<3>, ctnn::identity>;
using strided_cnn = ctnn::sequential<ctnn::input<8, 5, 1>, ctnn::conv2d<2, 3, 1, 2>, ctnn::sigmoid,
                                     ctnn::reshape<9, 2>, ctnn::softmax>;
using tied_pooling = ctnn::sequential<ctnn::input<4, 4, 2>, ctnn::max_pool2d<2>, ctnn::max_pool2d<2, 1, padding::same>,
                                      ctnn::flatten, ctnn::dense<3>, ctnn::tanh>;

// 1-D convolutions over (steps, channels): nn.Conv1d with dilation and stride; same padding split as
// TensorFlow does, causal padding as (Kernel - 1) * Dilation zeros before the start (F.pad).
using causal_dilated_conv1d =
    ctnn::sequential<ctnn::input<12, 3>, ctnn::conv1d<4, 3, 1, 2, padding::causal>, ctnn::tanh, ctnn::conv1d<2, 2, 2>,
                     ctnn::flatten, ctnn::dense<3>, ctnn::softmax>;
using same_strided_conv1d =
    ctnn::sequential<ctnn::input<9, 2>, ctnn::conv1d<3, 4, 2, 1, padding::same>, ctnn::leaky_relu<fifth>,
                     ctnn::conv1d<2, 2, 1, 3, padding::same>, ctnn::sigmoid>;
using valid_dilated_strided_conv1d =
    ctnn::sequential<ctnn::input<16, 1>, ctnn::conv1d<3, 3, 2, 3>, ctnn::relu, ctnn::conv1d<2, 3, 3, 1, padding::causal>,
                     ctnn::flatten, ctnn::dense<2>, ctnn::identity>;

// Layers that behave differently while training. batch_norm normalises with the batch's statistics
// in training and with its running statistics at inference; dropout drops at random in training
// and is the identity at inference.
using quarter = std::ratio<1, 4>;
using third = std::ratio<1, 3>;
// Issue 4's network: two conv + batch_norm + relu blocks, dropout before the classifier.
using batch_norm_cnn =
    ctnn::sequential<ctnn::input<8, 8, 1>, ctnn::conv2d<4, 3, 3, 1, padding::same>, ctnn::batch_norm<>, ctnn::relu,
                     ctnn::max_pool2d<2>, ctnn::conv2d<6, 3, 3, 1, padding::same>, ctnn::batch_norm<>, ctnn::relu,
                     ctnn::global_avg_pool2d, ctnn::dropout<quarter>, ctnn::dense<3>, ctnn::softmax>;
using batch_norm_mlp = ctnn::sequential<ctnn::input<5>, ctnn::dense<6>, ctnn::batch_norm<>, ctnn::tanh,
                                        ctnn::dense<3>, ctnn::sigmoid>;
// A rank-2 input (3 positions of 4 channels; BatchNorm1d over (N, C, L)) with momentum and epsilon
// other than PyTorch's defaults, straight on the model's input.
using batch_norm_rows = ctnn::sequential<ctnn::input<3, 4>, ctnn::batch_norm<quarter, std::ratio<1, 1000>>,
                                         ctnn::tanh, ctnn::flatten, ctnn::dense<2>, ctnn::sigmoid>;
// Dropout on the model's input (its gradient is the input gradient) and a second one, with its own
// mask and rate, on a hidden layer.
using dropout_mlp = ctnn::sequential<ctnn::input<6>, ctnn::dropout<>, ctnn::dense<5>, ctnn::tanh,
                                     ctnn::dropout<third>, ctnn::dense<2>, ctnn::identity>;

// Recurrent models: backpropagation through time, a dense on every step, stacked recurrences.
using gru_sequence = ctnn::sequential<ctnn::input<6, 3>, ctnn::gru<4>, ctnn::dense<2>, ctnn::tanh>;
using lstm_sequence = ctnn::sequential<ctnn::input<5, 2>, ctnn::lstm<3>, ctnn::dense<1>, ctnn::sigmoid>;
using stacked_recurrent = ctnn::sequential<ctnn::input<4, 2>, ctnn::dense<3>, ctnn::relu, ctnn::lstm<3>, ctnn::gru<2>,
                                           ctnn::dense<3>, ctnn::softmax>;
using last_state_classifier = ctnn::sequential<ctnn::input<8, 1>, ctnn::gru<3>, ctnn::flatten, ctnn::dense<2>,
                                               ctnn::softmax>;

using ctnn::binary_cross_entropy, ctnn::mse, ctnn::softmax_cross_entropy;

bool write_all_cases(json_writer& out) {
    // Distinct seeds, so that no two cases share weights or data.
    using bce = binary_cross_entropy;
    using cross_entropy = softmax_cross_entropy;
    return write_case<xor_net, bce, 4>(out, {"core", "xor_net_bce", 1, uniform_inputs, binary_targets}) &&
           write_case<deep_mlp, mse, 5>(out, {"core", "deep_mlp_mse", 2, uniform_inputs, regression_targets}) &&
           write_case<leaky_classifier, cross_entropy, 3>(
               out, {"core", "leaky_fifth_cross_entropy_one_hot", 3, uniform_inputs, one_hot_targets}) &&
           write_case<relu_classifier, cross_entropy, 4>(
               out, {"core", "relu_cross_entropy_soft", 4, uniform_inputs, soft_targets}) &&
           write_case<dense_softmax, mse, 2>(
               out, {"core", "softmax_output_mse", 5, uniform_inputs, probability_targets}) &&
           write_case<softmax_hidden, bce, 3>(out, {"core", "softmax_hidden_bce", 6, uniform_inputs, binary_targets}) &&
           write_case<leaky_first, bce, 3>(
               out, {"core", "leaky_first_zero_inputs_bce", 7, inputs_with_zeros, binary_targets}) &&
           write_case<relu_first, mse, 3>(
               out, {"core", "relu_first_zero_inputs_mse", 8, inputs_with_zeros, regression_targets}) &&
           write_case<logits_only, cross_entropy, 4>(
               out, {"core", "huge_logits_cross_entropy", 9, huge_logits, mixed_class_targets}) &&
           write_case<dense_softmax, cross_entropy, 3>(
               out, {"core", "huge_dense_logits_cross_entropy", 10, huge_inputs, one_hot_targets}) &&
           write_case<single_sample, mse, 1>(
               out, {"core", "single_sample_mse", 11, uniform_inputs, regression_targets}) &&
           write_case<grid_softmax, mse, 2>(
               out, {"core", "rank2_softmax_mse", 12, uniform_inputs, probability_targets}) &&
           write_case<gru_sequence, mse, 3>(out, {"core", "gru_sequence_mse", 40, uniform_inputs, regression_targets}) &&
           write_case<lstm_sequence, bce, 3>(out, {"core", "lstm_sequence_bce", 41, uniform_inputs, binary_targets}) &&
           write_case<stacked_recurrent, cross_entropy, 2>(
               out, {"core", "stacked_lstm_gru_cross_entropy", 42, uniform_inputs, soft_targets}) &&
           write_case<last_state_classifier, cross_entropy, 4>(
               out, {"core", "gru_flatten_cross_entropy", 43, uniform_inputs, one_hot_targets}) &&
           write_case<small_cnn, cross_entropy, 3>(
               out, {"core", "small_cnn_cross_entropy", 16, uniform_inputs, one_hot_targets}) &&
           write_case<same_padding_cnn, bce, 3>(
               out, {"core", "same_padding_cnn_bce", 17, uniform_inputs, binary_targets}) &&
           write_case<reshaped_depthwise, mse, 2>(
               out, {"core", "reshaped_depthwise_mse", 18, uniform_inputs, regression_targets}) &&
           write_case<strided_cnn, mse, 2>(out, {"core", "strided_cnn_mse", 19, uniform_inputs, probability_targets}) &&
           write_case<tied_pooling, mse, 3>(out, {"core", "tied_max_pool_mse", 20, quantized_inputs, regression_targets}) &&
           // Seed 27: the dropout's inputs, averages of relu outputs, must never be exactly 0 (compare.py
           // could not recover the mask there); with seeds 21, 29 or 30 a channel dies during the Adam steps.
           write_case<batch_norm_cnn, cross_entropy, 4>(
               out, {"core", "batch_norm_dropout_cnn_cross_entropy", 27, uniform_inputs, one_hot_targets}) &&
           write_case<batch_norm_mlp, bce, 6>(out, {"core", "batch_norm_mlp_bce", 22, uniform_inputs, binary_targets}) &&
           write_case<batch_norm_rows, mse, 3>(
               out, {"core", "batch_norm_rank2_mse", 23, uniform_inputs, regression_targets}) &&
           write_case<dropout_mlp, mse, 4>(out, {"core", "dropout_mlp_mse", 24, uniform_inputs, regression_targets}) &&
           write_case<causal_dilated_conv1d, cross_entropy, 3>(
               out, {"core", "causal_dilated_conv1d_cross_entropy", 40, uniform_inputs, one_hot_targets}) &&
           write_case<same_strided_conv1d, bce, 2>(
               out, {"core", "same_strided_conv1d_bce", 41, uniform_inputs, binary_targets}) &&
           write_case<valid_dilated_strided_conv1d, mse, 3>(
               out, {"core", "valid_dilated_strided_conv1d_mse", 42, uniform_inputs, regression_targets}) &&
           write_case<logits_only, cross_entropy, 4>(
               out, {"edge", "close_large_logits_cross_entropy", 13, close_large_logits, mixed_class_targets}) &&
           write_case<logits_sigmoid, bce, 4>(out, {"edge", "confident_bce", 14, confident_logits, confident_targets}) &&
           write_case<grid_logits, cross_entropy, 2>(
               out, {"edge", "rank2_cross_entropy", 15, uniform_inputs, row_one_hot_targets});
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
