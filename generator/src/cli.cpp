// The ctnn-gen command line: options, weights, atomic output.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#if defined(_WIN32)
#include <process.h>
#define CTNN_GEN_GETPID _getpid
#else
#include <unistd.h>
#define CTNN_GEN_GETPID getpid
#endif

#include <ctnn/status.hpp>

#include <ctnn_gen/generate.hpp>
#include <ctnn_gen/onnx.hpp>

namespace ctnn_gen {

namespace fs = std::filesystem;

void write_files_atomically(const fs::path& dir, const std::vector<std::pair<std::string, std::string>>& files) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw generation_error(fmt::format("the output folder '{}' does not exist or is not a folder", dir.string()));
    // Refuse what would make a rename fail halfway (a folder in a file's place) before writing.
    for (const auto& file : files)
        if (fs::is_directory(dir / file.first, ec))
            throw generation_error(fmt::format("cannot replace '{}': it is a folder", (dir / file.first).string()));
    const std::string suffix = fmt::format(".{}.tmp", long(CTNN_GEN_GETPID()));
    std::vector<fs::path> temporaries;
    const auto discard = [&] {
        for (const fs::path& t : temporaries) fs::remove(t, ec);
    };
    for (const auto& [name, content] : files) {
        const fs::path temporary = dir / (name + suffix);
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) {
            const int error = errno;
            discard();
            throw generation_error(fmt::format("cannot write in the output folder '{}': {}", dir.string(),
                                               std::strerror(error)));
        }
        temporaries.push_back(temporary);
        out.write(content.data(), std::streamsize(content.size()));
        out.close();
        if (!out) {
            discard();
            throw generation_error(fmt::format("cannot write '{}' (disk full?)", temporary.string()));
        }
    }
    // Every file is complete: now replace the old ones.
    for (std::size_t k = 0; k < files.size(); ++k) {
        fs::rename(temporaries[k], dir / files[k].first, ec);
        if (ec) {
            discard();
            throw generation_error(fmt::format("cannot replace '{}': {}", (dir / files[k].first).string(), ec.message()));
        }
    }
}

int run(const model_info& model, int argc, char** argv) {
    CLI::App app{fmt::format(
        "ctnn-gen: writes the model {} as a C99 header and source, <name>.h and <name>.c, that any C or C++ "
        "compiler builds without ctnn (fixed sizes, no allocation, only <stddef.h>, <stdint.h> and <math.h>).",
        model.type_name)};
    app.name(argc > 0 ? fs::path(argv[0]).filename().string() : "ctnn-gen");

    options opts;
    std::uint64_t seed = 0;
    std::string scheme = "xavier_uniform";
    std::string loss = "none";
    app.add_option("-n,--name", opts.name,
                   "C prefix of every generated name (functions, types, macros in upper case) and the file stem; "
                   "characters other than letters, digits and '_' become '_'; required unless only "
                   "--write-weights or --export-onnx is wanted");
    app.add_option("-o,--output-dir", opts.output_dir,
                   "existing folder that receives <name>.h and <name>.c; both are written to temporary files "
                   "first and renamed only when complete")
        ->capture_default_str();
    auto* weights = app.add_option("-w,--weights", opts.weights,
                                   "ctnn weights file (ctnn::save_weights) of this very model: becomes the const "
                                   "table <name>_weights; a file of another architecture, truncated, corrupt or "
                                   "holding NaN is refused");
    auto* init = app.add_option("--init-seed", seed,
                                "instead of --weights: <name>_weights holds the initial parameters "
                                "ctnn::initialize draws from this seed (the header path's starting point)");
    init->excludes(weights);
    std::string onnx_model, write_weights, export_onnx;
    auto* onnx = app.add_option("--onnx", onnx_model,
                                fmt::format("instead of --weights: import the parameters from this ONNX model (opset {} to "
                                            "{}, e.g. torch.onnx.export of the same architecture); every node is "
                                            "matched against the model's layers and a mismatch is refused",
                                            onnx::min_opset, onnx::max_opset));
    onnx->excludes(weights)->excludes(init);
    auto* write = app.add_option("--write-weights", write_weights,
                                 "also save the parameters (from --weights, --init-seed or --onnx) as a ctnn weights "
                                 "file, which ctnn::load_weights reads for the header path");
    auto* exported = app.add_option("--export-onnx", export_onnx,
                                    fmt::format("also write the model with its parameters (from --weights, --init-seed "
                                                "or --onnx) as ONNX, opset {}",
                                                onnx::export_opset));
    app.add_option("--initializer", scheme, "scheme for --init-seed")
        ->check(CLI::IsMember({"xavier_uniform", "he_uniform"}))
        ->capture_default_str()
        ->needs(init);
    auto* training = app.add_flag("-t,--training", opts.training,
                                  "also write <name>_forward, <name>_backward and the optimizer steps "
                                  "<name>_sgd_step and <name>_adam_step");
    app.add_option("-l,--loss", loss,
                   "with --training: also write <name>_train_sample (forward, this loss, backward) as ctnn's "
                   "trainer computes it; softmax_cross_entropy needs a model ending in ctnn::softmax")
        ->check(CLI::IsMember({"none", "mse", "binary_cross_entropy", "softmax_cross_entropy"}))
        ->capture_default_str()
        ->needs(training);
    app.add_flag("--fold-batch-norm", opts.fold_batch_norm,
                 "for inference, fold every batch_norm directly after dense, conv2d or depthwise_conv2d into that "
                 "layer's weights and biases: also writes <name>_infer_weights (<NAME>_INFER_PARAM_COUNT floats), "
                 "the layout <name>_infer then takes; needs --weights or --init-seed");
    app.add_option("--file-stem", opts.file_stem,
                   "name the files <file-stem>.h and <file-stem>.c instead of after the C prefix");
    app.add_option("--source", opts.source, "the model's header as it should be named in the generated documentation");
    app.footer(
        "Without --weights or --init-seed the functions take the parameters from the caller only. Exit status: 0 "
        "on success, 1 when the weights cannot be used or the files cannot be written (nothing is changed then), "
        "other values for command-line errors.");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    opts.scheme = scheme == "he_uniform" ? ctnn::initializer::he_uniform : ctnn::initializer::xavier_uniform;
    opts.loss = loss == "mse"                     ? loss_kind::mse
                : loss == "binary_cross_entropy"  ? loss_kind::binary_cross_entropy
                : loss == "softmax_cross_entropy" ? loss_kind::softmax_cross_entropy
                                                  : loss_kind::none;
    if (init->count() > 0) opts.init_seed = seed;

    const std::string program = app.get_name();
    try {
        const bool has_values = !opts.weights.empty() || opts.init_seed.has_value() || !onnx_model.empty();
        if (opts.name.empty() && write->count() == 0 && exported->count() == 0)
            throw generation_error("--name is required (or give only --write-weights or --export-onnx)");
        if ((write->count() > 0 || exported->count() > 0) && !has_values)
            throw generation_error("--write-weights and --export-onnx need the parameters: give --weights, --init-seed "
                                   "or --onnx");
        if (opts.fold_batch_norm && !has_values)
            throw generation_error("--fold-batch-norm computes the folded parameters at generation time: give the "
                                   "weights with --weights, --init-seed or --onnx");
        std::vector<float> values;
        std::string origin;
        if (!opts.weights.empty()) {
            const ctnn::result loaded = model.load_weights(opts.weights.c_str(), values);
            if (!loaded)
                throw generation_error(fmt::format("cannot use the weights file '{}': {} ({})", opts.weights,
                                                   loaded.message(), loaded.detail));
            origin = fmt::format("the parameters read from {}", fs::path(opts.weights).filename().string());
        } else if (opts.init_seed) {
            model.initialize(*opts.init_seed, opts.scheme, values);
            origin = fmt::format("the initial parameters ctnn::initialize draws with seed {} and {}", *opts.init_seed,
                                 scheme);
        } else if (!onnx_model.empty()) {
            values = onnx::import_file(model, onnx_model);
            origin = fmt::format("the parameters imported from the ONNX model {}", fs::path(onnx_model).filename().string());
        }
        if (!write_weights.empty()) {
            if (model.save_weights == nullptr) throw generation_error("internal: this model_info cannot save weights");
            const ctnn::result saved = model.save_weights(write_weights.c_str(), values);
            if (!saved)
                throw generation_error(fmt::format("cannot write the weights file '{}': {} ({})", write_weights,
                                                   saved.message(), saved.detail));
            std::printf("%s: wrote %s\n", program.c_str(), write_weights.c_str());
        }
        if (!export_onnx.empty()) {
            onnx::export_file(model, values, export_onnx);
            std::printf("%s: wrote %s\n", program.c_str(), export_onnx.c_str());
        }
        if (opts.name.empty()) return 0;
        const generated_files files = generate(model, opts, has_values ? &values : nullptr, origin);
        write_files_atomically(opts.output_dir,
                               {{files.stem + ".h", files.header}, {files.stem + ".c", files.source}});
        std::printf("%s: wrote %s.h and %s.c in %s\n", program.c_str(), files.stem.c_str(), files.stem.c_str(),
                    opts.output_dir.c_str());
        return 0;
    } catch (const generation_error& e) {
        std::fprintf(stderr, "%s: error: %s\n", program.c_str(), e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: internal error: %s\n", program.c_str(), e.what());
        return 1;
    }
}

}  // namespace ctnn_gen
