// How messages spell a ctnn layer (see layer_text.hpp).
#include "layer_text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ctnn_gen::onnx {

namespace {

std::string geometry(const layer_info& layer) {
    if (!layer.rows || !layer.cols) return "";
    return fmt::format(", stride {}, padding {},{}", layer.rows->stride, layer.rows->leading, layer.cols->leading);
}

std::string spelling(const layer_info& layer) {
    const std::string& n = layer.name;
    if (!layer.rows && (n == "conv2d" || n == "depthwise_conv2d")) return n;
    if (n == "dense") return fmt::format("dense<{}>", layer.output_size);
    if (n == "conv2d")
        return fmt::format("conv2d<{},{},{}>{}", layer.output_dims.back(), layer.rows->window, layer.cols->window,
                           geometry(layer));
    if (n == "depthwise_conv2d")
        return fmt::format("depthwise_conv2d<{},{}>{}", layer.rows->window, layer.cols->window, geometry(layer));
    if ((n == "max_pool2d" || n == "avg_pool2d") && layer.rows)
        return fmt::format("{}<{}>{}", n, layer.rows->window, geometry(layer));
    if (n == "batch_norm") return fmt::format("batch_norm, epsilon {}", layer.epsilon);
    if (n == "leaky_relu") return fmt::format("leaky_relu, slope {}", layer.slope);
    if (n == "reshape") return fmt::format("reshape<{}>", fmt::join(layer.output_dims, ","));
    if (n == "gru" || n == "lstm") return fmt::format("{}<{}>", n, layer.output_dims.back());  // hidden size
    return n;
}

}  // namespace

std::string describe_layer(const model_info& model, std::size_t index) {
    if (index >= model.layers.size()) return "end of the ctnn model";
    return fmt::format("ctnn layer {} ({})", index + 1, spelling(model.layers[index]));
}

bool is_passive(const layer_info& layer) {
    return layer.name == "flatten" || layer.name == "reshape" || layer.name == "identity" || layer.name == "dropout";
}

}  // namespace ctnn_gen::onnx
