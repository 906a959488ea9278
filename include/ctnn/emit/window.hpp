// ctnn/emit/window.hpp: the sliding-window loops of conv2d, depthwise_conv2d and the pools, in C.
//
// The header path walks a window's taps as
//     for (kh = 0; kh < KH; ++kh) { ih = oh * Stride + kh; if (ih < lead || ih - lead >= height) continue;
//         for (kw = 0; kw < KW; ++kw) { iw = ...; if (...) continue; <tap> } }
// and so does the generated code, with the sizes as constants and without the tests that can never
// hold for them (no `ih < 0` on an unsigned value, no bound check when every window fits).
#pragma once
#include <cstddef>
#include <string_view>

#include <ctnn/emit/c.hpp>

namespace ctnn::emit {

// One spatial axis of a window walk (cf. ctnn::spatial_axis).
struct window_axis {
    std::size_t input;    // input extent
    std::size_t window;   // kernel or pool size
    std::size_t stride;
    std::size_t leading;  // leading padding
    std::size_t output;   // output extent

    // Does some tap fall in the padding after the input?
    constexpr bool may_pass_end() const { return (output - 1) * stride + window - 1 >= input + leading; }
};

// `continue` when input index `in` (padding included) lies in the axis's padding; only the bounds
// that can fail are tested.
template <writer W>
void skip_padding(W& c, const window_axis& axis, std::string_view in) {
    if (axis.leading > 0 && axis.may_pass_end())
        c.line("if (", in, " < ", axis.leading, " || ", in, " - ", axis.leading, " >= ", axis.input, ") continue;");
    else if (axis.leading > 0)
        c.line("if (", in, " < ", axis.leading, ") continue;");
    else if (axis.may_pass_end())
        c.line("if (", in, " >= ", axis.input, ") continue;");
}

// Opens one tap loop (`loop` over the axis's window) and defines `in` = `out` * stride + `loop`,
// skipping taps in the padding.
template <writer W>
void open_tap_axis(W& c, const window_axis& axis, std::string_view loop, std::string_view out, std::string_view in,
                   bool indices_used = true) {
    c.open("for (size_t ", loop, " = 0; ", loop, " < ", axis.window, "; ++", loop, ")");
    if (indices_used || axis.leading > 0 || axis.may_pass_end())
        c.line("const size_t ", in, " = ", out, " * ", axis.stride, " + ", loop, ";");
    skip_padding(c, axis, in);
}

// Opens the two tap loops (kh, kw) and defines ih, iw for the window at (oh, ow); with
// `indices_used` false, only where a bound test needs them (the body only counts taps).
template <writer W>
void open_taps(W& c, const window_axis& rows, const window_axis& cols, bool indices_used = true) {
    open_tap_axis(c, rows, "kh", "oh", "ih", indices_used);
    open_tap_axis(c, cols, "kw", "ow", "iw", indices_used);
}

template <writer W>
void close_taps(W& c) {
    c.close();
    c.close();
}

// Puts the input's flat offset of tap (ih, iw), channel 0: ((ih - lead) * width + (iw - lead)) * channels.
template <writer W>
void put_tap_offset(W& c, const window_axis& rows, const window_axis& cols, std::size_t channels) {
    c.put("((");
    if (rows.leading > 0)
        c.put("(ih - ", rows.leading, ")");
    else
        c.put("ih");
    c.put(" * ", cols.input, " + ");
    if (cols.leading > 0)
        c.put("(iw - ", cols.leading, ")");
    else
        c.put("iw");
    c.put(") * ", channels, ")");
}

}  // namespace ctnn::emit
