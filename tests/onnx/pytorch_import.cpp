// PyTorch -> ONNX -> ctnn: the models of pytorch_models.py, imported by ctnn-gen (--write-weights
// for the header path, ONNX in ctnn_add_model for the generated C), against PyTorch's outputs on
// the same inputs. Also writes the header path's outputs, which check_export.py compares with the
// model exported back to ONNX.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <ctnn/io/weights.hpp>
#include <ctnn/model.hpp>
#include <ctnn/parameters.hpp>

#include "models.hpp"
#include "onnx_fashion.h"
#include "onnx_gru.h"
#include "onnx_lstm.h"
#include "onnx_mixed.h"
#include "onnx_mlp.h"

namespace {

constexpr double tolerance = 1e-5;  // relative to the largest output of the sample
constexpr double floor = 1e-6;      // ... or this, when all outputs are tiny

template <class M>
struct generated;

#define CTNN_ONNX_MODEL(net, p, P)                                                                \
    template <>                                                                                   \
    struct generated<net> {                                                                       \
        static constexpr auto infer = &p##_infer;                                                 \
        static constexpr const float* weights = p##_weights;                                      \
        static constexpr std::size_t input_size = P##_INPUT_SIZE, output_size = P##_OUTPUT_SIZE;  \
        static constexpr std::size_t param_count = P##_PARAM_COUNT;                               \
        static constexpr std::size_t scratch_size = P##_INFER_SCRATCH_SIZE;                       \
    };
CTNN_ONNX_MODEL(onnx_mlp, onnx_mlp, ONNX_MLP)
CTNN_ONNX_MODEL(fashion_net, onnx_fashion, ONNX_FASHION)
CTNN_ONNX_MODEL(onnx_mixed, onnx_mixed, ONNX_MIXED)
CTNN_ONNX_MODEL(onnx_gru, onnx_gru, ONNX_GRU)
CTNN_ONNX_MODEL(onnx_lstm, onnx_lstm, ONNX_LSTM)
#undef CTNN_ONNX_MODEL

std::vector<float> read_floats(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    REQUIRE_MESSAGE(in.good(), "cannot open ", path);
    const auto bytes = static_cast<std::size_t>(in.tellg());
    REQUIRE(bytes % sizeof(float) == 0);
    std::vector<float> values(bytes / sizeof(float));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(values.data()), std::streamsize(bytes));
    REQUIRE(in.good());
    return values;
}

// max |actual - expected| / max(max |expected|, floor) over one sample's outputs.
double relative_error(const float* actual, const float* expected, std::size_t n) {
    double diff = 0, scale = floor;
    for (std::size_t k = 0; k < n; ++k) {
        diff = std::max(diff, std::fabs(double(actual[k]) - double(expected[k])));
        scale = std::max(scale, std::fabs(double(expected[k])));
    }
    return diff / scale;
}

template <class M>
void check(const std::string& name) {
    using C = generated<M>;
    static_assert(C::input_size == M::input_shape::size && C::output_size == M::output_shape::size);
    static_assert(C::param_count == M::param_count);
    const std::string base = std::string(CTNN_ONNX_DATA) + "/" + name;

    auto params = std::make_unique<ctnn::parameters<M, float>>();
    const ctnn::result loaded = ctnn::load_weights((base + ".ctw").c_str(), *params);
    REQUIRE_MESSAGE(bool(loaded), loaded.message(), " ", loaded.detail);
    // Both imports of the same file: the same parameters, bit for bit.
    REQUIRE(std::memcmp(params->data(), C::weights, sizeof(float) * C::param_count) == 0);

    const std::vector<float> inputs = read_floats(base + ".inputs.f32");
    const std::vector<float> expected = read_floats(base + ".outputs.f32");
    const std::size_t samples = inputs.size() / C::input_size;
    REQUIRE(samples >= 100);
    REQUIRE(inputs.size() == samples * C::input_size);
    REQUIRE(expected.size() == samples * C::output_size);

    auto scratch_h = std::make_unique<ctnn::inference_scratch<M, float>>();
    std::vector<float> y_h(samples * C::output_size), y_c(C::output_size), scratch_c(C::scratch_size);
    double worst_h = 0, worst_c = 0;
    for (std::size_t s = 0; s < samples; ++s) {
        const float* x = inputs.data() + s * C::input_size;
        float* h = y_h.data() + s * C::output_size;
        const float* e = expected.data() + s * C::output_size;
        M::infer_raw(params->data(), x, h, scratch_h->data());
        C::infer(C::weights, x, y_c.data(), scratch_c.data());
        worst_h = std::max(worst_h, relative_error(h, e, C::output_size));
        worst_c = std::max(worst_c, relative_error(y_c.data(), e, C::output_size));
    }
    std::printf("onnx import %-8s %zu samples: max relative error vs PyTorch, header path %.3g, generated C %.3g\n",
                name.c_str(), samples, worst_h, worst_c);
    CHECK(worst_h <= tolerance);
    CHECK(worst_c <= tolerance);

    std::ofstream out(base + ".ctnn_outputs.f32", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(y_h.data()), std::streamsize(y_h.size() * sizeof(float)));
    REQUIRE(out.good());
}

}  // namespace

TEST_CASE("an MLP exported by PyTorch (Gemm, BatchNormalization, LeakyRelu, Tanh, Sigmoid, Softmax; opset 11)") {
    check<onnx_mlp>("mlp");
}

TEST_CASE("the Fashion-MNIST CNN exported by PyTorch (Conv, MaxPool, Flatten of NCHW; opset 14)") {
    check<fashion_net>("fashion");
}

TEST_CASE("a mixed CNN exported by PyTorch (depthwise Conv, strides, BatchNormalization, AveragePool, "
          "GlobalAveragePool; opset 17)") {
    check<onnx_mixed>("mixed");
}

TEST_CASE("a GRU exported by PyTorch (nn.GRU batch_first, zero initial state from the input's shape; opset 14)") {
    check<onnx_gru>("gru");
}

TEST_CASE("an LSTM exported by PyTorch (nn.LSTM batch_first, zero initial h and c from the input's shape; opset 14)") {
    check<onnx_lstm>("lstm");
}
