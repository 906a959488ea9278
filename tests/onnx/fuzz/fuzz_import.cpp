// libFuzzer entry point: any byte string given to the ONNX importer must end in a model's
// parameters or a generation_error; a crash, a sanitizer report, an unbounded allocation (libFuzzer's
// -rss_limit_mb and -malloc_limit_mb) or any other exception is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <ctnn_gen/describe.hpp>
#include <ctnn_gen/onnx.hpp>

#include "models.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const ctnn_gen::model_info model = ctnn_gen::describe<onnx_mixed>("onnx_mixed");
    try {
        const auto values = ctnn_gen::onnx::import_model(model, std::string_view(reinterpret_cast<const char*>(data), size));
        // An accepted file must give exactly the model's parameters, which export again.
        if (values.size() != model.param_count) __builtin_trap();
        (void)ctnn_gen::onnx::export_model(model, values);
    } catch (const ctnn_gen::generation_error&) {
    }
    return 0;
}
