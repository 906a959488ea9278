// onnx/window_of.hpp: the window geometry of a conv2d, depthwise_conv2d or 2-D pool, which
// describe<Model>() records; a layer of that name without it is a bug in describe, not in the file.
#pragma once
#include <ctnn_gen/generate.hpp>
#include <ctnn_gen/model_info.hpp>

namespace ctnn_gen::onnx {

inline void expect_window_geometry(const layer_info& layer) {
    if (!layer.rows || !layer.cols)
        throw generation_error("internal: the " + layer.name + " layer has no window geometry in model_info");
}

}  // namespace ctnn_gen::onnx
