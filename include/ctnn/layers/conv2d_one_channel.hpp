// ctnn/layers/conv2d_one_channel.hpp: a stride-1 convolution of a one-channel input with eight
// filters (a small CNN's first layer), with two pixels or two taps per 512-bit vector.
//
// Eight filters fill half a vector. The forward pass fills the rest with the next output pixel,
// the kernel gradients with the next tap. Lanes interleave: lane 2f + j is filter f of pixel (or
// tap) j. The input under a pixel pair (or tap pair) is then two neighbouring values of one row,
// repeated: one 64-bit broadcast, which is a load, not a shuffle.
//
// Every lane is one sum with the terms, in the order, of conv2d's loops for one sample. A tap in the
// padding is skipped, not added as zero: the lanes whose tap lies there keep their value.
// Measured (M3's first layer, batch 32, Zen 5, g++ 12 -O3):
// - forward: 34 us in sample lanes (sample_lanes.hpp), whose transposes cost as much as the
//   arithmetic; 24 us here.
// - kernel gradients: 47 us with the filters as an 8-lane vector; 33 us here with one running sum
//   per gradient (7 chains of additions through the batch: the adders' latency bounds it), and
//   about 27 us with conv2d's gradients_per_sample, two samples' sums side by side (M3's step
//   -2%, g++ and clang alike). After a folded pool, groups of sixteen samples go in sample lanes
//   with masked multiply-adds (below): 39 -> 35.5 us (with the pool's dL/dy made from its choices,
//   a loaded machine), M3's step 3% faster with the batch read in place (ctnn/train.hpp); 25 us
//   with one multiply-add per window and tap instead of one per pixel (add_lane_windows). Half of
//   that is the transposes into lanes and the pool's window gradients.
#pragma once
#include <cstddef>
#include <cstring>
#include <utility>

#include <ctnn/apply_activation.hpp>
#include <ctnn/multiply_add.hpp>
#include <ctnn/sample_lanes.hpp>

#if defined(CTNN_SAMPLE_LANES)
#define CTNN_ONE_CHANNEL_PAIRS 1

namespace ctnn::detail::one_channel {

// The 16-float vector and its unaligned load and store are sample_lanes.hpp's.
using lanes::load;
using lanes::store;
using lanes::vec;
typedef int mask __attribute__((vector_size(64)));
typedef double pairs __attribute__((vector_size(64)));
typedef double unaligned_pair __attribute__((may_alias, aligned(4)));

// [p[0], p[1]] in each pair of lanes. Read through a double, whose broadcast GCC and clang load
// from memory; a two-float vector widened by a shuffle went through the stack in GCC 12.
inline vec pair_broadcast(const float* p) {
    const double both = *reinterpret_cast<const unaligned_pair*>(p);
    const pairs v = {both, both, both, both, both, both, both, both};
    return __builtin_bit_cast(vec, v);
}

// Interleaved lanes (2f + j) to two pixels of eight filters (8j + f), as conv2d stores them.
template <std::size_t... L>
inline vec to_pixels(vec v, std::index_sequence<L...>) {
    return __builtin_shufflevector(v, v, ((L % 8) * 2 + L / 8)...);
}
// Filter f of pixel Half (of two stored pixels) into lanes 2f and 2f + 1.
template <std::size_t Half, std::size_t... L>
inline vec spread_pixel(vec v, std::index_sequence<L...>) {
    return __builtin_shufflevector(v, v, (Half * 8 + L / 2)...);
}

// Hides where a row pointer comes from. Otherwise GCC 12 -O3 (predictive commoning) sees that a
// pixel's second tap pair reads what the next pixel's first read, keeps that value in a register
// across iterations and broadcasts it with a shuffle, where a broadcast from memory is a load:
// the kernel gradients took 47 us instead of 33.
inline const float* opaque(const float* p) {
    asm("" : "+r"(p));
    return p;
}

// Geometry: input Height x Width, kernel KH x KW, LeadRows / LeadCols of leading padding, output
// OutHeight x OutWidth (at least 2 wide); taps past the input are skipped.
template <std::size_t Height, std::size_t Width, std::size_t KH, std::size_t KW, std::size_t LeadRows,
          std::size_t LeadCols, std::size_t OutHeight, std::size_t OutWidth>
struct convolution {
    static_assert(OutWidth >= 2);
    static constexpr std::size_t filters = 8;
    static constexpr std::size_t pixel_pairs = (OutWidth + 1) / 2;  // the last may overlap the one before
    static constexpr std::size_t tap_pairs = (KW + 1) / 2;          // an odd kernel row's last has a spare lane
    // Input rows with LeadCols zeros in front and zeros behind, far enough for every broadcast.
    static constexpr std::size_t padded_width = (OutWidth + KW + 1 + 15) / 16 * 16;
    using padded_rows = float[Height][padded_width];

    static constexpr bool column_inside(std::size_t padded_column) {
        return padded_column >= LeadCols && padded_column - LeadCols < Width;
    }
    static constexpr bool row_inside(std::size_t oh) { return oh >= LeadRows && oh + KH - LeadRows <= Height; }
    // Lanes whose pixel (or tap) j = lane % 2 reads padded column `first + j` inside the input.
    static mask lanes_inside(std::size_t first) {
        mask m;
        for (std::size_t l = 0; l < 16; ++l) m[l] = column_inside(first + l % 2) ? -1 : 0;
        return m;
    }

    static void clear(padded_rows& rows) {
        for (auto& row : rows)
            for (float& v : row) v = 0.0f;
    }
    // A row at a time as one copy: as a loop of floats clang 14 copied them one by one (a fifth of
    // this layer's time).
    static void fill(padded_rows& rows, const float* x) {
        for (std::size_t r = 0; r < Height; ++r) std::memcpy(&rows[r][LeadCols], x + r * Width, Width * sizeof(float));
    }

    // Forward --------------------------------------------------------------------------------

    static constexpr std::size_t pair_start(std::size_t p) { return p + 1 == pixel_pairs ? OutWidth - 2 : 2 * p; }
    static constexpr bool pair_inside(std::size_t p) {
        return column_inside(pair_start(p)) && column_inside(pair_start(p) + KW);
    }

    // Pixel pairs [P0, P0 + sizeof...(B)) of output row oh: independent sums, so that the adder's
    // latency is covered (one pair alone is a chain of KH * KW additions).
    template <std::size_t P0, std::size_t... B>
    static void forward_pairs(const vec (&kernels)[KH * KW], vec bias, const padded_rows& rows, std::size_t oh,
                              float* y_row, std::index_sequence<B...>) {
        vec acc[sizeof...(B)];
        ((acc[B] = bias), ...);
        for (std::size_t kh = 0; kh < KH; ++kh) {
            const std::size_t ih = oh + kh;
            if (ih < LeadRows || ih - LeadRows >= Height) continue;
            const float* row = rows[ih - LeadRows];
#pragma GCC unroll 16
            for (std::size_t kw = 0; kw < KW; ++kw) (add_tap<P0 + B>(acc[B], kernels[kh * KW + kw], row, kw), ...);
        }
        ((store(y_row + pair_start(P0 + B) * filters, to_pixels(acc[B], std::make_index_sequence<16>{}))), ...);
    }
    template <std::size_t P>
    static void add_tap(vec& acc, vec kernel, const float* row, std::size_t kw) {
        const vec sum = multiply_add(kernel, pair_broadcast(row + pair_start(P) + kw), acc);
        if constexpr (pair_inside(P))
            acc = sum;
        else
            acc = lanes_inside(pair_start(P) + kw) ? sum : acc;
    }
    static constexpr std::size_t pairs_together = 7;
    template <std::size_t P0 = 0>
    static void forward_row(const vec (&kernels)[KH * KW], vec bias, const padded_rows& rows, std::size_t oh,
                            float* y_row) {
        if constexpr (P0 < pixel_pairs) {
            constexpr std::size_t n = pixel_pairs - P0 < pairs_together ? pixel_pairs - P0 : pairs_together;
            forward_pairs<P0>(kernels, bias, rows, oh, y_row, std::make_index_sequence<n>{});
            forward_row<P0 + n>(kernels, bias, rows, oh, y_row);
        }
    }

    // Each tap's filters, and the biases, into lanes 2f and 2f + 1 (kernels: [tap][filter]).
    static void spread_filters(const float* kernels, const float* bias, vec (&kernel_lanes)[KH * KW], vec& bias_lanes) {
        for (std::size_t t = 0; t < KH * KW; ++t)
            for (std::size_t l = 0; l < 16; ++l) kernel_lanes[t][l] = kernels[t * filters + l / 2];
        for (std::size_t l = 0; l < 16; ++l) bias_lanes[l] = bias[l / 2];
    }

    // kernels: [tap][filter]; Activation::apply on every output.
    template <class Activation>
    static void forward(const float* kernels, const float* bias, const float* x, float* y, std::size_t batch) {
        vec kernel_lanes[KH * KW], bias_lanes;
        spread_filters(kernels, bias, kernel_lanes, bias_lanes);
        alignas(64) padded_rows rows;
        clear(rows);
        for (std::size_t s = 0; s < batch; ++s, x += Height * Width, y += OutHeight * OutWidth * filters) {
            fill(rows, x);
            for (std::size_t oh = 0; oh < OutHeight; ++oh) {
                float* y_row = y + oh * OutWidth * filters;
                forward_row(kernel_lanes, bias_lanes, rows, oh, y_row);
                apply_activation<Activation>(y_row, y_row, OutWidth * filters);
            }
        }
    }

    // forward, with a 2 x 2 max-pool after the activation folded in (ctnn/fused_pool.hpp): two
    // output rows at a time go to a band on the stack, then their windows' maxima to `pooled` and
    // the choices (unless null) to `choices`, the pool's output shape each. The activation's
    // output, four times as large, is never stored.
    template <class Activation>
    static void forward_max_pooled(const float* kernels, const float* bias, const float* x, float* pooled,
                                   float* choices, std::size_t batch) {
        static_assert(OutHeight % 2 == 0 && OutWidth % 2 == 0, "2 x 2 windows tile the output");
        vec kernel_lanes[KH * KW], bias_lanes;
        spread_filters(kernels, bias, kernel_lanes, bias_lanes);
        alignas(64) padded_rows rows;
        alignas(64) float band[2][OutWidth * filters];
        clear(rows);
        for (std::size_t s = 0; s < batch; ++s, x += Height * Width) {
            fill(rows, x);
            for (std::size_t oh = 0; oh < OutHeight; oh += 2) {
                for (std::size_t r = 0; r < 2; ++r) {
                    forward_row(kernel_lanes, bias_lanes, rows, oh + r, band[r]);
                    apply_activation<Activation>(band[r], band[r], OutWidth * filters);
                }
                std::size_t w = 0;
                for (; w + 2 <= windows; w += 2) pool_windows<2>(band, w, pooled, choices);
                if constexpr (windows % 2 == 1) pool_windows<1>(band, w, pooled, choices);
                pooled += windows * filters;
                if (choices != nullptr) choices += windows * filters;
            }
        }
    }
    static constexpr std::size_t windows = OutWidth / 2;  // per row

    // Lanes 0-7: pixel Offset / 8 of `a`; lanes 8-15: that of `c`.
    template <std::size_t Offset, std::size_t... L>
    static vec pixel_of_each(vec a, vec c, std::index_sequence<L...>) {
        return __builtin_shufflevector(a, c, (L < 8 ? Offset + L : 8 + Offset + L)...);
    }
    // Windows w and w + 1 (Count 2) or w alone (1): lanes 8f to 8f + 7 of the vectors are window
    // w + f. Each maximum takes max_pool2d's comparisons in its scan order, so it is the same.
    template <std::size_t Count>
    static void pool_windows(const float (&band)[2][OutWidth * filters], std::size_t w, float* pooled, float* choices) {
        vec value{}, choice{};
        for (std::size_t r = 0; r < 2; ++r) {
            const vec a = load(band[r] + 2 * w * filters), c = Count == 2 ? load(band[r] + (2 * w + 2) * filters) : a;
            const vec taps[2] = {pixel_of_each<0>(a, c, std::make_index_sequence<16>{}),
                                 pixel_of_each<8>(a, c, std::make_index_sequence<16>{})};
            for (std::size_t j = 0; j < 2; ++j) {
                if (r == 0 && j == 0) {
                    value = taps[0];
                    continue;
                }
                const mask greater = taps[j] > value;
                value = greater ? taps[j] : value;
                choice = greater ? vec{} + float(2 * r + j) : choice;
            }
        }
        std::memcpy(pooled + w * filters, &value, Count * filters * sizeof(float));
        if (choices != nullptr) std::memcpy(choices + w * filters, &choice, Count * filters * sizeof(float));
    }

    // Kernel gradients -----------------------------------------------------------------------

    // acc[kh][k] holds taps (kh, 2k) and (kh, 2k + 1); `g` is one pixel's dL/dy, each filter twice.
    using accumulators = vec[KH][tap_pairs];

    static constexpr bool pixel_inside(std::size_t ow) { return column_inside(ow) && column_inside(ow + KW - 1); }
    // Always inline, as the helpers below: out of line (clang 14 -O2 once fused multiply-adds made
    // them larger) the accumulators went through memory for every pixel (kernel gradients 35 ->
    // 113 us).
    template <bool Masked, bool RowsChecked>
    [[gnu::always_inline]] static inline void add_pixel(accumulators& acc, vec& bias_acc, vec g, const padded_rows& rows, std::size_t oh,
                          std::size_t ow) {
        bias_acc += g;
#pragma GCC unroll 8
        for (std::size_t kh = 0; kh < KH; ++kh) {
            const std::size_t ih = oh + kh;
            if (RowsChecked && (ih < LeadRows || ih - LeadRows >= Height)) continue;
            const float* row = opaque(rows[ih - LeadRows]);
#pragma GCC unroll 8
            for (std::size_t k = 0; k < tap_pairs; ++k) {
                const vec sum = multiply_add(g, pair_broadcast(row + ow + 2 * k), acc[kh][k]);
                if constexpr (Masked)
                    acc[kh][k] = lanes_inside(ow + 2 * k) ? sum : acc[kh][k];
                else
                    acc[kh][k] = sum;
            }
        }
    }
    template <bool Masked, bool RowsChecked>
    [[gnu::always_inline]] static inline void add_pixel_pair(accumulators& acc, vec& bias_acc, vec two,
                                                             const padded_rows& rows, std::size_t oh, std::size_t ow) {
        add_pixel<Masked, RowsChecked>(acc, bias_acc, spread_pixel<0>(two, std::make_index_sequence<16>{}), rows, oh, ow);
        add_pixel<Masked, RowsChecked>(acc, bias_acc, spread_pixel<1>(two, std::make_index_sequence<16>{}), rows, oh,
                                       ow + 1);
    }

    // Where dL/dy of output row oh comes from, a pixel pair (ow, ow + 1) at a time as stored
    // (lanes 8j + f: pixel j, filter f) for sample n of those summed together: the rows as stored,
    // or made from the choices of a 2 x 2 max-pool folded into forward_max_pooled.
    struct stored_rows {
        const float* row;    // sample 0's
        std::size_t stride;  // from one sample's to the next
        vec pair(std::size_t n, std::size_t ow) const { return load(row + n * stride + ow * filters); }
    };
    // The pool's row of windows over output rows oh and oh + 1 (oh even): each window's value goes
    // to the pixel whose tap (2 (oh % 2) + j) is the window's choice, +0 to the others.
    struct chosen_rows {
        const float* choices;  // the row of windows, sample 0's
        const float* values;   // what each window hands on (Pool::window_gradients)
        std::size_t choices_stride, values_stride;
        vec taps;              // lanes 8j + f: the tap of pixel j of a pair in this output row
        vec pair(std::size_t n, std::size_t ow) const {
            const vec chosen = each_half(choices + n * choices_stride + ow / 2 * filters);
            const vec value = each_half(values + n * values_stride + ow / 2 * filters);
            return chosen == taps ? value : vec{};
        }
    };
    // The eight floats at p in both halves of a vector.
    static vec each_half(const float* p) {
        typedef float half __attribute__((vector_size(32)));
        half h;
        std::memcpy(&h, p, sizeof h);
        return __builtin_shufflevector(h, h, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7);
    }

    static constexpr bool pixels_inside(std::size_t ow) { return pixel_inside(ow) && pixel_inside(ow + 1); }
    static constexpr std::size_t first_inside = [] {
        std::size_t ow = 0;
        while (ow + 1 < OutWidth && !pixels_inside(ow)) ow += 2;
        return ow;
    }();
    static constexpr std::size_t end_inside = [] {
        std::size_t ow = first_inside;
        while (ow + 1 < OutWidth && pixels_inside(ow)) ow += 2;
        return ow;
    }();
    // The pixels of output row oh in order: pairs, the last pixel of an odd row alone. With two
    // samples, each pixel pair of one is followed by the same pair of the other: their sums are
    // independent, and together they give the adders enough chains.
    template <bool RowsChecked, class Rows, std::size_t... N>
    [[gnu::always_inline]] static inline void add_row(accumulators (&acc)[sizeof...(N)], vec (&bias_acc)[sizeof...(N)],
                                                      const Rows& dy, const padded_rows (&rows)[2], std::size_t oh,
                                                      std::index_sequence<N...>) {
        std::size_t ow = 0;
        for (; ow < first_inside; ow += 2)
            (add_pixel_pair<true, RowsChecked>(acc[N], bias_acc[N], dy.pair(N, ow), rows[N], oh, ow), ...);
        for (; ow < end_inside; ow += 2)
            (add_pixel_pair<false, RowsChecked>(acc[N], bias_acc[N], dy.pair(N, ow), rows[N], oh, ow), ...);
        for (; ow + 1 < OutWidth; ow += 2)
            (add_pixel_pair<true, RowsChecked>(acc[N], bias_acc[N], dy.pair(N, ow), rows[N], oh, ow), ...);
        if constexpr (OutWidth % 2 == 1)
            (add_pixel<true, RowsChecked>(acc[N], bias_acc[N],
                                          spread_pixel<1>(dy.pair(N, OutWidth - 2), std::make_index_sequence<16>{}),
                                          rows[N], oh, OutWidth - 1),
             ...);
    }
    template <class Rows, std::size_t... N>
    [[gnu::always_inline]] static inline void add_output_row(accumulators (&acc)[sizeof...(N)], vec (&bias_acc)[sizeof...(N)],
                                                             const Rows& dy, const padded_rows (&rows)[2], std::size_t oh,
                                                             std::index_sequence<N...> samples) {
        if (row_inside(oh))
            add_row<false>(acc, bias_acc, dy, rows, oh, samples);
        else
            add_row<true>(acc, bias_acc, dy, rows, oh, samples);
    }

    // The terms of sizeof...(N) samples of x and dy, in order, added to acc[N] and bias_acc[N].
    template <std::size_t... N>
    [[gnu::always_inline]] static inline void add_samples(const float* x, const float* dy,
                                                          accumulators (&acc)[sizeof...(N)],
                                                          vec (&bias_acc)[sizeof...(N)], padded_rows (&rows)[2],
                                                          std::index_sequence<N...> samples) {
        constexpr std::size_t sample_dy = OutHeight * OutWidth * filters;
        (fill(rows[N], x + N * Height * Width), ...);
        for (std::size_t oh = 0; oh < OutHeight; ++oh)
            add_output_row(acc, bias_acc, stored_rows{dy + oh * OutWidth * filters, sample_dy}, rows, oh, samples);
    }

    // add_samples with dy the gradient of a 2 x 2 max-pool folded into forward_max_pooled, made from
    // the pool's choices, output and gradient (`dy`, the pool's) as the sums take it: the full-size
    // dL/dy is never written.
    template <class Pool, class Activation, std::size_t... N>
    [[gnu::always_inline]] static inline void add_pooled_samples(const float* x, const float* choices, const float* y,
                                                                 const float* dy, accumulators (&acc)[sizeof...(N)],
                                                                 vec (&bias_acc)[sizeof...(N)], padded_rows (&rows)[2],
                                                                 std::index_sequence<N...> samples) {
        constexpr std::size_t pooled_row = OutWidth / 2 * filters, pooled_sample = OutHeight / 2 * pooled_row;
        alignas(64) float values[sizeof...(N)][pooled_row];
        vec row_taps[2];  // lanes 8j + f: tap 2r + j, for the windows' rows r = 0 and 1
        for (std::size_t l = 0; l < 16; ++l) row_taps[0][l] = float(l / 8), row_taps[1][l] = float(2 + l / 8);
        (fill(rows[N], x + N * Height * Width), ...);
        for (std::size_t oh = 0; oh < OutHeight; oh += 2) {
            const std::size_t o = oh / 2 * pooled_row;
            (Pool::template window_gradients<Activation>(y + N * pooled_sample + o, dy + N * pooled_sample + o, values[N]),
             ...);
            for (std::size_t r = 0; r < 2; ++r)
                add_output_row(acc, bias_acc, chosen_rows{choices + o, values[0], pooled_sample, pooled_row, row_taps[r]},
                               rows, oh + r, samples);
        }
    }

    // The lambdas that add samples' terms go inline, with the accumulators: clang 14 kept one out of
    // line around the fused pool's rows and the sums in memory (M3's step 1.1x slower).
#define CTNN_INLINED_LAMBDA __attribute__((always_inline))

    // Samples [s, s + Samples) each summed from zero by add(s, acc, bias_acc, rows, samples), then
    // added to total in order.
    template <std::size_t Samples, class Add>
    static void add_sample_sums(const Add& add, std::size_t s, accumulators& total, vec& bias_total,
                                padded_rows (&rows)[2]) {
        accumulators acc[Samples];
        vec bias_acc[Samples];
        for (std::size_t n = 0; n < Samples; ++n) {
            for (auto& pair_row : acc[n])
                for (vec& v : pair_row) v = vec{};
            bias_acc[n] = vec{};
        }
        add(s, acc, bias_acc, rows, std::make_index_sequence<Samples>{});
        for (std::size_t n = 0; n < Samples; ++n) {
            for (std::size_t kh = 0; kh < KH; ++kh)
                for (std::size_t k = 0; k < tap_pairs; ++k) total[kh][k] += acc[n][kh][k];
            bias_total += bias_acc[n];
        }
    }

    // Adds every sample's terms to dkernels ([tap][filter]) and dbias. PerSample (conv2d's
    // gradients_per_sample): each sample's terms are summed from zero, in order, and the sum is
    // added, two samples at a time. Otherwise every term goes into one running sum per gradient,
    // samples in order. add(s, acc, bias_acc, rows, samples) adds the terms of samples s onwards.
    template <bool PerSample, class Add>
    static void add_kernel_gradients(const Add& add, float* dkernels, float* dbias, std::size_t batch) {
        accumulators total[1];
        vec bias_total[1];
        for (std::size_t kh = 0; kh < KH; ++kh)
            for (std::size_t k = 0; k < tap_pairs; ++k)
                for (std::size_t l = 0; l < 16; ++l) {
                    const std::size_t kw = 2 * k + l % 2;
                    total[0][kh][k][l] = kw < KW ? dkernels[(kh * KW + kw) * filters + l / 2] : 0.0f;
                }
        for (std::size_t l = 0; l < 16; ++l) bias_total[0][l] = dbias[l / 2];
        alignas(64) padded_rows rows[2];
        clear(rows[0]);
        clear(rows[1]);
        if constexpr (PerSample) {
            std::size_t s = 0;
            for (; s + 2 <= batch; s += 2) add_sample_sums<2>(add, s, total[0], bias_total[0], rows);
            if (s < batch) add_sample_sums<1>(add, s, total[0], bias_total[0], rows);
        } else {
            for (std::size_t s = 0; s < batch; ++s) add(s, total, bias_total, rows, std::make_index_sequence<1>{});
        }
        for (std::size_t kh = 0; kh < KH; ++kh)
            for (std::size_t k = 0; k < tap_pairs; ++k)
                for (std::size_t l = 0; l < 16; ++l) {
                    const std::size_t kw = 2 * k + l % 2;
                    if (kw < KW) dkernels[(kh * KW + kw) * filters + l / 2] = total[0][kh][k][l];
                }
        for (std::size_t f = 0; f < filters; ++f) dbias[f] = bias_total[0][2 * f];
    }

    // Kernel gradients in sample lanes, after a folded pool ------------------------------------
    //
    // With per-sample sums, sixteen samples go side by side, one per lane (sample_lanes.hpp): each
    // lane adds its sample's terms in pixel order, as the sums above do, and the sixteen sums are
    // then added to the gradients in sample order: the same bits. No lane is spare (tap pairs leave
    // a quarter of theirs so for a 3 x 3 kernel), and dL/dy is never made: a pixel's term is added
    // only in the lanes whose window chose that pixel (a masked multiply-add), where chosen_rows
    // hands +0 to the others. Adding +0 * x leaves a per-sample sum as it is (from +0 it never
    // becomes -0) unless x is infinite or NaN: a group with such an input takes the tap pairs.
    // The filters go in passes of two per output row, the pass's sums in registers along the row.
    static constexpr std::size_t lanes_per_vector = lanes::count;
    static constexpr std::size_t filters_per_pass = 2;
    static constexpr std::size_t passes = filters / filters_per_pass;
    static constexpr std::size_t lane_columns = OutWidth + KW - 1;  // padded columns the taps read
    struct pass_sums {
        vec taps[KH * KW][filters_per_pass];
        vec bias[filters_per_pass];
    };

    // The group's row of windows over output rows oh and oh + 1, in lanes: each window's choice and
    // what it hands on (Pool::window_gradients).
    template <class Pool, class Activation>
    struct window_lanes {
        static constexpr std::size_t pooled_row = windows * filters, pooled_sample = OutHeight / 2 * pooled_row;
        alignas(64) float chosen[pooled_row * lanes_per_vector], handed_on[pooled_row * lanes_per_vector];
        void load(const float* choices, const float* y, const float* dy, std::size_t oh) {
            const std::size_t o = oh / 2 * pooled_row;
            alignas(64) float values[lanes_per_vector][pooled_row];
            for (std::size_t s = 0; s < lanes_per_vector; ++s)
                Pool::template window_gradients<Activation>(y + s * pooled_sample + o, dy + s * pooled_sample + o,
                                                            values[s]);
            lanes::to_lanes<pooled_row>(&values[0][0], pooled_row, handed_on);
            lanes::to_lanes<pooled_row>(choices + o, pooled_sample, chosen);
        }
    };

    // Windows [first, end) of output row oh (tap row r = oh % 2) for filters [f0, f0 + 2): pixel
    // 2w + j's terms where window w chose tap 2r + j. Checked: some tap of a pixel may read a
    // padding column (skipped). RowsChecked: null input rows are padding rows (skipped).
    // A window chose at most one of its two pixels in this row, so each tap takes one masked
    // multiply-add on the input under the chosen pixel (a blend of the two), not one per pixel:
    // half the multiply-adds, and a lane still adds its sample's terms in pixel order. The layer's
    // kernel gradients alone, batch 32: 30.6 -> 25.0 us.
    template <bool Checked, bool RowsChecked, class Windows>
    [[gnu::always_inline]] static inline void add_lane_windows(vec (&taps)[KH * KW][filters_per_pass],
                                                               vec (&bias)[filters_per_pass], const Windows& windows_in,
                                                               const float* const (&input)[KH], std::size_t r,
                                                               std::size_t f0, std::size_t first, std::size_t end) {
        const vec one = vec{} + 1.0f;
        for (std::size_t w = first; w < end; ++w) {
            vec chosen[filters_per_pass], value[filters_per_pass];
#pragma GCC unroll 4
            for (std::size_t j = 0; j < filters_per_pass; ++j) {
                const std::size_t i = (w * filters + f0 + j) * lanes_per_vector;
                chosen[j] = load(windows_in.chosen + i);
                value[j] = load(windows_in.handed_on + i);
            }
            // The window's pixel in this row that it chose, if any: 2w (first) or 2w + 1 (second).
            lanes::mask first_pixel[filters_per_pass], second_pixel[filters_per_pass], chose_row[filters_per_pass];
#pragma GCC unroll 4
            for (std::size_t j = 0; j < filters_per_pass; ++j) {
                first_pixel[j] = lanes::equal(chosen[j], vec{} + float(2 * r));
                second_pixel[j] = lanes::equal(chosen[j], vec{} + float(2 * r + 1));
                chose_row[j] = first_pixel[j] | second_pixel[j];
                bias[j] = multiply_add_where(chose_row[j], value[j], one, bias[j]);
            }
#pragma GCC unroll 8
            for (std::size_t kh = 0; kh < KH; ++kh) {
                if (RowsChecked && input[kh] == nullptr) continue;
#pragma GCC unroll 8
                for (std::size_t kw = 0; kw < KW; ++kw) {
                    const bool first_inside = !Checked || column_inside(2 * w + kw);
                    const bool second_inside = !Checked || column_inside(2 * w + 1 + kw);
                    const float* column = input[kh] + (2 * w + kw) * lanes_per_vector;
                    if (first_inside && second_inside) {
                        const vec x_first = load(column), x_second = load(column + lanes_per_vector);
#pragma GCC unroll 4
                        for (std::size_t j = 0; j < filters_per_pass; ++j) {
                            const vec x = lanes::select(second_pixel[j], x_second, x_first);
                            taps[kh * KW + kw][j] = multiply_add_where(chose_row[j], value[j], x, taps[kh * KW + kw][j]);
                        }
                    } else if (first_inside || second_inside) {
                        const vec x = load(first_inside ? column : column + lanes_per_vector);
#pragma GCC unroll 4
                        for (std::size_t j = 0; j < filters_per_pass; ++j)
                            taps[kh * KW + kw][j] = multiply_add_where(first_inside ? first_pixel[j] : second_pixel[j],
                                                                       value[j], x, taps[kh * KW + kw][j]);
                    }
                }
            }
        }
    }
    // Windows whose pixels read no padding column: [first_whole, end_whole). A window's pixels are
    // the pixel pair add_row takes at 2w, so these are its pairs' bounds.
    static constexpr std::size_t first_whole = first_inside / 2, end_whole = end_inside / 2;
    template <bool RowsChecked, class Windows>
    static void add_lane_row(pass_sums& sums, const Windows& windows_in, const float* const (&input)[KH],
                             std::size_t r, std::size_t f0) {
        vec taps[KH * KW][filters_per_pass], bias[filters_per_pass];
        for (std::size_t t = 0; t < KH * KW; ++t)
            for (std::size_t j = 0; j < filters_per_pass; ++j) taps[t][j] = sums.taps[t][j];
        for (std::size_t j = 0; j < filters_per_pass; ++j) bias[j] = sums.bias[j];
        add_lane_windows<true, RowsChecked>(taps, bias, windows_in, input, r, f0, 0, first_whole);
        add_lane_windows<false, RowsChecked>(taps, bias, windows_in, input, r, f0, first_whole, end_whole);
        add_lane_windows<true, RowsChecked>(taps, bias, windows_in, input, r, f0, end_whole, windows);
        for (std::size_t t = 0; t < KH * KW; ++t)
            for (std::size_t j = 0; j < filters_per_pass; ++j) sums.taps[t][j] = taps[t][j];
        for (std::size_t j = 0; j < filters_per_pass; ++j) sums.bias[j] = bias[j];
    }

    // What a group keeps on the stack: the path is taken up to 64 KB, as conv2d's sample lanes
    // (M3's first layer: 32 KB).
    static constexpr std::size_t lane_group_stack_bytes =
        sizeof(window_lanes<void, void>) + (windows * filters + KH * lane_columns) * lanes_per_vector * sizeof(float) +
        passes * sizeof(pass_sums);
    static constexpr bool lane_groups = lane_group_stack_bytes <= 64 * 1024;

    // Sixteen samples' terms (x, choices, y, dy: the first sample's), each sample summed from zero,
    // then added to dkernels ([tap][filter]) and dbias in sample order. False, with nothing added,
    // when some input value is infinite or NaN.
    template <class Pool, class Activation>
    static bool add_pooled_lane_group(const float* x, const float* choices, const float* y, const float* dy,
                                      float* dkernels, float* dbias) {
        if (!lanes::all_finite(x, lanes_per_vector * Height * Width)) return false;
        alignas(64) float ring[KH][lane_columns * lanes_per_vector] = {};  // input rows in lanes, padded
        window_lanes<Pool, Activation> windows_in;
        pass_sums sums[passes];
        for (auto& pass : sums) {
            for (auto& tap : pass.taps)
                for (vec& v : tap) v = vec{};
            for (vec& v : pass.bias) v = vec{};
        }
        std::size_t loaded = 0;  // input rows [0, loaded) have been turned into lanes
        for (std::size_t oh = 0; oh < OutHeight; ++oh) {
            for (; loaded < Height && loaded + LeadRows < oh + KH; ++loaded)
                lanes::to_lanes<Width>(x + loaded * Width, Height * Width,
                                       ring[loaded % KH] + LeadCols * lanes_per_vector);
            const float* input[KH];
            for (std::size_t kh = 0; kh < KH; ++kh)
                input[kh] = oh + kh >= LeadRows && oh + kh - LeadRows < Height ? ring[(oh + kh - LeadRows) % KH] : nullptr;
            if (oh % 2 == 0) windows_in.load(choices, y, dy, oh);
            for (std::size_t p = 0; p < passes; ++p)
                if (row_inside(oh))
                    add_lane_row<false>(sums[p], windows_in, input, oh % 2, p * filters_per_pass);
                else
                    add_lane_row<true>(sums[p], windows_in, input, oh % 2, p * filters_per_pass);
        }
        for (std::size_t p = 0; p < passes; ++p)
            for (std::size_t j = 0; j < filters_per_pass; ++j) {
                const std::size_t f = p * filters_per_pass + j;
                for (std::size_t s = 0; s < lanes_per_vector; ++s) {
                    for (std::size_t t = 0; t < KH * KW; ++t) dkernels[t * filters + f] += sums[p].taps[t][j][s];
                    dbias[f] += sums[p].bias[j][s];
                }
            }
        return true;
    }

    template <bool PerSample>
    static void kernel_gradients(const float* x, const float* dy, float* dkernels, float* dbias, std::size_t batch) {
        add_kernel_gradients<PerSample>(
            [x, dy](std::size_t s, auto& acc, auto& bias_acc, auto& rows, auto samples) CTNN_INLINED_LAMBDA {
                add_samples(x + s * Height * Width, dy + s * OutHeight * OutWidth * filters, acc, bias_acc, rows, samples);
            },
            dkernels, dbias, batch);
    }

    // kernel_gradients with dy the gradient of the 2 x 2 max-pool folded into forward_max_pooled:
    // its choices, output and dL/d(output).
    template <bool PerSample, class Pool, class Activation>
    static void pooled_kernel_gradients(const float* x, const float* choices, const float* y, const float* dy,
                                        float* dkernels, float* dbias, std::size_t batch) {
        constexpr std::size_t pooled_sample = OutHeight * OutWidth * filters / 4;
        if constexpr (PerSample && lane_groups)
            for (; batch >= lanes_per_vector; batch -= lanes_per_vector) {
                if (!add_pooled_lane_group<Pool, Activation>(x, choices, y, dy, dkernels, dbias)) break;
                x += lanes_per_vector * Height * Width;
                choices += lanes_per_vector * pooled_sample;
                y += lanes_per_vector * pooled_sample;
                dy += lanes_per_vector * pooled_sample;
            }
        if (batch == 0) return;
        add_kernel_gradients<PerSample>(
            [=](std::size_t s, auto& acc, auto& bias_acc, auto& rows, auto samples) CTNN_INLINED_LAMBDA {
                add_pooled_samples<Pool, Activation>(x + s * Height * Width, choices + s * pooled_sample,
                                                     y + s * pooled_sample, dy + s * pooled_sample, acc, bias_acc,
                                                     rows, samples);
            },
            dkernels, dbias, batch);
    }
};

}  // namespace ctnn::detail::one_channel
#undef CTNN_INLINED_LAMBDA
#endif
