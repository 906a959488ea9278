// ONNX support when ctnn-gen was built without libonnx-dev: every entry point says so.
#include <ctnn_gen/generate.hpp>
#include <ctnn_gen/onnx.hpp>

namespace ctnn_gen::onnx {

namespace {

[[noreturn]] void refuse() {
    throw generation_error("this ctnn-gen was built without ONNX support: install libonnx-dev and libprotobuf-dev "
                           "(Debian) and configure again");
}

}  // namespace

bool available() { return false; }
std::vector<float> import_model(const model_info&, std::string_view) { refuse(); }
std::string export_model(const model_info&, const std::vector<float>&) { refuse(); }

}  // namespace ctnn_gen::onnx
