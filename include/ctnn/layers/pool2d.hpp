// ctnn/layers/pool2d.hpp: the shape rules and window walk shared by max_pool2d and avg_pool2d.
#pragma once
#include <cstddef>

#include <ctnn/emit/c.hpp>
#include <ctnn/emit/window.hpp>
#include <ctnn/error.hpp>
#include <ctnn/padding.hpp>
#include <ctnn/shape.hpp>

namespace ctnn::detail {

// Pools Size x Size windows, `Stride` apart, channel by channel over an (H, W, C) input.
template <class In, std::size_t Position, std::size_t Size, std::size_t Stride, padding Pad>
struct pool2d_geometry {
    static constexpr std::size_t height = In::dims[0];
    static constexpr std::size_t width = In::rank > 1 ? In::dims[1] : 1;
    static constexpr std::size_t channels = In::rank > 2 ? In::dims[2] : 1;
    using rows = spatial_axis<height, Size, Stride, Pad>;
    using cols = spatial_axis<width, Size, Stride, Pad>;
    using output_shape = shape<rows::output, cols::output, channels>;

    struct requirements {
        static_assert(error::check<In::rank == 3, error::at_layer<Position>, error::expects_rank<3>, error::got_shape<In>>,
                      "ctnn pooling needs a (height, width, channels) input: use ctnn::reshape to add a channel "
                      "dimension");
        static_assert(error::check<(Size != 0 && Stride != 0), error::at_layer<Position>, error::got_shape<In>>,
                      "ctnn pooling: window size and stride must be at least 1");
        static_assert(error::check<Pad == padding::same || (Size <= height && Size <= width), error::at_layer<Position>,
                                   error::got_shape<In>>,
                      "ctnn pooling: the window is larger than the input");
        static_assert(error::check<rows::covers_input && cols::covers_input, error::at_layer<Position>,
                                   error::got_shape<In>>,
                      "ctnn pooling: the windows do not tile the input exactly and would drop its last "
                      "rows or columns: pick a size and stride that divide it, or use ctnn::padding::same");
    };

    // Calls visit(input_offset) for every in-bounds tap of the window at (oh, ow), channel 0.
    template <class Visit>
    static void for_each_tap(std::size_t oh, std::size_t ow, Visit&& visit) {
        for (std::size_t kh = 0; kh < Size; ++kh) {
            const std::size_t ih = oh * Stride + kh;
            if (ih < rows::leading_padding || ih - rows::leading_padding >= height) continue;
            for (std::size_t kw = 0; kw < Size; ++kw) {
                const std::size_t iw = ow * Stride + kw;
                if (iw < cols::leading_padding || iw - cols::leading_padding >= width) continue;
                visit(((ih - rows::leading_padding) * width + (iw - cols::leading_padding)) * channels);
            }
        }
    }

    // Generated C: the window walk of for_each_tap (see ctnn/emit/window.hpp).
    static constexpr emit::window_axis emit_rows() { return {height, Size, Stride, rows::leading_padding, rows::output}; }
    static constexpr emit::window_axis emit_cols() { return {width, Size, Stride, cols::leading_padding, cols::output}; }

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
