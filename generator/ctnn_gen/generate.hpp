// ctnn_gen/generate.hpp: the generator's model-independent core (compiled once, into ctnn_gen_core).
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ctnn/initializer.hpp>

#include <ctnn_gen/model_info.hpp>

namespace ctnn_gen {

enum class loss_kind { none, mse, binary_cross_entropy, softmax_cross_entropy };

struct options {
    std::string name;                      // C prefix as given; made a safe identifier
    std::string file_stem;                 // files <file_stem>.h/.c; empty: the C prefix
    std::string output_dir = ".";
    std::string weights;                   // a ctnn weights file, or empty
    std::optional<std::uint64_t> init_seed;  // initial weights by ctnn::initialize instead
    ctnn::initializer scheme = ctnn::initializer::xavier_uniform;
    bool training = false;
    loss_kind loss = loss_kind::none;
    bool fold_batch_norm = false;          // also <name>_infer_weights; <name>_infer takes them (needs weights)
    std::string source;                    // the model's header, named in the documentation
};

// Everything the user can get wrong: the message is printed as-is.
struct generation_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct generated_files {
    std::string stem;    // files are <stem>.h and <stem>.c
    std::string header;
    std::string source;
};

// "xor-net" -> "xor_net"; a leading digit or underscore gets "model_" before it, a C or C++
// keyword an "_" after it, and runs of "_" shrink to one (C++ reserves "__").
std::string c_identifier(std::string_view name);

// The C text of one model. `weights` (param_count values) becomes the const table, described in
// the documentation by `weights_origin`; null for none.
generated_files generate(const model_info& model, const options& opts, const std::vector<float>* weights,
                         std::string_view weights_origin);

// Writes every file to "<name>.<pid>.tmp" in `dir` first and renames them only when all were
// written: a failure leaves the previous files as they were and no temporary behind.
void write_files_atomically(const std::filesystem::path& dir,
                            const std::vector<std::pair<std::string, std::string>>& files);

// The command-line driver: parses argv, loads or draws the weights, generates, writes.
// Returns the process exit code; messages go to stderr.
int run(const model_info& model, int argc, char** argv);

}  // namespace ctnn_gen
