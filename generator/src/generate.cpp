// The C text: the header with its documentation, and the source with every function.
#include <ctnn_gen/generate.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <ctnn/emit/loss.hpp>
#include <ctnn/emit/optim.hpp>
#include <ctnn/loop_hints.hpp>
#include <ctnn/multiply_add.hpp>
#include <ctnn/loss/binary_cross_entropy.hpp>
#include <ctnn/loss/mse.hpp>
#include <ctnn/loss/softmax_cross_entropy.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/optim/sgd.hpp>

#include "plan.hpp"

namespace ctnn_gen {

namespace {

constexpr std::array<std::string_view, 105> keywords = {
    // C99 and C11
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
    "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Bool",
    "_Complex", "_Imaginary", "_Alignas", "_Alignof", "_Atomic", "_Generic", "_Noreturn", "_Static_assert",
    "_Thread_local",
    // C++ beyond C
    "alignas", "alignof", "and", "and_eq", "asm", "bitand", "bitor", "bool", "catch", "char8_t", "char16_t",
    "char32_t", "class", "compl", "concept", "consteval", "constexpr", "constinit", "const_cast", "co_await",
    "co_return", "co_yield", "decltype", "delete", "dynamic_cast", "explicit", "export", "false", "friend",
    "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq", "private",
    "protected", "public", "reinterpret_cast", "requires", "static_assert", "static_cast", "template", "this",
    "thread_local", "throw", "true", "try", "typeid", "typename", "using", "virtual", "wchar_t", "xor", "xor_eq",
    // names the generated code relies on
    "main"};

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string at(std::string_view base, std::size_t offset) {
    return offset == 0 ? std::string(base) : fmt::format("{} + {}", base, offset);
}

std::string range(std::size_t begin, std::size_t end) { return fmt::format("[{}, {})", begin, end); }

std::string shape_text(const std::vector<std::size_t>& dims) { return fmt::format("({})", fmt::join(dims, ", ")); }

// Whether `name` occurs as a whole word in C code, comments aside.
bool mentions(const std::string& code, std::string_view name) {
    std::size_t pos = 0;
    while (pos < code.size()) {
        if (code.compare(pos, 2, "/*") == 0) {
            const std::size_t end = code.find("*/", pos + 2);
            pos = end == std::string::npos ? code.size() : end + 2;
            continue;
        }
        if (code.compare(pos, name.size(), name) == 0) {
            const auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
            const bool starts = pos == 0 || !word(code[pos - 1]);
            const bool ends = pos + name.size() >= code.size() || !word(code[pos + name.size()]);
            if (starts && ends) return true;
        }
        ++pos;
    }
    return false;
}

struct parameter {
    std::string type;  // "const float *"
    std::string name;
};

// A function's prototype, written once and printed in the documentation, the header and the source.
struct signature {
    std::string result;  // "void", "const float *", "static float"
    std::string name;
    std::vector<parameter> params;

    // "result name(type a, type b, ...)", wrapped before `width` columns with the continuation
    // aligned after the parenthesis.
    std::vector<std::string> lines(std::size_t width = 110) const {
        std::vector<std::string> out;
        std::string line = result + (result.back() == '*' ? "" : " ") + name + "(";
        const std::size_t indent = line.size();
        for (std::size_t k = 0; k < params.size(); ++k) {
            const parameter& p = params[k];
            std::string piece = p.type + (p.type.back() == '*' ? "" : " ") + p.name + (k + 1 < params.size() ? "," : ")");
            if (line.size() > indent && line.size() + 1 + piece.size() > width) {
                out.push_back(line);
                line = std::string(indent, ' ');
            } else if (line.size() > indent) {
                line += ' ';
            }
            line += piece;
        }
        out.push_back(line);
        return out;
    }
};

// Comments of the generated files hold paths and type names: keep them from ending the comment
// or forming a trigraph.
std::string comment_safe(std::string_view text) {
    std::string out;
    for (char ch : text) {
        if ((ch == '/' && !out.empty() && out.back() == '*') || (ch == '?' && !out.empty() && out.back() == '?'))
            out += ' ';
        out += ch;
    }
    return out;
}

// Writes a function: its body is generated first so that parameters it never reads can be
// marked `(void)name;` (the code is compiled with -Wunused-parameter).
template <class Body>
void function(writer& out, const signature& sig, Body&& body) {
    writer inner;
    body(inner);
    for (const std::string& row : sig.lines()) out.line(row);
    out.open();
    for (const parameter& p : sig.params)
        if (!mentions(inner.text(), p.name)) out.line("(void)", p.name, ";");
    // Indent the body one level.
    std::string_view text = inner.text();
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        const std::string_view row = text.substr(0, end);
        if (row.empty())
            out.end_line();
        else
            out.line(row);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    }
    out.close();
}

std::string_view loss_name(loss_kind loss) {
    switch (loss) {
        case loss_kind::none: return "none";
        case loss_kind::mse: return "mse";
        case loss_kind::binary_cross_entropy: return "binary_cross_entropy";
        case loss_kind::softmax_cross_entropy: return "softmax_cross_entropy";
    }
    return "?";
}

// Everything decided before any text is written.
struct signatures {
    signature infer, forward, backprop, backward, loss, train_sample, train_batch, sgd_step, adam_step, state_reset,
        step;
};

constexpr std::size_t none = std::size_t(-1);

// What <name>_infer runs: the model itself, or, with --fold-batch-norm, the model without the
// batch_norm layers folded into the dense, conv2d or depthwise_conv2d before them.
struct inference {
    model_info model;                   // its layers, with their offsets in its own parameters
    std::vector<std::size_t> origin;    // per layer: its index in the original model
    std::vector<std::size_t> absorbed;  // per layer: the index of the batch_norm folded into it, or none
    std::vector<float> weights;         // folded parameters (only when folded)
    bool folded = false;
};

bool foldable(const layer_info& layer) {
    return layer.name == "dense" || layer.name == "conv2d" || layer.name == "depthwise_conv2d";
}

inference unfolded(const model_info& model) {
    inference inf;
    inf.model = model;
    for (std::size_t i = 0; i < model.layers.size(); ++i) {
        inf.origin.push_back(i);
        inf.absorbed.push_back(none);
    }
    return inf;
}

// Folds batch_norm (gamma, beta, running mean and variance, eps) into the layer before it: per
// output channel c, s = gamma / sqrt(var + eps); the channel's weights times s, its bias
// (b - mean) * s + beta. Computed in double, stored as float.
inference fold_batch_norm(const model_info& model, const std::vector<float>& weights) {
    inference inf;
    inf.folded = true;
    inf.model = model;
    inf.model.layers.clear();
    std::size_t offset = 0;
    std::size_t saved_flops = 0;
    const std::size_t n = model.layers.size();
    for (std::size_t i = 0; i < n; ++i) {
        const layer_info& layer = model.layers[i];
        const bool absorbs = i + 1 < n && foldable(layer) && model.layers[i + 1].name == "batch_norm";
        layer_info kept = layer;
        kept.param_offset = offset;
        offset += layer.param_count;
        const std::size_t first = inf.weights.size();
        inf.weights.insert(inf.weights.end(), weights.begin() + std::ptrdiff_t(layer.param_offset),
                           weights.begin() + std::ptrdiff_t(layer.param_offset + layer.param_count));
        if (absorbs) {
            const layer_info& bn = model.layers[i + 1];
            const std::size_t channels = layer.output_dims.back();
            if (bn.param_count != 4 * channels || layer.param_count <= channels || bn.epsilon <= 0)
                throw std::logic_error("fold_batch_norm: unexpected parameter layout");
            const std::size_t weight_count = layer.param_count - channels;
            const std::size_t per_channel = weight_count / channels;
            const bool strided = layer.name == "depthwise_conv2d";  // [KH][KW][C]: channel c every C values
            const float* gamma = weights.data() + bn.param_offset;
            const float* beta = gamma + channels;
            const float* mean = beta + channels;
            const float* var = mean + channels;
            float* w = inf.weights.data() + first;
            float* b = w + weight_count;
            for (std::size_t c = 0; c < channels; ++c) {
                const double scale = double(gamma[c]) / std::sqrt(double(var[c]) + bn.epsilon);
                for (std::size_t k = 0; k < per_channel; ++k) {
                    float& v = w[strided ? k * channels + c : c * per_channel + k];
                    v = float(double(v) * scale);
                }
                b[c] = float((double(b[c]) - double(mean[c])) * scale + double(beta[c]));
            }
            saved_flops += bn.flops;
        }
        inf.model.layers.push_back(kept);
        inf.origin.push_back(i);
        inf.absorbed.push_back(absorbs ? i + 1 : none);
        if (absorbs) ++i;
    }
    inf.model.param_count = offset;
    inf.model.flops = model.flops - saved_flops;
    return inf;
}

struct layout {
    std::string id;      // c identifier
    std::string stem;    // file names
    std::string macro;   // its upper-case form
    std::size_t n = 0;   // layer count
    std::vector<std::size_t> sizes;  // tensor sizes 0..n

    chain_plan infer;               // over the layers of the inference model (see struct inference)
    std::size_t infer_scratch = 0;  // as published: at least 1
    std::vector<std::size_t> infer_sizes;  // its tensor sizes

    bool training = false;
    bool fused = false;            // softmax_cross_entropy: the loss reads the logits below the softmax
    std::size_t top = 0;           // the tensor whose gradient backprop starts from: n, or n-1 when fused
    activation_plan activations;
    chain_plan gradients;          // over layers top-1 .. 0, tensors in processing order top .. 0
    std::vector<std::size_t> saved_offset;  // per layer: what it saves for backward, in the workspace
    std::size_t gradient_base = 0; // the gradient arena's offset in the workspace
    std::size_t workspace = 0;

    bool streams = false;             // <name>_step and <name>_state exist
    chain_plan step;                  // over the step model's layers
    std::vector<std::size_t> step_sizes;
    std::vector<std::size_t> state_offset;  // per layer, in <name>_state.values
    std::size_t state_size = 0;

    std::string step_tensor(std::size_t t) const {
        const int g = step.group[t];
        if (g == chain_plan::source) return "x";
        if (g == chain_plan::destination) return "y";
        return at("scratch", step.group_offset[std::size_t(g)]);
    }
    std::string saved(std::size_t i, std::size_t size) const {
        return size == 0 ? std::string() : at("workspace", saved_offset[i]);
    }

    std::string infer_tensor(std::size_t t) const {
        const int g = infer.group[t];
        if (g == chain_plan::source) return "x";
        if (g == chain_plan::destination) return "y";
        return at("scratch", infer.group_offset[std::size_t(g)]);
    }
    std::string activation(std::size_t t) const {
        const int g = activations.group[t];
        return g < 0 ? std::string("x") : at("workspace", activations.region_offset[std::size_t(g)]);
    }
    std::size_t activation_offset(std::size_t t) const {
        return activations.region_offset[std::size_t(activations.group[t])];
    }
    // dL/d(tensor t) during backprop, t <= top.
    std::string gradient(std::size_t t) const {
        const int g = gradients.group[top - t];
        if (g == chain_plan::source) return "g_top";
        if (g == chain_plan::destination) return "dx";
        return at("workspace", gradient_base + gradients.group_offset[std::size_t(g)]);
    }
    // Where train_sample's loss leaves dL/d(tensor top): the front of the gradient arena.
    std::string top_slot() const { return at("workspace", gradient_base); }

    signatures functions() const {
        const std::string& p = id;
        signatures s;
        s.infer = {"void", p + "_infer",
                   {{"const float *", "params"}, {"const float *", "x"}, {"float *", "y"}, {"float *", "scratch"}}};
        s.forward = {"const float *", p + "_forward",
                     {{"const float *", "params"}, {"const float *", "x"}, {"float *", "workspace"}}};
        s.backprop = {"static void", p + "_backprop",
                      {{"const float *", "params"},
                       {"const float *", "x"},
                       {"float *", "workspace"},
                       {"const float *", "g_top"},
                       {"float *", "grads"},
                       {"float *", "dx"}}};
        s.backward = {"void", p + "_backward",
                      {{"const float *", "params"},
                       {"const float *", "x"},
                       {"float *", "workspace"},
                       {"const float *", "dy"},
                       {"float *", "grads"},
                       {"float *", "dx"}}};
        s.loss = {"static float", p + "_loss",
                  {{"const float *", "y"}, {"const float *", "target"}, {"float *", "dy"}, {"float", "scale"}}};
        s.train_sample = {"float", p + "_train_sample",
                          {{"const float *", "params"},
                           {"const float *", "x"},
                           {"const float *", "target"},
                           {"float", "scale"},
                           {"float *", "workspace"},
                           {"float *", "grads"}}};
        s.train_batch = {"float", p + "_train_batch",
                         {{"const float *", "params"},
                          {"const float *", "batch_x"},
                          {"const float *", "batch_target"},
                          {"size_t", "samples"},
                          {"float *", "batch_workspace"},
                          {"float *", "grads"}}};
        s.sgd_step = {"void", p + "_sgd_step", {{p + "_sgd *", "state"}, {"float *", "params"}, {"const float *", "grads"}}};
        s.adam_step = {"void", p + "_adam_step",
                       {{p + "_adam *", "state"}, {"float *", "params"}, {"const float *", "grads"}}};
        s.state_reset = {"void", p + "_state_reset", {{p + "_state *", "state"}}};
        s.step = {"void", p + "_step",
                  {{"const float *", "params"}, {"const float *", "x"}, {"float *", "y"}, {p + "_state *", "state"}}};
        return s;
    }
};

// A prototype as a declaration: its lines with ";" after the last.
void declare(writer& out, const signature& sig, std::string_view indent = "", std::size_t width = 110) {
    const auto rows = sig.lines(width);
    for (std::size_t k = 0; k < rows.size(); ++k) out.line(indent, rows[k], k + 1 == rows.size() ? ";" : "");
}

sharing forward_sharing(const ctnn::emit::layer_traits& t) {
    return t.pass_through ? sharing::pass_through : t.forward_in_place ? sharing::in_place : sharing::none;
}
sharing backward_sharing(const ctnn::emit::layer_traits& t) {
    return t.pass_through ? sharing::pass_through : t.backward_in_place ? sharing::in_place : sharing::none;
}

layout plan(const model_info& model, const options& opts, const inference& inf) {
    layout l;
    l.id = c_identifier(opts.name);
    l.macro = upper(l.id);
    l.stem = opts.file_stem.empty() ? l.id : opts.file_stem;
    l.n = model.layers.size();
    l.sizes.push_back(model.input_size);
    for (const layer_info& layer : model.layers) l.sizes.push_back(layer.output_size);

    std::vector<sharing> forward;
    l.infer_sizes.push_back(model.input_size);
    for (const layer_info& layer : inf.model.layers) {
        forward.push_back(forward_sharing(layer.traits));
        l.infer_sizes.push_back(layer.output_size);
    }
    l.infer = plan_chain(l.infer_sizes, forward, true);
    l.infer_scratch = std::max<std::size_t>(l.infer.arena, 1);

    l.streams = !model.step_layers.empty();
    if (l.streams) {
        std::vector<sharing> step_sharing;
        l.step_sizes.push_back(model.step_input_size);
        for (const layer_info& layer : model.step_layers) {
            // A stateful layer reads its input row and its state together: never in place.
            step_sharing.push_back(layer.state_size > 0 ? sharing::none : forward_sharing(layer.traits));
            l.step_sizes.push_back(layer.output_size);
            l.state_offset.push_back(l.state_size);
            l.state_size += layer.state_size;
        }
        l.step = plan_chain(l.step_sizes, step_sharing, true);
    }

    l.training = opts.training;
    if (!l.training) return l;
    for (std::size_t i = 0; i < l.n; ++i)
        if (!model.layers[i].traits.per_sample_training)
            throw generation_error(fmt::format(
                "--training: layer {} ({}) trains differently from how it infers (batch statistics or random masks) "
                "and ctnn-gen writes its inference only; generate without --training",
                i + 1, model.layers[i].name));
    l.fused = opts.loss == loss_kind::softmax_cross_entropy;
    if (l.fused && (model.layers.back().name != "softmax" || l.n < 2))
        throw generation_error("--loss softmax_cross_entropy works on the logits of a final softmax: the model must end "
                               "with ctnn::softmax after at least one other layer");
    l.top = l.fused ? l.n - 1 : l.n;

    std::vector<bool> needed(l.n + 1, false);
    std::vector<ctnn::emit::layer_traits> traits;
    for (std::size_t i = 0; i < l.n; ++i) {
        const auto& t = model.layers[i].traits;
        traits.push_back(t);
        if (t.backward_reads_input) needed[i] = true;
        if (t.backward_reads_output) needed[i + 1] = true;
    }
    needed[l.n] = true;             // the output is returned to the caller
    if (l.fused) needed[l.n - 1] = true;  // the loss reads the logits
    l.activations = plan_activations(l.sizes, traits, needed);

    // Backprop runs the layers top-1 .. 0: reorder the chain so that it starts at tensor top.
    std::vector<std::size_t> sizes;
    std::vector<sharing> backward;
    for (std::size_t t = l.top + 1; t-- > 0;) sizes.push_back(l.sizes[t]);
    for (std::size_t i = l.top; i-- > 0;) backward.push_back(backward_sharing(model.layers[i].traits));
    const bool has_top_slot = opts.loss != loss_kind::none;
    l.gradients = plan_chain(sizes, backward, false, has_top_slot ? l.sizes[l.top] : 0);
    std::size_t saved_end = l.activations.size;
    for (const layer_info& layer : model.layers) {
        l.saved_offset.push_back(saved_end);
        saved_end += layer.saved_size;
    }
    l.gradient_base = saved_end;
    l.workspace = l.gradient_base + l.gradients.arena;
    return l;
}

// ---------------------------------------------------------------------------------------------
// Documentation

void document_summary(writer& doc, const model_info& model) {
    doc.line(fmt::format("{:<4} {:<14} {:<18} {:>10} {:>10} {:>12} {:>12}", "#", "layer", "output shape", "params",
                         "FLOPs", "param bytes", "out bytes"));
    doc.line(fmt::format("{:<4} {:<14} {:<18} {:>10} {:>10} {:>12} {:>12}", 0, "input", shape_text(model.input_dims),
                         0, 0, 0, model.input_size * 4));
    for (std::size_t i = 0; i < model.layers.size(); ++i) {
        const layer_info& layer = model.layers[i];
        doc.line(fmt::format("{:<4} {:<14} {:<18} {:>10} {:>10} {:>12} {:>12}", i + 1, layer.name,
                             shape_text(layer.output_dims), layer.param_count, layer.flops, layer.param_count * 4,
                             layer.output_size * 4));
    }
    doc.line(fmt::format("total: {} parameters ({} bytes), {} FLOPs per inference", model.param_count,
                         model.param_count * 4, model.flops));
}

std::string layer_label(const model_info& model, std::size_t i) {
    return fmt::format("layer {} {}", i + 1, model.layers[i].name);
}

void document_param_rows(writer& doc, const layer_info& layer) {
    writer rows;
    layer.emit_param_layout(rows, layer.param_offset);
    std::string_view text = rows.text();
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        doc.line("    ", text.substr(0, end));
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    }
}

void document_folding(writer& doc, const model_info& model, const layout& l, const inference& inf) {
    const std::string& p = l.id;
    const std::string& m = l.macro;
    doc.line("FOLDED BATCH NORMALISATION (--fold-batch-norm). For inference, each batch_norm directly after a");
    doc.line("dense, conv2d or depthwise_conv2d is folded into that layer: per output channel c, with");
    doc.line("s = gamma[c] / sqrt(running_var[c] + epsilon), the channel's weights are multiplied by s and its");
    doc.line("bias becomes (bias[c] - running_mean[c]) * s + beta[c] (computed in double, stored as float).");
    for (std::size_t j = 0; j < inf.absorbed.size(); ++j)
        if (inf.absorbed[j] != none)
            doc.line(fmt::format("  {} folded into {}", layer_label(model, inf.absorbed[j]), layer_label(model, inf.origin[j])));
    doc.line(fmt::format("{}_infer runs no folded batch_norm and takes its parameters in the layout of the model", p));
    doc.line(fmt::format("without them: {}_INFER_PARAM_COUNT = {} floats (instead of {}), held by {}_infer_weights;", m,
                         inf.model.param_count, model.param_count, p));
    doc.line(fmt::format("{}_INFER_FLOPS = {} FLOPs per inference (instead of {}):", m, inf.model.flops, model.flops));
    for (std::size_t j = 0; j < inf.model.layers.size(); ++j) {
        const layer_info& layer = inf.model.layers[j];
        if (layer.param_count == 0) continue;
        doc.line("  ", layer_label(model, inf.origin[j]), inf.absorbed[j] != none ? " (folded)" : "");
        document_param_rows(doc, layer);
    }
    doc.line(fmt::format("{}_weights keeps the unfolded parameters (the weights file's layout).", p));
    doc.end_line();
}

void document(writer& doc, const model_info& model, const options& opts, const layout& l, const inference& inf,
              bool has_weights, std::string_view weights_origin) {
    const std::string& p = l.id;
    const std::string& m = l.macro;
    doc.line(fmt::format("{}.h: the neural network {} as C99, generated by ctnn-gen{}.", l.stem, model.type_name,
                         opts.source.empty() ? "" : fmt::format(" from {}", opts.source)));
    doc.line("Do not edit: change the model or its weights and rebuild. The code needs <stddef.h>,");
    doc.line("<stdint.h> and <math.h> only: no allocation, no global mutable state, no recursion, no");
    doc.line("variable-length arrays, every loop bound a constant.");
    doc.end_line();
    document_summary(doc, model);
    doc.end_line();

    doc.line(fmt::format("PARAMETERS: one array of {0}_PARAM_COUNT = {1} floats, layer after layer:", m,
                         model.param_count));
    bool any = false;
    for (std::size_t i = 0; i < l.n; ++i) {
        const layer_info& layer = model.layers[i];
        if (layer.param_count == 0) continue;
        any = true;
        doc.line("  ", layer_label(model, i));
        document_param_rows(doc, layer);
    }
    if (!any) doc.line("  (none: no layer has parameters)");
    doc.line("Any alignment works; 64 bytes is faster where vector loads are wide (AVX-512).");
    if (has_weights) {
        doc.line(fmt::format("{}_weights holds {}.", p, weights_origin));
        doc.line("GCC and clang align it to 64 bytes.");
    }
    doc.end_line();
    if (inf.folded) document_folding(doc, model, l, inf);

    doc.line(fmt::format("INFERENCE SCRATCH: {}_INFER_SCRATCH_SIZE = {} floats{}. Where each tensor lives:", m,
                         l.infer_scratch, l.infer.arena == 0 ? " (unused)" : ""));
    doc.line(fmt::format("  {:<28} x", "input"));
    for (std::size_t j = 0; j < inf.model.layers.size(); ++j) {
        const std::size_t i = inf.origin[j];
        const std::size_t t = j + 1;
        std::string where;
        const int g = l.infer.group[t];
        if (g == chain_plan::destination)
            where = "y";
        else if (g == chain_plan::source)
            where = "x";
        else
            where = "scratch" + range(l.infer.group_offset[std::size_t(g)],
                                      l.infer.group_offset[std::size_t(g)] + l.infer_sizes[t]);
        const bool shared = l.infer.group[t] == l.infer.group[t - 1];
        doc.line(fmt::format("  {:<28} {}{}", layer_label(model, i), where,
                             !shared ? "" : l.infer.emits[j] ? " (in place)" : " (shares its input)"));
    }
    doc.end_line();

    if (l.training) {
        doc.line(fmt::format("TRAINING WORKSPACE: {}_TRAIN_WORKSPACE_SIZE = {} floats. {}_forward keeps in it what", m,
                             l.workspace, p));
        doc.line("backward reads (a layer overwrites its input when backward needs neither):");
        for (std::size_t i = 0; i < l.n; ++i) {
            const std::size_t t = i + 1;
            const int g = l.activations.group[t];
            const std::string where =
                g < 0 ? std::string("x")
                      : "workspace" + range(l.activations.region_offset[std::size_t(g)],
                                            l.activations.region_offset[std::size_t(g)] + l.sizes[t]);
            const bool shared = l.activations.group[t] == l.activations.group[t - 1];
            doc.line(fmt::format("  {:<28} {}{}", layer_label(model, i), where,
                                 !shared ? "" : l.activations.emits[i] ? " (in place)" : " (shares its input)"));
        }
        for (std::size_t i = 0; i < l.n; ++i)
            if (model.layers[i].saved_size > 0)
                doc.line(fmt::format("  {:<28} workspace{}: what its backward reads (gates of every step)",
                                     layer_label(model, i) + " saves",
                                     range(l.saved_offset[i], l.saved_offset[i] + model.layers[i].saved_size)));
        if (l.gradients.arena > 0)
            doc.line(fmt::format("  {:<28} workspace{}: dL/d(outputs) while backward runs", "gradients",
                                 range(l.gradient_base, l.workspace)));
        doc.line(fmt::format("The output is at workspace + {}_TRAIN_OUTPUT_OFFSET = {}.", m, l.activation_offset(l.n)));
        doc.end_line();
    }

    doc.line("FUNCTIONS. Each works on one sample (train_batch on a batch) and keeps no state between calls; the");
    doc.line("buffers given to one call must not overlap. Sizes are in floats.");
    if (l.streams) doc.line("A stream's memory is the caller's state object.");
    doc.end_line();
    const signatures fn = l.functions();
    declare(doc, fn.infer, "", 96);
    if (inf.folded) {
        doc.line(fmt::format("    y[{0}_OUTPUT_SIZE] = model(x[{0}_INPUT_SIZE]) with params[{0}_INFER_PARAM_COUNT], the", m));
        doc.line(fmt::format("    folded parameters ({}_infer_weights, not {}_weights); scratch holds", p, p));
        doc.line(fmt::format("    {}_INFER_SCRATCH_SIZE floats, whose content is not needed before or after.", m));
    } else {
        doc.line(fmt::format("    y[{0}_OUTPUT_SIZE] = model(x[{0}_INPUT_SIZE]) with params[{0}_PARAM_COUNT]; scratch", m));
        doc.line(fmt::format("    holds {}_INFER_SCRATCH_SIZE floats, whose content is not needed before or after.", m));
    }
    if (l.streams) {
        declare(doc, fn.state_reset, "", 96);
        doc.line(fmt::format("    Starts a new stream: every recurrent state and history is zero, as at the start of a"));
        doc.line("    sequence.");
        declare(doc, fn.step, "", 96);
        doc.line(fmt::format("    One time step: y[{0}_STEP_OUTPUT_SIZE] from x[{0}_STEP_INPUT_SIZE] (one row of the", m));
        doc.line("    sequence input) and the stream's state, which it updates. Stepping through a sequence from a");
        doc.line(fmt::format("    reset state gives {}_infer's rows bit for bit. Its scratch ({} floats) is on the stack.", p,
                             l.step.arena));
    }
    if (l.training) {
        declare(doc, fn.forward, "", 96);
        doc.line(fmt::format("    Runs the model on x, keeping what backward needs in workspace[{}_TRAIN_WORKSPACE_SIZE];",
                             m));
        doc.line("    returns the output, which lives in the workspace.");
        declare(doc, fn.backward, "", 96);
        doc.line("    After forward on the same x and params: given dy = dL/d(output), ADDS dL/dparams to");
        doc.line(fmt::format("    grads[{0}_PARAM_COUNT] (zero it before each batch) and writes dL/dx to dx[{0}_INPUT_SIZE]", m));
        doc.line("    unless dx is NULL. Summing over the samples of a batch gives what ctnn's batched backward gives.");
        if (opts.loss != loss_kind::none) {
            declare(doc, fn.train_sample, "", 96);
            doc.line(fmt::format("    forward, the loss ctnn::{} against target[{}_OUTPUT_SIZE], and backward with", loss_name(opts.loss), m));
            doc.line("    scale * dL/d(output) (scale = 1 / batch size averages a batch, as ctnn::trainer does).");
            doc.line("    Returns the sample's loss; the output stays in the workspace.");
            declare(doc, fn.train_batch, "", 96);
            doc.line(fmt::format("    A whole batch of samples >= 1 (0 returns NaN): batch_x[samples * {0}_INPUT_SIZE] and", m));
            doc.line(fmt::format("    batch_target[samples * {0}_OUTPUT_SIZE], with {0}_TRAIN_BATCH_WORKSPACE_SIZE(samples)", m));
            doc.line(fmt::format("    floats of batch_workspace (sample k's at k * {}_TRAIN_WORKSPACE_SIZE). WRITES", m));
            doc.line(fmt::format("    grads[{}_PARAM_COUNT] = dL/dparams of the batch's mean loss, the same bits as zeroing grads", m));
            doc.line("    and calling train_sample with scale = 1 / samples on each sample in order, and as ctnn::trainer;");
            doc.line("    returns the mean loss. Faster: each layer runs over the whole batch in turn, dense layers");
            doc.line("    four samples at a time forward, and dense and convolution layers keep blocks of their");
            doc.line("    weight gradients in registers backward.");
        }
        if (model.param_count > 0) {
            declare(doc, fn.sgd_step, "", 96);
            doc.line(fmt::format("    ctnn::sgd's step. Initialise the state with {}_SGD_INIT(learning_rate, momentum).", m));
            declare(doc, fn.adam_step, "", 96);
            doc.line(fmt::format("    ctnn::adam's step. Initialise the state with {}_ADAM_INIT(learning_rate) (ctnn's", m));
            doc.line("    defaults for the other settings, which may then be changed).");
        }
    }
    doc.end_line();
    doc.line("NUMBERS. Built with the same compiler and the same floating-point flags as the C++ that uses the");
    doc.line("ctnn headers, every function gives the same bits as the header path (Model::infer, forward,");
    doc.line("backward, the losses, ctnn::sgd and ctnn::adam): the loops and expressions are the same, in the");
    doc.line("same order. Mind flags that change rounding, like -ffast-math or -ffp-contract=fast (which GCC");
    doc.line("enables by default in GNU modes such as -std=gnu99 and -std=gnu++20, but not for -std=c99).");
    if (inf.folded) {
        doc.line(fmt::format("Folding changes the rounding: {}_infer agrees with Model::infer to about 1e-6 relative to", p));
        doc.line("the largest output, not bit for bit.");
    }
}

// ---------------------------------------------------------------------------------------------
// Header

void define(writer& h, const std::string& macro, const std::string& value, std::string_view comment) {
    h.line(fmt::format("#define {:<36} {:<12} /* {} */", macro, value, comment));
}

std::string header_text(const model_info& model, const options& opts, const layout& l, const inference& inf,
                        bool has_weights, std::string_view weights_origin) {
    const std::string& p = l.id;
    const std::string& m = l.macro;
    writer doc;
    document(doc, model, opts, l, inf, has_weights, weights_origin);

    writer h;
    h.line("/*");
    {
        std::string_view text = doc.text();
        while (!text.empty()) {
            const std::size_t end = text.find('\n');
            const std::string_view row = text.substr(0, end);
            if (row.empty())
                h.line(" *");
            else
                h.line(" * ", comment_safe(row));
            text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        }
    }
    h.line(" */");
    const std::string guard = fmt::format("CTNN_GENERATED_{}_H", m);
    h.line("#ifndef ", guard);
    h.line("#define ", guard);
    h.end_line();
    h.line("#include <stddef.h>");
    h.line("#include <stdint.h>");
    h.end_line();
    define(h, m + "_INPUT_SIZE", std::to_string(model.input_size), "floats in one input");
    define(h, m + "_OUTPUT_SIZE", std::to_string(model.output_size), "floats in one output");
    define(h, m + "_LAYER_COUNT", std::to_string(l.n), "layers after the input");
    define(h, m + "_PARAM_COUNT", std::to_string(model.param_count), "floats of parameters");
    define(h, m + "_PARAM_BYTES", std::to_string(model.param_count * 4), "bytes of parameters");
    define(h, m + "_FLOPS", std::to_string(model.flops), "floating-point operations per inference");
    define(h, m + "_ARCHITECTURE_SIGNATURE", fmt::format("UINT64_C(0x{:016x})", model.signature),
           "ctnn::architecture_signature");
    define(h, m + "_INFER_SCRATCH_SIZE", std::to_string(l.infer_scratch), "floats of scratch for infer");
    define(h, m + "_INFER_SCRATCH_BYTES", std::to_string(l.infer_scratch * 4), "bytes of scratch for infer");
    if (inf.folded) {
        define(h, m + "_INFER_PARAM_COUNT", std::to_string(inf.model.param_count), "floats of folded parameters");
        define(h, m + "_INFER_PARAM_BYTES", std::to_string(inf.model.param_count * 4), "bytes of folded parameters");
        define(h, m + "_INFER_FLOPS", std::to_string(inf.model.flops), "FLOPs per inference, batch_norm folded");
    }
    define(h, m + "_HAS_WEIGHTS", has_weights ? "1" : "0", fmt::format("1: {}_weights is defined", p));
    if (l.training) {
        define(h, m + "_TRAINING", "1", "forward, backward and optimizer steps are defined");
        define(h, m + "_TRAIN_WORKSPACE_SIZE", std::to_string(l.workspace), "floats of training workspace");
        define(h, m + "_TRAIN_WORKSPACE_BYTES", std::to_string(l.workspace * 4), "bytes of training workspace");
        define(h, m + "_TRAIN_OUTPUT_OFFSET", std::to_string(l.activation_offset(l.n)), "the output in the workspace");
        if (opts.loss != loss_kind::none)
            h.line(fmt::format("#define {0}_TRAIN_BATCH_WORKSPACE_SIZE(samples) ((samples) * {0}_TRAIN_WORKSPACE_SIZE)", m));
        if (model.param_count > 0) {
            writer init;
            ctnn::emit::optimizer_emitter<ctnn::sgd>::initializer(init);
            h.line(fmt::format("#define {}_SGD_INIT(learning_rate, momentum) {}", m, init.text()));
            writer adam_init;
            ctnn::emit::optimizer_emitter<ctnn::adam>::initializer(adam_init);
            h.line(fmt::format("#define {}_ADAM_INIT(learning_rate) {}", m, adam_init.text()));
        }
    } else {
        define(h, m + "_TRAINING", "0", "only infer is defined");
    }
    if (l.streams) {
        define(h, m + "_STEP_INPUT_SIZE", std::to_string(model.step_input_size), "floats in one input row (time step)");
        define(h, m + "_STEP_OUTPUT_SIZE", std::to_string(model.step_output_size), "floats in one output row");
        define(h, m + "_STATE_SIZE", std::to_string(l.state_size), "floats a stream carries between steps");
    }
    h.end_line();
    h.line("#ifdef __cplusplus");
    h.line("extern \"C\" {");
    h.line("#endif");
    h.end_line();
    if (l.training && model.param_count > 0) {
        h.line("/* ctnn::sgd's state: v = momentum * v + g; p -= learning_rate * v. */");
        h.open("typedef struct ", p, "_sgd");
        ctnn::emit::optimizer_emitter<ctnn::sgd>::fields(h, m + "_PARAM_COUNT");
        h.close(" " + p + "_sgd;");
        h.end_line();
        h.line("/* ctnn::adam's state, with PyTorch's formulation. */");
        h.open("typedef struct ", p, "_adam");
        ctnn::emit::optimizer_emitter<ctnn::adam>::fields(h, m + "_PARAM_COUNT");
        h.close(" " + p + "_adam;");
        h.end_line();
    }
    if (l.streams) {
        h.line("/* The memory of one stream (recurrent states, convolution histories): copy it to save or");
        h.line(" * restore a stream; ", p, "_state_reset starts a new one. */");
        h.open("typedef struct ", p, "_state");
        h.line("float values[", l.state_size > 0 ? m + "_STATE_SIZE" : std::string("1"), "];");
        h.close(" " + p + "_state;");
        h.end_line();
    }
    if (has_weights) {
        h.line("/* ", comment_safe(weights_origin), " */");
        h.line(fmt::format("extern const float {}_weights[{}_PARAM_COUNT];", p, m));
        h.end_line();
    }
    if (inf.folded) {
        h.line("/* The same, batch_norm folded into the layer before it: the parameters ", p, "_infer takes. */");
        h.line(fmt::format("extern const float {}_infer_weights[{}_INFER_PARAM_COUNT];", p, m));
        h.end_line();
        h.line("/* y = model(x); params: ", m, "_INFER_PARAM_COUNT floats, folded; scratch: ", m,
               "_INFER_SCRATCH_SIZE floats. */");
    } else {
        h.line("/* y = model(x); scratch: ", m, "_INFER_SCRATCH_SIZE floats. */");
    }
    const signatures fn = l.functions();
    declare(h, fn.infer);
    if (l.streams) {
        h.end_line();
        h.line("/* One time step: y[", m, "_STEP_OUTPUT_SIZE] from x[", m, "_STEP_INPUT_SIZE] and the stream's state. */");
        declare(h, fn.state_reset);
        declare(h, fn.step);
    }
    if (l.training) {
        h.end_line();
        h.line("/* Keeps what backward needs in workspace (", m, "_TRAIN_WORKSPACE_SIZE floats); returns the output. */");
        declare(h, fn.forward);
        h.end_line();
        h.line("/* dy = dL/d(output): adds dL/dparams to grads; writes dL/dx to dx unless dx is NULL. */");
        declare(h, fn.backward);
        if (opts.loss != loss_kind::none) {
            h.end_line();
            h.line("/* forward, loss (", loss_name(opts.loss), "), backward of scale * dL/d(output); returns the loss. */");
            declare(h, fn.train_sample);
            h.end_line();
            h.line("/* A batch of samples; grads = dL/dparams of the mean loss; returns the mean loss. */");
            declare(h, fn.train_batch);
        }
        if (model.param_count > 0) {
            h.end_line();
            declare(h, fn.sgd_step);
            declare(h, fn.adam_step);
        }
    }
    h.end_line();
    h.line("#ifdef __cplusplus");
    h.line("}");
    h.line("#endif");
    h.end_line();
    h.line("#endif");
    return h.take();
}

// ---------------------------------------------------------------------------------------------
// Source

void layer_comment(writer& c, const model_info& model, std::size_t i, std::string_view note) {
    const layer_info& layer = model.layers[i];
    c.line(fmt::format("/* layer {}: {} {} -> {}{} */", i + 1, layer.name,
                       i == 0 ? shape_text(model.input_dims) : shape_text(model.layers[i - 1].output_dims),
                       shape_text(layer.output_dims), note));
}

void emit_infer_body(writer& c, const model_info& model, const layout& l, const inference& inf) {
    for (std::size_t j = 0; j < inf.model.layers.size(); ++j) {
        if (!l.infer.emits[j]) continue;
        const layer_info& layer = inf.model.layers[j];
        const std::string params = at("params", layer.param_offset);
        const std::string x = l.infer_tensor(j);
        const std::string y = l.infer_tensor(j + 1);
        std::string note = x == y ? ", in place" : "";
        if (inf.absorbed[j] != none) note += fmt::format(", with layer {} batch_norm folded in", inf.absorbed[j] + 1);
        layer_comment(c, model, inf.origin[j], note);
        c.open();
        layer.emit_forward(c, {layer.param_count > 0 ? std::string_view(params) : std::string_view(), x, y});
        c.close();
    }
}

// The step model's layers on one row; layers with a state continue from state->values.
void emit_step_body(writer& c, const model_info& model, const layout& l) {
    if (l.step.arena > 0) c.line("float scratch[", l.step.arena, "];");
    if (l.state_size == 0) c.line("(void)state;");
    for (std::size_t i = 0; i < model.step_layers.size(); ++i) {
        if (!l.step.emits[i]) continue;
        const layer_info& layer = model.step_layers[i];
        const std::string params = at("params", layer.param_offset);
        const std::string x = l.step_tensor(i);
        const std::string y = l.step_tensor(i + 1);
        const std::string state = layer.state_size > 0 ? at("state->values", l.state_offset[i]) : std::string();
        layer_comment(c, model, i, layer.state_size > 0 ? ", one step" : x == y ? ", in place" : "");
        c.open();
        layer.emit_forward(c, {layer.param_count > 0 ? std::string_view(params) : std::string_view(), x, y, state});
        c.close();
    }
}

// The C expressions of layer i's buffers, which the emitters' forward_buffers and backward_buffers
// view: x and y always forward, backward only where the layer reads them; params and dparams
// empty for a layer without parameters.
struct layer_buffers {
    std::string params, dparams, x, y, saved;

    layer_buffers(const model_info& model, const layout& l, std::size_t i, bool backward) {
        const layer_info& layer = model.layers[i];
        if (layer.param_count > 0) {
            params = at("params", layer.param_offset);
            dparams = at("grads", layer.param_offset);
        }
        if (!backward || layer.traits.backward_reads_input) x = l.activation(i);
        if (!backward || layer.traits.backward_reads_output) y = l.activation(i + 1);
        saved = l.saved(i, layer.saved_size);
    }
    ctnn::emit::forward_buffers forward() const { return {params, x, y, {}, saved}; }
    ctnn::emit::backward_buffers backward(std::string_view dy, std::string_view dx, bool dx_optional) const {
        return {params, x, y, dy, dx, dparams, dx_optional, saved};
    }
};

void emit_forward_body(writer& c, const model_info& model, const layout& l) {
    for (std::size_t i = 0; i < l.n; ++i) {
        if (!l.activations.emits[i]) continue;
        const layer_buffers buffers(model, l, i, false);
        layer_comment(c, model, i, buffers.x == buffers.y ? ", in place" : "");
        c.open();
        model.layers[i].emit_forward(c, buffers.forward());
        c.close();
    }
    c.line("return ", l.activation(l.n), ";");
}

void emit_layer_backward(writer& c, const model_info& model, const layout& l, std::size_t i, std::string dy,
                         std::string dx) {
    const layer_buffers buffers(model, l, i, true);
    layer_comment(c, model, i, dx == dy ? ", backward in place" : ", backward");
    c.open();
    model.layers[i].emit_backward(c, buffers.backward(dy, dx, i == 0));
    c.close();
}

// Layer i's forward over a batch (<name>_train_batch): its emit_batch_forward, or its
// emit_forward once per sample.
void emit_layer_batch_forward(writer& c, const model_info& model, const layout& l, std::size_t i,
                              const ctnn::emit::sample_loop& each) {
    const layer_info& layer = model.layers[i];
    const layer_buffers buffers(model, l, i, false);
    layer_comment(c, model, i, buffers.x == buffers.y ? ", in place, over the batch" : ", over the batch");
    c.open();
    if (layer.emit_batch_forward != nullptr) {
        layer.emit_batch_forward(c, buffers.forward(), each);
    } else {
        each.open(c, "0", buffers.params, buffers.x, buffers.y, buffers.saved);
        layer.emit_forward(c, buffers.forward());
        c.close();
    }
    c.close();
}

// Layer i's backward over a batch (<name>_train_batch): its emit_batch_backward, or its
// emit_backward once per sample. No dL/dx for the first layer.
void emit_layer_batch_backward(writer& c, const model_info& model, const layout& l, std::size_t i,
                               const ctnn::emit::sample_loop& each) {
    const layer_info& layer = model.layers[i];
    const layer_buffers buffers(model, l, i, true);
    // backprop's g_top is where the loss left dL/d(top): the front of the sample's gradient arena.
    const auto gradient = [&](std::size_t t) {
        std::string g = l.gradient(t);
        return g == "g_top" ? l.top_slot() : g;
    };
    const std::string dy = gradient(i + 1), dx = gradient(i);
    if (i == 0 && dx != "dx") throw std::logic_error("train_batch: the first layer's dL/dx is not the caller's");
    layer_comment(c, model, i, ", backward over the batch");
    c.open();
    if (layer.emit_batch_backward != nullptr) {
        layer.emit_batch_backward(c, buffers.backward(dy, i == 0 ? std::string_view() : std::string_view(dx), false),
                                  each);
    } else {
        if (layer.param_count > 0) ctnn::emit::zero_fill(c, buffers.dparams, layer.param_count);
        each.open(c, "0", buffers.params, buffers.x, buffers.y, dy, dx, buffers.saved);
        // As <name>_train_sample calls backprop: dx NULL, which the first layer tests.
        if (i == 0) c.line("float *dx = NULL;");
        layer.emit_backward(c, buffers.backward(dy, dx, i == 0));
        c.close();
    }
    c.close();
}

// <name>_train_batch runs each layer over the batch in a static function of its own, kept out of
// line where the compiler allows (CTNN_NOINLINE): inlined into one function, GCC 12 loaded both
// operands of every multiply-add of the dense blocks from memory (20 loads for 16 multiply-adds),
// and M2's batch-64 step took 290 us instead of 238 (one process, alternating).
signature batch_step(const layout& l, std::size_t i, bool forward) {
    signature s{"static CTNN_NOINLINE void",
                fmt::format("{}_layer{}_{}", l.id, i + 1, forward ? "forward_batch" : "backward_batch"),
                {{"const float *", "params"}, {"const float *", "batch_x"}, {"float *", "batch_workspace"}}};
    if (!forward) s.params.push_back({"float *", "grads"});
    s.params.push_back({"size_t", "samples"});
    return s;
}

// Every layer over the whole batch in turn: forward, the loss of each sample, backward. Each
// value keeps its one-sample order (each parameter gradient adds the samples in order onto zero),
// the same bits as train_sample per sample into zeroed gradients, while the hooks of dense and
// conv2d keep blocks of W, dW or kernel gradients in registers across several samples.
void emit_train_batch(writer& c, const model_info& model, const layout& l, const signature& train_batch) {
    const ctnn::emit::sample_loop each{model.input_size, l.workspace};
    const auto step = [&](std::size_t i, bool forward) {
        function(c, batch_step(l, i, forward), [&](writer& body) {
            body.line("size_t sample;");
            if (forward)
                emit_layer_batch_forward(body, model, l, i, each);
            else
                emit_layer_batch_backward(body, model, l, i, each);
        });
        c.end_line();
    };
    for (std::size_t i = 0; i < l.n; ++i)
        if (l.activations.emits[i]) step(i, true);
    for (std::size_t i = l.top; i-- > 0;)
        if (l.gradients.emits[l.top - 1 - i]) step(i, false);
    function(c, train_batch, [&](writer& body) {
        body.line("const float scale = 1.0f / (float)samples;");
        body.line("float loss = 0.0f;");
        body.line("size_t sample;");
        body.line("if (samples == 0) return NAN; /* no batch: nothing read or written */");
        for (std::size_t i = 0; i < l.n; ++i)
            if (l.activations.emits[i])
                body.line(batch_step(l, i, true).name, "(params, batch_x, batch_workspace, samples);");
        each.open(body, "0", l.activation(l.top), l.top_slot());
        body.line("loss += ", l.id, "_loss(", l.activation(l.top), ", batch_target + sample * ", l.sizes[l.top], ", ",
                  l.top_slot(), ", scale);");
        body.close();
        for (std::size_t i = l.top; i-- > 0;)
            if (l.gradients.emits[l.top - 1 - i])
                body.line(batch_step(l, i, false).name, "(params, batch_x, batch_workspace, grads, samples);");
        body.line("return loss / (float)samples;");
    });
}

void emit_backprop_body(writer& c, const model_info& model, const layout& l) {
    for (std::size_t i = l.top; i-- > 0;) {
        // Layer i reads dL/d(tensor i+1), the chain's step top-1-i.
        if (!l.gradients.emits[l.top - 1 - i]) continue;
        emit_layer_backward(c, model, l, i, l.gradient(i + 1), l.gradient(i));
    }
}

// CTNN_WEIGHTS_ALIGNED, once per source before its weight tables: 64-byte alignment where the
// compiler has a way to say it (GCC, clang), so that a dense row's vector loads never straddle two
// cache lines (which cost M2's inference 5-7% with AVX-512 here).
void emit_weights_alignment(writer& c) {
    ctnn::emit::define_unless_defined(c, "CTNN_WEIGHTS_ALIGNED", "defined(__GNUC__)", "__attribute__((aligned(64)))", "");
}

void emit_weights(writer& c, const std::vector<float>& weights, const layout& l, std::string_view table = "weights",
                  std::string_view count = "PARAM_COUNT") {
    c.line(fmt::format("const float {}_{}[{}_{}] CTNN_WEIGHTS_ALIGNED = {{", l.id, table, l.macro, count));
    constexpr std::size_t per_row = 6;
    for (std::size_t start = 0; start < weights.size(); start += per_row) {
        std::string row = "    ";
        for (std::size_t k = start; k < std::min(weights.size(), start + per_row); ++k) {
            row += c_float_literal(weights[k]);
            if (k + 1 < weights.size()) row += k + 1 == start + per_row ? "," : ", ";
        }
        c.line(row);
    }
    c.line("};");
}

template <class Loss>
void emit_loss_body(writer& c, std::size_t n, std::size_t classes) {
    ctnn::emit::loss_emitter<Loss>::body(c, n, classes);
}

std::string source_text(const model_info& model, const options& opts, const layout& l, const inference& inf,
                        const std::vector<float>* weights) {
    const std::string& p = l.id;
    writer c;
    c.line(fmt::format("/* {}.c: generated by ctnn-gen from {}; see {}.h. Do not edit. */", l.stem,
                       comment_safe(model.type_name), l.stem));
    c.line("#include \"", l.stem, ".h\"");
    c.end_line();
    c.line("#include <math.h>");
    c.end_line();
    ctnn::detail::emit_multiply_add_definition(c);
    c.end_line();
    ctnn::detail::emit_loop_hint_definitions(c);
    c.end_line();
    if (l.training && opts.loss != loss_kind::none) {
        c.line("/* ", l.id, "_train_batch runs each layer in a function of its own: inlined into one function, GCC 12");
        c.line("   kept the operands of the dense blocks in memory. */");
        ctnn::emit::define_unless_defined(c, "CTNN_NOINLINE", "defined(__GNUC__)", "__attribute__((noinline))", "");
        c.end_line();
    }
    c.line("/* The parameters are IEEE 754 binary32 values; the macros count 4 bytes per float. */");
    c.line(fmt::format("typedef char {}_float_is_32_bits[sizeof(float) == 4 ? 1 : -1];", p));
    c.end_line();
    // Helpers layers call (gru's and lstm's gate functions), each distinct text once.
    std::vector<std::string> preludes;
    for (const auto* layers : {&model.layers, &model.step_layers})
        for (const layer_info& layer : *layers) {
            if (layer.emit_prelude == nullptr) continue;
            writer prelude;
            layer.emit_prelude(prelude);
            std::string text = prelude.take();
            if (std::find(preludes.begin(), preludes.end(), text) != preludes.end()) continue;
            preludes.push_back(text);
            layer.emit_prelude(c);
            c.end_line();
        }
    if (weights != nullptr || inf.folded) emit_weights_alignment(c);
    if (weights != nullptr) {
        emit_weights(c, *weights, l);
        c.end_line();
    }
    if (inf.folded) {
        emit_weights(c, inf.weights, l, "infer_weights", "INFER_PARAM_COUNT");
        c.end_line();
    }

    const signatures fn = l.functions();
    function(c, fn.infer, [&](writer& body) { emit_infer_body(body, model, l, inf); });
    if (l.streams) {
        c.end_line();
        function(c, fn.state_reset, [&](writer& body) {
            body.line("size_t i;");
            body.line("for (i = 0; i < sizeof state->values / sizeof state->values[0]; ++i) state->values[i] = 0.0f;");
        });
        c.end_line();
        function(c, fn.step, [&](writer& body) { emit_step_body(body, model, l); });
    }

    if (l.training) {
        c.end_line();
        function(c, fn.forward, [&](writer& body) { emit_forward_body(body, model, l); });
        c.end_line();
        c.line("/* Backward through layers ", l.top, " .. 1, from g_top = dL/d(output of layer ", l.top, "). */");
        function(c, fn.backprop, [&](writer& body) { emit_backprop_body(body, model, l); });
        c.end_line();
        function(c, fn.backward, [&](writer& body) {
            if (l.fused) {
                emit_layer_backward(body, model, l, l.n - 1, "dy", l.top_slot());
                body.line(p, "_backprop(params, x, workspace, ", l.top_slot(), ", grads, dx);");
            } else {
                body.line(p, "_backprop(params, x, workspace, dy, grads, dx);");
            }
        });
        if (opts.loss != loss_kind::none) {
            const std::size_t loss_size = l.sizes[l.top];
            const std::size_t classes = model.layers.back().output_dims.back();
            c.end_line();
            c.line("/* ctnn::", loss_name(opts.loss), "::evaluate: returns the loss, writes scale * dL/d(",
                   l.fused ? "logits" : "output", ") to dy. */");
            function(c, fn.loss, [&](writer& body) {
                switch (opts.loss) {
                    case loss_kind::mse: emit_loss_body<ctnn::mse>(body, loss_size, classes); break;
                    case loss_kind::binary_cross_entropy:
                        emit_loss_body<ctnn::binary_cross_entropy>(body, loss_size, classes);
                        break;
                    case loss_kind::softmax_cross_entropy:
                        emit_loss_body<ctnn::softmax_cross_entropy>(body, loss_size, classes);
                        break;
                    case loss_kind::none: break;
                }
            });
            c.end_line();
            function(c, fn.train_sample, [&](writer& body) {
                body.line("float loss;");
                body.line("(void)", p, "_forward(params, x, workspace);");
                body.line("loss = ", p, "_loss(", l.activation(l.top), ", target, ", l.top_slot(), ", scale);");
                body.line(p, "_backprop(params, x, workspace, ", l.top_slot(), ", grads, NULL);");
                body.line("return loss;");
            });
            c.end_line();
            emit_train_batch(c, model, l, fn.train_batch);
        }
        if (model.param_count > 0) {
            using sgd_emitter = ctnn::emit::optimizer_emitter<ctnn::sgd>;
            using adam_emitter = ctnn::emit::optimizer_emitter<ctnn::adam>;
            c.end_line();
            ctnn::emit::emit_restrict_definition(c);
            c.end_line();
            ctnn::emit::emit_zero_if_subnormal_function(c);
            c.end_line();
            sgd_emitter::helpers(c, p);
            c.end_line();
            function(c, fn.sgd_step, [&](writer& body) { sgd_emitter::step(body, p, model.param_count); });
            c.end_line();
            adam_emitter::helpers(c, p, model.param_count);
            c.end_line();
            function(c, fn.adam_step, [&](writer& body) { adam_emitter::step(body, p, model.param_count); });
        }
    }
    return c.take();
}

}  // namespace

std::string c_identifier(std::string_view name) {
    std::string id;
    for (char ch : name) {
        const bool word = std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_';
        const char out = word && static_cast<unsigned char>(ch) < 128 ? ch : '_';
        if (out == '_' && !id.empty() && id.back() == '_') continue;
        id += out;
    }
    if (id.empty() || id == "_") throw generation_error("the model name must contain a letter or a digit");
    if (std::isdigit(static_cast<unsigned char>(id[0])) || id[0] == '_') id = (id[0] == '_' ? "model" : "model_") + id;
    if (std::find(keywords.begin(), keywords.end(), id) != keywords.end()) id += '_';
    return id;
}

generated_files generate(const model_info& model, const options& opts, const std::vector<float>* weights,
                         std::string_view weights_origin) {
    if (model.layers.empty()) throw generation_error("the model has no layers");
    if (weights != nullptr && weights->size() != model.param_count)
        throw generation_error("the weights do not match the model's parameter count");
    if (opts.loss != loss_kind::none && !opts.training) throw generation_error("--loss needs --training");
    for (char ch : opts.file_stem)
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.'))
            throw generation_error("--file-stem may hold letters, digits, '_', '-' and '.' only");
    inference inf = unfolded(model);
    if (opts.fold_batch_norm) {
        if (weights == nullptr)
            throw generation_error("--fold-batch-norm computes the folded parameters at generation time: give the "
                                   "weights with --weights or --init-seed");
        inf = fold_batch_norm(model, *weights);
        if (inf.model.layers.size() == model.layers.size())
            throw generation_error("--fold-batch-norm: the model has no batch_norm directly after a dense, conv2d or "
                                   "depthwise_conv2d layer, so there is nothing to fold");
    }
    const layout l = plan(model, opts, inf);
    const bool has_weights = weights != nullptr && model.param_count > 0;
    generated_files files;
    files.stem = l.stem;
    files.header = header_text(model, opts, l, inf, has_weights, weights_origin);
    files.source = source_text(model, opts, l, inf, has_weights ? weights : nullptr);
    return files;
}

}  // namespace ctnn_gen
