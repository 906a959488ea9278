// ctnn/layers/window2d.hpp: the walk over a KH x KW window, `Stride` apart, of an (H, W, C) input
// with valid or same padding, shared by conv2d, depthwise_conv2d and the pooling layers.
#pragma once
#include <cstddef>

#include <ctnn/emit/window.hpp>
#include <ctnn/padding.hpp>

namespace ctnn::detail {

template <class In, std::size_t KH, std::size_t KW, std::size_t Stride, padding Pad>
struct window2d {
    static constexpr std::size_t height = In::dims[0];
    static constexpr std::size_t width = In::rank > 1 ? In::dims[1] : 1;
    static constexpr std::size_t channels = In::rank > 2 ? In::dims[2] : 1;
    using rows = spatial_axis<height, KH, Stride, Pad>;
    using cols = spatial_axis<width, KW, Stride, Pad>;

    // Calls visit(tap, input_offset) for every in-bounds tap of the window at output (oh, ow), in
    // row-major tap order: tap = kh * KW + kw, input_offset = index of (ih, iw, channel 0).
    // Taps in the padding are skipped, which is what zero padding contributes.
    template <class Visit>
    static void for_each_tap(std::size_t oh, std::size_t ow, Visit&& visit) {
        for (std::size_t kh = 0; kh < KH; ++kh) {
            const std::size_t ih = oh * Stride + kh;
            if (rows::in_padding(ih)) continue;
            for (std::size_t kw = 0; kw < KW; ++kw) {
                const std::size_t iw = ow * Stride + kw;
                if (cols::in_padding(iw)) continue;
                visit(kh * KW + kw, ((ih - rows::leading_padding) * width + (iw - cols::leading_padding)) * channels);
            }
        }
    }

    // The same walk for generated C (see ctnn/emit/window.hpp).
    static constexpr emit::window_axis emit_rows() { return {height, KH, Stride, rows::leading_padding, rows::output}; }
    static constexpr emit::window_axis emit_cols() { return {width, KW, Stride, cols::leading_padding, cols::output}; }
};

}  // namespace ctnn::detail
