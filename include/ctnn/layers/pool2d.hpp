// ctnn/layers/pool2d.hpp: the shape rules and window walk shared by max_pool2d and avg_pool2d.
#pragma once
#include <cstddef>

#include <ctnn/emit/c.hpp>
#include <ctnn/emit/window.hpp>
#include <ctnn/error.hpp>
#include <ctnn/layers/window2d.hpp>
#include <ctnn/padding.hpp>
#include <ctnn/shape.hpp>

namespace ctnn::detail {

// Pools Size x Size windows, `Stride` apart, channel by channel over an (H, W, C) input.
template <class In, std::size_t Position, std::size_t Size, std::size_t Stride, padding Pad>
struct pool2d_geometry {
    using window = window2d<In, Size, Size, Stride, Pad>;
    static constexpr std::size_t height = window::height;
    static constexpr std::size_t width = window::width;
    static constexpr std::size_t channels = window::channels;
    using rows = typename window::rows;
    using cols = typename window::cols;
    using input_shape = In;
    using output_shape = shape<rows::output, cols::output, channels>;
    static constexpr std::size_t param_count = 0;
    static constexpr std::size_t flops = output_shape::size * Size * Size;  // one add or compare per tap

    struct requirements {
        static_assert(error::check<In::rank == 3, error::at_layer<Position>, error::expects_rank<3>, error::got_shape<In>>,
                      "ctnn pooling needs a (height, width, channels) input: use ctnn::reshape to add a channel "
                      "dimension");
        static_assert(error::check<(Size != 0 && Stride != 0), error::at_layer<Position>, error::got_shape<In>>,
                      "ctnn pooling: window size and stride must be at least 1");
        static_assert(error::check<Pad != padding::causal, error::at_layer<Position>, error::got_shape<In>>,
                      "ctnn pooling: padding::causal is for sequences (ctnn::conv1d): use padding::valid or "
                      "padding::same");
        static_assert(error::check<Pad != padding::valid || (Size <= height && Size <= width), error::at_layer<Position>,
                                   error::got_shape<In>>,
                      "ctnn pooling: the window is larger than the input");
        static_assert(error::check<rows::covers_input && cols::covers_input, error::at_layer<Position>,
                                   error::got_shape<In>>,
                      "ctnn pooling: the windows do not tile the input exactly and would drop its last "
                      "rows or columns: pick a size and stride that divide it, or use ctnn::padding::same");
    };

    // With valid padding every window is whole: its taps lie at constant offsets from its first
    // value (channel 0), in scan order. The pools then walk a window's taps inline, all channels
    // of a tap together, which GCC 12 and clang 14 vectorise at -O2 and -O3. Through for_each_tap
    // some of those four ran it one value at a time: a 2x2 pool of 28x28x8, batch 32, took up to
    // 830 us (max backward, g++ -O2), 270 (clang -O3) or 260 (avg, clang -O2); now 8 to 22 us in
    // all four. The general walk (same padding) tests each tap.
    static constexpr bool whole_windows = Pad == padding::valid;
    static constexpr std::size_t tap_offset(std::size_t t) { return (t / Size * width + t % Size) * channels; }
    static constexpr std::size_t window_origin(std::size_t oh, std::size_t ow) {
        return (oh * Stride * width + ow * Stride) * channels;
    }
    static constexpr bool windows_tile = Stride == Size;

    // Calls visit(input_offset) for every in-bounds tap of the window at (oh, ow), channel 0:
    // pooling treats all taps alike.
    template <class Visit>
    static void for_each_tap(std::size_t oh, std::size_t ow, Visit&& visit) {
        window::for_each_tap(oh, ow, [&](std::size_t, std::size_t offset) { visit(offset); });
    }

    static constexpr emit::window_axis emit_rows() { return window::emit_rows(); }
    static constexpr emit::window_axis emit_cols() { return window::emit_cols(); }

    // Opens the loops over output rows, columns (and channels) of the pooled output.
    template <emit::writer W>
    static void emit_open_positions(W& c, bool with_channels) {
        c.open("for (size_t oh = 0; oh < ", rows::output, "; ++oh)");
        c.open("for (size_t ow = 0; ow < ", cols::output, "; ++ow)");
        if (with_channels) c.open("for (size_t c = 0; c < ", channels, "; ++c)");
    }
    // Puts the flat index of output (oh, ow, c).
    template <emit::writer W>
    static void emit_put_output_index(W& c) {
        c.put("(oh * ", cols::output, " + ow) * ", channels, " + c");
    }
};

}  // namespace ctnn::detail
