// libFuzzer entry point: any byte string given to the ONNX importer must end in a model's
// parameters or a generation_error; a crash, a sanitizer report, an unbounded allocation (libFuzzer's
// -rss_limit_mb and -malloc_limit_mb) or any other exception is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <ctnn_gen/describe.hpp>
#include <ctnn_gen/onnx.hpp>

#include "models.hpp"

namespace {

void import_into(const ctnn_gen::model_info& model, std::string_view bytes) {
    try {
        const auto values = ctnn_gen::onnx::import_model(model, bytes);
        // An accepted file must give exactly the model's parameters, which export again.
        if (values.size() != model.param_count) __builtin_trap();
        (void)ctnn_gen::onnx::export_model(model, values);
    } catch (const ctnn_gen::generation_error&) {
    }
}

}  // namespace

// Each input is imported into three models: a CNN with every layer kind but dense-from-MatMul, a
// GRU model and an LSTM model (tests/onnx/models.hpp).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const ctnn_gen::model_info mixed = ctnn_gen::describe<onnx_mixed>("onnx_mixed");
    static const ctnn_gen::model_info gru = ctnn_gen::describe<onnx_gru>("onnx_gru");
    static const ctnn_gen::model_info lstm = ctnn_gen::describe<onnx_lstm>("onnx_lstm");
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    import_into(mixed, bytes);
    import_into(gru, bytes);
    import_into(lstm, bytes);
    return 0;
}
