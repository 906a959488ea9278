// ONNX models read from and written to files (the size cap, the atomic write); the model
// itself is read and written by ctnn_gen_onnx.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include <ctnn_gen/generate.hpp>
#include <ctnn_gen/onnx.hpp>

namespace ctnn_gen::onnx {

std::vector<float> import_file(const model_info& model, const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) throw generation_error(fmt::format("cannot read the ONNX file '{}': {}", path, ec.message()));
    if (size > max_file_bytes)
        throw generation_error(fmt::format("the ONNX file '{}' has {} bytes; ctnn-gen reads at most {}", path, size, max_file_bytes));
    std::ifstream in(path, std::ios::binary);
    std::string bytes(static_cast<std::size_t>(size), '\0');
    if (!in || !in.read(bytes.data(), std::streamsize(bytes.size())) || in.peek() != std::char_traits<char>::eof())
        throw generation_error(fmt::format("cannot read the ONNX file '{}' (or it changed while read)", path));
    try {
        return import_model(model, bytes);
    } catch (const generation_error& e) {
        throw generation_error(fmt::format("{}: {}", path, e.what()));
    }
}

void export_file(const model_info& model, const std::vector<float>& values, const std::string& path) {
    const std::filesystem::path target(path);
    const std::filesystem::path folder = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    write_files_atomically(folder, {{target.filename().string(), export_model(model, values)}});
}

}  // namespace ctnn_gen::onnx
