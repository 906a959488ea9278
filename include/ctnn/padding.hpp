// ctnn/padding.hpp: how spatial layers treat the border, and the output sizes that follow.
#pragma once
#include <cstddef>

namespace ctnn {

enum class padding {
    valid,   // no padding: the window stays inside the input
    same,    // zero padding so that output = ceil(input / stride), split as TensorFlow does (extra at the end)
    causal,  // 1-D only: window - 1 zeros before the start, none after, so that output t sees no input
             // later than t * stride (what a stream can compute as its samples arrive); output = ceil(input / stride)
};

// Output length, total padding and leading padding along one spatial axis.
template <std::size_t Input, std::size_t Window, std::size_t Stride, padding Pad>
struct spatial_axis {
    static constexpr std::size_t output =
        Stride == 0 ? 0
        : Pad != padding::valid ? (Input + Stride - 1) / Stride
                                : (Input >= Window ? (Input - Window) / Stride + 1 : 0);
    static constexpr std::size_t padded_extent = output == 0 ? 0 : (output - 1) * Stride + Window;
    static constexpr std::size_t total_padding =
        Pad == padding::causal ? (Window == 0 ? 0 : Window - 1)
        : Pad == padding::same && padded_extent > Input ? padded_extent - Input
                                                        : 0;
    // Causal padding is all leading: the last windows may stop short of the input's end.
    static constexpr std::size_t leading_padding = Pad == padding::causal ? total_padding : total_padding / 2;
    // Whether index i of the padded axis (output index x stride + tap) falls in the padding
    // rather than on the input: the taps that windows skip.
    static constexpr bool in_padding(std::size_t i) { return i < leading_padding || i - leading_padding >= Input; }
    // With valid padding, do the windows reach the last input row exactly?
    static constexpr bool covers_input = Pad != padding::valid || (Input >= Window && (Input - Window) % (Stride == 0 ? 1 : Stride) == 0);
};

}  // namespace ctnn
