// ctnn/layers/conv2d.hpp: 2-D convolution over channels-last (H, W, C) inputs.
#pragma once
#include <cstddef>
#include <string_view>
#include <type_traits>

#include <ctnn/apply_activation.hpp>
#include <ctnn/emit/c.hpp>
#include <ctnn/emit/window.hpp>
#include <ctnn/error.hpp>
#include <ctnn/fused_activation.hpp>
#include <ctnn/initializer.hpp>
#include <ctnn/layers/conv2d_one_channel.hpp>
#include <ctnn/layers/filter_sums.hpp>
#include <ctnn/layers/window2d.hpp>
#include <ctnn/loop_hints.hpp>
#include <ctnn/multiply_add.hpp>
#include <ctnn/padding.hpp>
#include <ctnn/sample_lanes.hpp>
#include <ctnn/shape.hpp>

namespace ctnn {

// Parameters: kernels as [Filters][KH][KW][C] (TensorFlow Lite's OHWI), then biases [Filters].
// PyTorch's Conv2d weight is [Filters][C][KH][KW]: an importer permutes it once.
template <std::size_t Filters, std::size_t KH, std::size_t KW, std::size_t Stride = 1, padding Pad = padding::valid>
struct conv2d {
    static constexpr std::string_view name = "conv2d";
    static constexpr unsigned long long signature_extra = Stride * 4 + static_cast<unsigned long long>(Pad) + 1;

    template <class In, std::size_t Position>
    struct bind {
        using window = detail::window2d<In, KH, KW, Stride, Pad>;
        using rows = typename window::rows;
        using cols = typename window::cols;

        struct requirements {
            static_assert(error::check<In::rank == 3, error::at_layer<Position>, error::expects_rank<3>,
                                       error::got_shape<In>>,
                          "ctnn::conv2d needs a (height, width, channels) input: use ctnn::reshape to add "
                          "a channel dimension");
            static_assert(error::check<(Filters != 0 && KH != 0 && KW != 0), error::at_layer<Position>, error::got_shape<In>>,
                          "ctnn::conv2d needs at least one filter and a kernel of at least 1x1");
            static_assert(error::check<Stride != 0, error::at_layer<Position>, error::got_shape<In>>,
                          "ctnn::conv2d: stride must be at least 1");
            static_assert(error::check<Pad != padding::causal, error::at_layer<Position>, error::got_shape<In>>,
                          "ctnn::conv2d: padding::causal is for sequences (ctnn::conv1d): use padding::valid or "
                          "padding::same");
            static_assert(error::check<Pad != padding::valid || (KH <= In::dims[0] && KW <= In::dims[In::rank > 1 ? 1 : 0]),
                                       error::at_layer<Position>, error::got_shape<In>>,
                          "ctnn::conv2d: the kernel is larger than the input: use a smaller kernel or "
                          "ctnn::padding::same");
        };

        static constexpr std::size_t height = window::height;
        static constexpr std::size_t width = window::width;
        static constexpr std::size_t channels = window::channels;
        static constexpr std::size_t out_height = rows::output;
        static constexpr std::size_t out_width = cols::output;
        static constexpr std::size_t kernel_size = KH * KW * channels;

        using layer = conv2d;
        using input_shape = In;
        using output_shape = shape<out_height, out_width, Filters>;
        static constexpr std::size_t param_count = Filters * kernel_size + Filters;
        static constexpr std::size_t flops = 2 * out_height * out_width * Filters * kernel_size;

        template <class T>
        static void initialize(T* params, random_generator& rng, initializer scheme) {
            draw_weights(params, Filters * kernel_size, rng, scheme, kernel_size, KH * KW * Filters);
            for (std::size_t i = Filters * kernel_size; i < param_count; ++i) params[i] = T(0);
        }

        // Kernels transposed to [tap][channel][filter] (a stack copy of at most this many values)
        // put the filters innermost and contiguous, so one output pixel is a vector of sums over the
        // filters. Every sum keeps its order; larger layers run the same loops on the kernels as stored.
        static constexpr std::size_t transposed_limit = 2048;
        static constexpr bool filters_innermost = Filters * kernel_size <= transposed_limit;

        // True when the window at (oh, ow) lies wholly inside the input. The loops below then walk
        // its taps as window::for_each_tap does, in the same order, but without its tests and
        // lambda: through those GCC 12 kept a pixel's sums in memory (3x slower on M3's convolutions).
        static constexpr bool columns_inside(std::size_t ow) {
            return ow * Stride >= cols::leading_padding && ow * Stride + KW <= cols::leading_padding + width;
        }
        static constexpr bool rows_inside(std::size_t oh) {
            return oh * Stride >= rows::leading_padding && oh * Stride + KH <= rows::leading_padding + height;
        }
        static constexpr bool interior(std::size_t oh, std::size_t ow) { return rows_inside(oh) && columns_inside(ow); }
        // Index of input (ih, iw, channel 0) under tap (0, 0) of an interior window.
        static constexpr std::size_t window_origin(std::size_t oh, std::size_t ow) {
            return ((oh * Stride - rows::leading_padding) * width + (ow * Stride - cols::leading_padding)) * channels;
        }

        // Output pixels of a row computed together: their sums are independent chains (one
        // pixel's sum waits for each of its kernel_size additions). Short sums overlap well enough
        // alone: M3's 9-term first convolution measured slower blocked (57 -> 70 us). Its 72-term
        // second one, batch 32: 125 us in blocks of 4 inside the row and its edge pixels alone,
        // 75 us in two blocks of 7 (row_blocks below). With AVX-512's 32 registers and one vector
        // of filters per pixel, GCC gets blocks of up to 16: fused multiply-adds take four cycles on
        // two pipes, so eight chains are the least that keeps them busy and seven were not (the
        // same layer: 69 us in one block of 14). Clang 14 spilled the block (M3's step 10% slower).
#if defined(CTNN_SAMPLE_LANES) && !defined(__clang__)
        static constexpr std::size_t pixel_block = kernel_size < 32 ? 1 : Filters <= 16 ? 16 : Filters <= 32 ? 8 : 4;
#else
        static constexpr std::size_t pixel_block = kernel_size < 32 ? 1 : Filters <= 32 ? 8 : 4;
#endif

        // Where a block of pixels lies in its row: at its start or its end (its first column then a
        // constant, so that the taps to skip are known once the loops are unrolled), inside (no tap
        // to skip), or elsewhere. Rows split into blocks of at most MaxBlock pixels, of equal size;
        // the last block may overlap the one before it, which only computes those pixels twice.
        enum class row_part { first, last, inside, checked };
        template <std::size_t Extent, std::size_t MaxBlock>
        struct row_blocks {
            static constexpr std::size_t count = (Extent + MaxBlock - 1) / MaxBlock;
            static constexpr std::size_t size = (Extent + count - 1) / count;
        };

        // Visits a row's blocks (Blocks, a row_blocks) in order as visit(part, start), part a
        // std::integral_constant of row_part: the first and the last at their fixed columns, the
        // others inside or checked as inside(start) says.
        template <class Blocks, class Inside, class Visit>
        static void for_each_row_block(Inside inside, Visit visit) {
            visit(std::integral_constant<row_part, row_part::first>{}, std::size_t{0});
            // Not instantiated for rows of one or two blocks (M3's second convolution): two fully
            // unrolled blocks less to instantiate (M3 with training, g++ -O2: 0.7% fewer instructions).
            if constexpr (Blocks::count > 2)
                for (std::size_t b = 1; b + 1 < Blocks::count; ++b) {
                    if (inside(b * Blocks::size))
                        visit(std::integral_constant<row_part, row_part::inside>{}, b * Blocks::size);
                    else
                        visit(std::integral_constant<row_part, row_part::checked>{}, b * Blocks::size);
                }
            if constexpr (Blocks::count > 1) visit(std::integral_constant<row_part, row_part::last>{}, std::size_t{0});
        }

        // Taps that reach past the input's columns are skipped, those past its rows too.
        using output_row = row_blocks<out_width, pixel_block>;
        static constexpr bool output_columns_inside(std::size_t ow0) {
            return columns_inside(ow0) && columns_inside(ow0 + output_row::size - 1);
        }

        // Whole vectors of filters as explicit vectors (filter_sums.hpp) in blocks: as float
        // arrays clang 14 kept the block's sums on the stack (M3's second convolution about 1.7x
        // GCC's time); GCC 12 runs both forms alike. In pixels alone, with 16 vector registers: as a
        // float array GCC 12 -O2 kept them on the stack, one store and reload per multiply-add (M3's
        // first convolution, -march=haswell -O2: 1.2 ms of a 2.6 ms step).
        template <class T>
        static constexpr bool block_sums_as_vectors =
#if defined(CTNN_SAMPLE_LANES)
            std::is_same_v<T, float> && Filters % detail::vector_floats == 0;
#else
            false;
#endif
        template <class T>
        static constexpr bool pixel_sums_as_vectors =
#if defined(CTNN_NARROW_VECTORS)
            std::is_same_v<T, float> && Filters % detail::vector_floats == 0 && Filters <= 4 * detail::vector_floats;
#else
            false;
#endif

        // Output pixels [ow0, ow0 + Pixels) of row oh of one sample (x), into that row's y_row.
        template <std::size_t Pixels, row_part Part, class T>
        static void forward_block(const T (&kernels)[kernel_size][Filters], const T* bias, const T* x, T* y_row,
                                  std::size_t oh, std::size_t start) {
            using sums = detail::filter_sums<T, Filters, block_sums_as_vectors<T>>;
            const std::size_t ow0 = Part == row_part::first ? 0 : Part == row_part::last ? out_width - Pixels : start;
            sums acc[Pixels];
            for (std::size_t p = 0; p < Pixels; ++p) acc[p].start(bias);
#if defined(__clang__)
#pragma clang loop unroll(disable)
#endif
            for (std::size_t kh = 0; kh < KH; ++kh) {
                const std::size_t ih = oh * Stride + kh;
                if (rows::in_padding(ih)) continue;
                const T* x_row = x + (ih - rows::leading_padding) * width * channels;
#pragma GCC unroll 16
                for (std::size_t kw = 0; kw < KW; ++kw)
                    for (std::size_t c = 0; c < channels; ++c) {
                        const auto wc = sums::load_weights(kernels[(kh * KW + kw) * channels + c]);
#pragma GCC unroll 16
                        for (std::size_t p = 0; p < Pixels; ++p) {
                            const std::size_t iw = (ow0 + p) * Stride + kw;
                            if (Part != row_part::inside && cols::in_padding(iw)) continue;
                            acc[p].multiply_add(wc, x_row[(iw - cols::leading_padding) * channels + c]);
                        }
                    }
            }
            for (std::size_t p = 0; p < Pixels; ++p) acc[p].store(y_row + (ow0 + p) * Filters);
        }

        // One interior output pixel (x0 at its window origin), for layers whose pixels go alone.
        template <class T>
        static void forward_interior(const T (&kernels)[kernel_size][Filters], const T* bias, const T* x0, T* out) {
            using sums = detail::filter_sums<T, Filters, pixel_sums_as_vectors<T>>;
            sums acc;
            acc.start(bias);
            for (std::size_t kh = 0; kh < KH; ++kh)
                for (std::size_t kw = 0; kw < KW; ++kw)
                    for (std::size_t c = 0; c < channels; ++c)
                        acc.multiply_add(sums::load_weights(kernels[(kh * KW + kw) * channels + c]),
                                         x0[(kh * width + kw) * channels + c]);
            acc.store(out);
        }

        // The kernels in params ([filter][tap]) as [tap][filter], the filters innermost.
        template <class T>
        static void transpose_kernels(const T* params, T (&kernels)[kernel_size][Filters]) {
            for (std::size_t f = 0; f < Filters; ++f)
                for (std::size_t k = 0; k < kernel_size; ++k) kernels[k][f] = params[f * kernel_size + k];
        }

        // Activation::apply on one output row just written, while it is in L1: in the loops that
        // store a pixel's sums GCC 12 no longer vectorised the stores (M3 inference 5.4 -> 7.2 us).
        template <class Activation, class T>
        static void activate_row(T* row) {
            if constexpr (!std::is_same_v<Activation, detail::no_activation>)
                detail::apply_activation<Activation>(row, row, out_width * Filters);
        }

        template <class T>
        static void forward(const T* params, const T* x, T* y, std::size_t batch) {
            forward_activated<detail::no_activation>(params, x, y, batch);
        }

        // The forward pass with Activation::apply on each output (ctnn/fused_activation.hpp).
        // Bias first, then kernel rows, columns and channels in order; taps in the padding are skipped.
        // Out of line: inlined into Model::infer with the parameters a global, GCC 12 kept the
        // blocks' sums in memory and ran them one float at a time (M3 inference 100 us, not 6).
        template <class Activation, class T>
        [[gnu::noinline]] static void forward_activated(const T* params, const T* x, T* y, std::size_t batch) {
            const T* bias = params + Filters * kernel_size;
            if constexpr (filters_innermost) {
                T kernels[kernel_size][Filters];
                transpose_kernels(params, kernels);
#if defined(CTNN_ONE_CHANNEL_PAIRS)
                if constexpr (std::is_same_v<T, float> && one_channel_pairs) {
                    one_channel_convolution::template forward<Activation>(&kernels[0][0], bias, x, y, batch);
                    return;
                }
#endif
#if defined(CTNN_SAMPLE_LANES)
                if constexpr (std::is_same_v<T, float> && lanes_apply<false>) {
                    const std::size_t groups = batch / detail::lanes::count;
                    lane_convolution<false, Activation>(&kernels[0][0], bias, x, y, groups);
                    batch -= groups * detail::lanes::count;
                    x += groups * detail::lanes::count * In::size;
                    y += groups * detail::lanes::count * output_shape::size;
                }
#endif
                if constexpr (pixel_block == 1) {
                    // Blocks of one pixel compile to lane-by-lane code in GCC 12 (9x slower on M3's
                    // first convolution): interior pixels here, the others through for_each_tap.
                    for (std::size_t s = 0; s < batch; ++s, x += In::size, y += output_shape::size)
                        for (std::size_t oh = 0; oh < out_height; ++oh) {
                            for (std::size_t ow = 0; ow < out_width; ++ow) {
                                T* out = y + (oh * out_width + ow) * Filters;
                                if (interior(oh, ow)) {
                                    forward_interior(kernels, bias, x + window_origin(oh, ow), out);
                                    continue;
                                }
                                detail::filter_sums<T, Filters, false> acc;
                                acc.start(bias);
                                window::for_each_tap(oh, ow, [&](std::size_t tap, std::size_t xo) {
                                    for (std::size_t c = 0; c < channels; ++c) acc.multiply_add(kernels[tap * channels + c], x[xo + c]);
                                });
                                acc.store(out);
                            }
                            activate_row<Activation>(y + oh * out_width * Filters);
                        }
                    return;
                }
                for (std::size_t s = 0; s < batch; ++s, x += In::size, y += output_shape::size)
                    for (std::size_t oh = 0; oh < out_height; ++oh) {
                        for_each_row_block<output_row>(output_columns_inside, [&](auto part, std::size_t start) {
                            forward_block<output_row::size, decltype(part)::value>(kernels, bias, x,
                                                                                   y + oh * out_width * Filters, oh, start);
                        });
                        activate_row<Activation>(y + oh * out_width * Filters);
                    }
                return;
            }
            for (std::size_t s = 0; s < batch; ++s, x += In::size, y += output_shape::size) {
                for (std::size_t oh = 0; oh < out_height; ++oh) {
                    for (std::size_t ow = 0; ow < out_width; ++ow)
                        for (std::size_t f = 0; f < Filters; ++f) {
                            const T* w = params + f * kernel_size;
                            T acc = bias[f];
                            window::for_each_tap(oh, ow, [&](std::size_t tap, std::size_t xo) {
                                const T* wp = w + tap * channels;
                                for (std::size_t c = 0; c < channels; ++c) acc = detail::multiply_add(wp[c], x[xo + c], acc);
                            });
                            y[(oh * out_width + ow) * Filters + f] = acc;
                        }
                    activate_row<Activation>(y + oh * out_width * Filters);
                }
            }
        }

#if defined(CTNN_ONE_CHANNEL_PAIRS)
        // One input channel and eight filters at stride 1: two pixels or two taps per vector
        // (ctnn/layers/conv2d_one_channel.hpp), for the forward pass and the kernel gradients.
        static constexpr bool one_channel_pairs = channels == 1 && Filters == 8 && Stride == 1 && out_width >= 2;
        using one_channel_convolution =
            detail::one_channel::convolution<height, width, KH, KW, rows::leading_padding, cols::leading_padding,
                                             out_height, out_width>;

        // Folded pools (ctnn/fused_pool.hpp) -------------------------------------------------
        // With AVX-512, a max-pool whose windows tile this layer's output: a 2 x 2 one after a
        // one-channel layer (its own kernels pool pairs of windows), any after a layer whose pixels
        // go in blocks and whose filters fill vectors of 16 (Pool::pool_band).
        template <class Pool>
        static constexpr bool folds = [] {
            if constexpr (Pool::foldable && out_height % Pool::window_rows == 0 && out_width % Pool::window_rows == 0) {
                if constexpr (one_channel_pairs)
                    return Pool::window_rows == 2;
                else
                    return filters_innermost && pixel_block > 1 && Pool::pools_bands;
            } else {
                return false;
            }
        }();

        // The forward pass with Activation, then Pool, folded in: Pool's output and choices are
        // written, this layer's output is not. Rows are computed a band of Pool's window at a
        // time into the stack and pooled from there.
        template <class Activation, class Pool, class T>
            requires(std::is_same_v<T, float> && folds<Pool>)
        [[gnu::noinline]] static void forward_pooled(const T* params, const T* x, T* pooled, T* choices, std::size_t batch) {
            const T* bias = params + Filters * kernel_size;
            T kernels[kernel_size][Filters];
            transpose_kernels(params, kernels);
            if constexpr (one_channel_pairs) {
                one_channel_convolution::template forward_max_pooled<Activation>(&kernels[0][0], bias, x, pooled,
                                                                                 choices, batch);
            } else {
                constexpr std::size_t band_rows = Pool::window_rows, pooled_row = Pool::output_shape::dims[1] * Filters;
                alignas(64) T band[band_rows][out_width * Filters];
                for (std::size_t s = 0; s < batch; ++s, x += In::size)
                    for (std::size_t oh = 0; oh < out_height; oh += band_rows) {
                        for (std::size_t r = 0; r < band_rows; ++r) {
                            for_each_row_block<output_row>(output_columns_inside, [&](auto part, std::size_t start) {
                                forward_block<output_row::size, decltype(part)::value>(kernels, bias, x, band[r],
                                                                                       oh + r, start);
                            });
                            activate_row<Activation>(band[r]);
                        }
                        Pool::pool_band(&band[0][0], pooled, choices);
                        pooled += pooled_row;
                        if (choices != nullptr) choices += pooled_row;
                    }
            }
        }
        // backward after forward_pooled, from Pool's choices, output and dL/d(its output). A
        // one-channel layer with no dL/dx to write makes dL/d(its output) from the choices as its
        // kernel-gradient sums go; otherwise the pool writes it to `dy` first, and backward follows.
        template <class Activation, class Pool, class T>
            requires(std::is_same_v<T, float> && folds<Pool>)
        [[gnu::noinline]] static void backward_pooled(const T* params, const T* x, const T* choices, const T* pooled,
                                                      const T* dpooled, T* dy, T* dx, T* dparams, std::size_t batch) {
            if constexpr (one_channel_pairs) {
                if (dx == nullptr) {
                    with_transposed_kernels(dparams, [&](T(&dkernels)[kernel_size][Filters], T* dbias) {
                        one_channel_convolution::template pooled_kernel_gradients<gradients_per_sample, Pool, Activation>(
                            x, choices, pooled, dpooled, &dkernels[0][0], dbias, batch);
                    });
                    return;
                }
            }
            Pool::template backward_from_choices<Activation>(choices, pooled, dpooled, dy, batch);
            backward(params, x, pooled, dy, dx, dparams, batch);
        }
#endif

#if defined(CTNN_SAMPLE_LANES)
        // Sixteen samples at once, one per vector lane (ctnn/sample_lanes.hpp), for the forward pass
        // (x to y) and dL/dx (dy to dx, as input_gradient_gather sums it): each lane adds the same
        // terms in the same order as the loops for one sample do, so the results are the same bits.
        // The vector no longer depends on the channel counts: M3's first convolution (8 filters, one
        // input channel) and the 8-channel dL/dx of its second used half-width vectors before.
        // Source rows turn into lanes once each, into a ring of KH rows; each output row is turned
        // back into samples as it is finished. Both live on the stack (at most lanes_stack_limit).
        template <bool InputGradient>
        struct lane_pass {
            static constexpr std::size_t src_height = InputGradient ? out_height : height;
            static constexpr std::size_t src_width = InputGradient ? out_width : width;
            static constexpr std::size_t src_channels = InputGradient ? Filters : channels;
            static constexpr std::size_t dst_height = InputGradient ? height : out_height;
            static constexpr std::size_t dst_width = InputGradient ? width : out_width;
            static constexpr std::size_t dst_channels = InputGradient ? channels : Filters;
            static constexpr std::size_t src_row = src_width * src_channels;
            static constexpr std::size_t dst_row = dst_width * dst_channels;
            static constexpr std::size_t stack_floats = (KH * src_row + dst_row) * detail::lanes::count;
        };
        // Only where the one-sample loops' vector, the destination channels, is shorter than a
        // register: with 16 it is full already, and the transposes only add (M3's second forward
        // convolution, batch 32: 76 us as it was, 84 in lanes).
        static constexpr std::size_t lanes_stack_limit = 64 * 1024;  // bytes
        template <bool InputGradient>
        static constexpr bool lanes_apply = Stride == 1 && lane_pass<InputGradient>::dst_channels < 16 &&
                                            lane_pass<InputGradient>::stack_floats * sizeof(float) <= lanes_stack_limit;

        // The source row (or column) that destination index d reads under kernel offset k, with the
        // source Extent long after Lead values of padding: d + k - Lead forward, d + Lead - k for
        // dL/dx; Extent where that lies outside the source.
        template <bool InputGradient, std::size_t Lead, std::size_t Extent>
        static constexpr std::size_t lane_source(std::size_t d, std::size_t k) {
            const std::size_t from = InputGradient ? d + Lead : d + k, back = InputGradient ? k : Lead;
            return from >= back && from - back < Extent ? from - back : Extent;
        }

        // Destination pixels [q, q + Pixels) of one row, each sum in the order of the one-pixel loop.
        // Interior pixels (lane_interior: every tap's source column inside) go two at a time: one
        // pixel's dst_channels sums alone were as many chains as the multiply-adds needed in flight
        // (eight, at four cycles each on two pipes), and no slack was left (M3's second
        // convolution's dL/dx alone, batch 32: about 80 -> 74 us; its step 1-2% faster). Pixels at
        // the edges go one at a time and skip the taps outside. Pairs that tested every tap for the
        // edge had GCC 12 keep accumulators and sources on the stack, which an Intel Xeon paid for
        // and a Zen 5 hardly did: without those tests, M3's step on the Xeon B/A 0.94 (clang 0.99).
        static constexpr std::size_t lane_pixels = 2;
        template <bool InputGradient, std::size_t Pixels, bool Interior>
        static void lane_block(const float* wt, const detail::lanes::vec (&first)[lane_pass<InputGradient>::dst_channels],
                               const float* const (&src_rows)[KH], std::size_t q, float* row) {
            using pass = lane_pass<InputGradient>;
            using detail::lanes::vec;
            constexpr std::size_t lanes = detail::lanes::count;
            // dL/dx sums start at a +0 the compiler can see (the same bits as first's): copied from
            // first, GCC 12 (-march=znver4) kept eight registers of zeros live through the whole
            // pass and moved the pair's sources to the stack, M3's step 10% slower on a Zen 5.
            vec acc[Pixels][pass::dst_channels];
#pragma GCC unroll 16
            for (std::size_t p = 0; p < Pixels; ++p)
#pragma GCC unroll 16
                for (std::size_t o = 0; o < pass::dst_channels; ++o) acc[p][o] = InputGradient ? vec{} : first[o];
            // The taps stay a loop: unrolled, this was the largest function of M3's step with
            // AVX-512 (16% of g++ -O2's compile instructions for the whole program: 9.39 -> 7.86 G)
            // and no faster (M3 step B/A 0.99, -O2 0.97; a 3 -> 8 -> 8 channel model 1.006, -O2 0.92).
#pragma GCC unroll 1
            for (std::size_t t = 0; t < KH * KW; ++t) {
                const std::size_t kh = InputGradient ? KH - 1 - t / KW : t / KW;
                const std::size_t kw = InputGradient ? KW - 1 - t % KW : t % KW;
                const std::size_t sc = lane_source<InputGradient, cols::leading_padding, pass::src_width>(q, kw);
                if (src_rows[kh] == nullptr || (!Interior && sc == pass::src_width)) continue;
                const float* w = wt + (kh * KW + kw) * pass::src_channels * pass::dst_channels;
                // Pixel p reads the source column p after pixel 0's.
                const float* source = src_rows[kh] + sc * pass::src_channels * lanes;
                for (std::size_t i = 0; i < pass::src_channels; ++i) {
                    vec v[Pixels];
#pragma GCC unroll 16
                    for (std::size_t p = 0; p < Pixels; ++p)
                        v[p] = detail::lanes::load(source + (p * pass::src_channels + i) * lanes);
#pragma GCC unroll 16
                    for (std::size_t o = 0; o < pass::dst_channels; ++o) {
                        const vec wo = detail::lanes::broadcast(w[i * pass::dst_channels + o]);
#pragma GCC unroll 16
                        for (std::size_t p = 0; p < Pixels; ++p) acc[p][o] = detail::multiply_add(v[p], wo, acc[p][o]);
                    }
                }
            }
#pragma GCC unroll 16
            for (std::size_t p = 0; p < Pixels; ++p)
#pragma GCC unroll 16
                for (std::size_t o = 0; o < pass::dst_channels; ++o)
                    detail::lanes::store(row + ((q + p) * pass::dst_channels + o) * lanes, acc[p][o]);
        }

        // The destination pixels of a row whose taps all read inside the source: [first, end). At
        // stride 1 those are the forward pass's whole windows (columns_inside), and for dL/dx the
        // input columns every kernel column reaches (input_columns_reach).
        struct pixel_range {
            std::size_t first, end;
        };
        template <bool InputGradient>
        static constexpr bool lane_column_interior(std::size_t q) {
            return InputGradient ? input_columns_reach(q, 1) : columns_inside(q);
        }
        template <bool InputGradient>
        static constexpr pixel_range lane_interior = [] {
            using pass = lane_pass<InputGradient>;
            constexpr auto interior = lane_column_interior<InputGradient>;
            pixel_range range{0, 0};
            while (range.first < pass::dst_width && !interior(range.first)) ++range.first;
            range.end = range.first;
            while (range.end < pass::dst_width && interior(range.end)) ++range.end;
            return range;
        }();

        // `groups` groups of 16 samples from src to dst. wt holds the kernels as
        // [tap][source channel][destination channel]; init the first value of each destination
        // channel's sum (the biases), or null for +0. The forward pass takes the taps in order,
        // dL/dx from the last to the first (the order of its scatter). Activation::apply is applied
        // to each finished output value.
        template <bool InputGradient, class Activation = detail::no_activation>
        static void lane_convolution(const float* wt, const float* init, const float* src, float* dst,
                                     std::size_t groups) {
            using pass = lane_pass<InputGradient>;
            using detail::lanes::vec;
            constexpr std::size_t lanes = detail::lanes::count;
            constexpr std::size_t src_size = InputGradient ? output_shape::size : In::size;
            constexpr std::size_t dst_size = InputGradient ? In::size : output_shape::size;
            alignas(64) float ring[KH][pass::src_row * lanes];
            alignas(64) float row[pass::dst_row * lanes];
            vec first[pass::dst_channels];
            for (std::size_t o = 0; o < pass::dst_channels; ++o) first[o] = detail::lanes::broadcast(init ? init[o] : 0.0f);
            for (std::size_t g = 0; g < groups; ++g, src += lanes * src_size, dst += lanes * dst_size) {
                std::size_t loaded = 0;  // source rows [0, loaded) have been turned into lanes
                for (std::size_t r = 0; r < pass::dst_height; ++r) {
                    // The last source row that output row r reads, plus one.
                    const std::size_t needed = InputGradient ? r + rows::leading_padding + 1
                                                             : r + KH - rows::leading_padding;
                    for (; loaded < needed && loaded < pass::src_height; ++loaded)
                        detail::lanes::to_lanes<pass::src_row>(src + loaded * pass::src_row, src_size,
                                                               ring[loaded % KH]);
                    // The ring row each kernel row reads; null where it lies outside the source.
                    const float* src_rows[KH];
                    for (std::size_t kh = 0; kh < KH; ++kh) {
                        const std::size_t sr =
                            lane_source<InputGradient, rows::leading_padding, pass::src_height>(r, kh);
                        src_rows[kh] = sr < pass::src_height ? ring[sr % KH] : nullptr;
                    }
                    constexpr pixel_range interior = lane_interior<InputGradient>;
                    std::size_t q = 0;
                    for (; q < interior.first; ++q) lane_block<InputGradient, 1, false>(wt, first, src_rows, q, row);
                    for (; q + lane_pixels <= interior.end; q += lane_pixels)
                        lane_block<InputGradient, lane_pixels, true>(wt, first, src_rows, q, row);
                    for (; q < pass::dst_width; ++q) lane_block<InputGradient, 1, false>(wt, first, src_rows, q, row);
                    if constexpr (!std::is_same_v<Activation, detail::no_activation>)
                        detail::apply_activation<Activation>(row, row, pass::dst_row * lanes);
                    detail::lanes::from_lanes<pass::dst_row>(row, dst + r * pass::dst_row, dst_size);
                }
            }
        }
#endif

        // Kernel gradients of taps [tap0, tap0 + Taps) (all channels and filters) stay in registers
        // while every sample's pixels stream by: each still adds the samples, then the pixels, in
        // order. A (tap, channel) row of dkernels loaded and stored per pixel bound M3's second
        // convolution by its stores (batch 32: 190 us; blocked 100 us). With `dbias` the bias
        // gradients ride along, in the same order. Each accumulator is one chain of additions, so a
        // pass needs many to fill the adders: with AVX-512 all taps go in one pass where they fit
        // (M3's first convolution, 9 chains of 8 filters, batch 32: 55 us; in passes of a kernel
        // row, 90 to 130). Elsewhere layers with fewer than 4 input channels keep passes of a kernel
        // row: less unrolled code to compile (M3 with training for the default x86-64 target, g++
        // -O2: 8.0 G instructions, 8.6 with whole passes).
        // With 16 registers a pass takes taps only while they fit in a register file's worth of
        // floats (128), and at least one: the accumulators spill either way, and more taps to a
        // pass (three of M3's second convolution) cost compile time, most of it in GCC's
        // induction-variable pass over the unrolled body. M3 with training, g++ -O2: 7.43 -> 6.33 G
        // instructions (x86-64), 9.02 -> 8.32 (-march=haswell); its step 1-3% slower (SSE2 and
        // AVX2, -O2 and -O3, one process against the commit before).
        static constexpr std::size_t gradient_accumulators = 384;  // 24 vectors of 16 floats
#if defined(__AVX512F__)
        static constexpr std::size_t gradient_taps_per_pass = KH * KW;
        static constexpr std::size_t pass_accumulators = gradient_accumulators;
#else
        static constexpr std::size_t gradient_taps_per_pass = channels < 4 ? KW : KH * KW;
        static constexpr std::size_t pass_accumulators = 128;
#endif
        static constexpr std::size_t taps_that_fit = pass_accumulators / (channels * Filters) > 0
                                                         ? pass_accumulators / (channels * Filters)
                                                         : 1;
        static constexpr std::size_t gradient_taps =
            channels * Filters > gradient_accumulators ? 0
            : taps_that_fit < gradient_taps_per_pass   ? taps_that_fit
                                                       : gradient_taps_per_pass;

        // Passes of whole kernel rows at stride 1 take interior pixels in pairs with GCC and AVX-512,
        // where it was measured (batch 32, min of 200: M3's second convolution 91 -> 84 us, its
        // first 50.6 -> 48.1). Clang 14 already ran the one-pixel loop at 211 GFLOP/s there, and
        // with pairs spilled its accumulators (68 -> 130 us). Elsewhere no second unrolled body is
        // compiled (M3 with training, g++ -O2 for x86-64: 7.7 G instructions; 8.7 with pairs).
#if defined(__AVX512F__) && !defined(__clang__)
        template <std::size_t Taps>
        static constexpr bool pair_pixels = Stride == 1 && Taps % KW == 0;
#else
        template <std::size_t>
        static constexpr bool pair_pixels = false;
#endif

        // One pixel's terms for the accumulators of taps [tap0, tap0 + Taps); with Checked, taps in
        // the padding are skipped.
        // Inline always: out of line, clang passed the accumulators through memory (M3's step,
        // clang -O3: add_kernel_gradient_pixel alone took 28% of it).
        template <std::size_t Taps, bool Checked, class T>
        [[gnu::always_inline]] static inline void add_kernel_gradient_pixel(T (&acc)[Taps * channels][Filters], const T* g, const T* x,
                                              std::size_t oh, std::size_t ow, std::size_t tap0) {
#pragma GCC unroll 64
            for (std::size_t t = 0; t < Taps; ++t) {
                const std::size_t kh = (tap0 + t) / KW, kw = (tap0 + t) % KW;
                const std::size_t ih = oh * Stride + kh, iw = ow * Stride + kw;
                if (Checked && (rows::in_padding(ih) || cols::in_padding(iw)))
                    continue;
                const T* xt = x + ((ih - rows::leading_padding) * width + (iw - cols::leading_padding)) * channels;
#pragma GCC unroll 64
                for (std::size_t c = 0; c < channels; ++c) {
                    const T xc = xt[c];
CTNN_GCC_KEEP_LOOP
                    for (std::size_t f = 0; f < Filters; ++f) acc[t * channels + c][f] = detail::multiply_add(g[f], xc, acc[t * channels + c][f]);
                }
            }
        }

        // Two neighbouring interior pixels, ow and ow + 1, for a pass of whole kernel rows at stride
        // 1: the input under tap (kh, kw) of the second is under (kh, kw + 1) of the first, so
        // each input value is loaded and broadcast once for both. Each accumulator still adds the
        // first pixel's term before the second's. With one pixel at a time M3's second convolution
        // was bound by its broadcasts (24 per 24 multiply-adds; two loads a cycle).
        template <std::size_t Taps, class T>
        [[gnu::always_inline]] static inline void add_kernel_gradient_pair(T (&acc)[Taps * channels][Filters],
                                                                         const T* g0, const T* g1, const T* x,
                                                                         std::size_t oh, std::size_t ow,
                                                                         std::size_t kh0) {
#pragma GCC unroll 16
            for (std::size_t r = 0; r < Taps / KW; ++r) {
                const T* xr = x + ((oh + kh0 + r - rows::leading_padding) * width + (ow - cols::leading_padding)) * channels;
#pragma GCC unroll 16
                for (std::size_t j = 0; j <= KW; ++j)
#pragma GCC unroll 64
                    for (std::size_t c = 0; c < channels; ++c) {
                        const T xc = xr[j * channels + c];
                        if (j < KW) {
                            T* first = acc[(r * KW + j) * channels + c];
CTNN_GCC_KEEP_LOOP
                            for (std::size_t f = 0; f < Filters; ++f) first[f] = detail::multiply_add(g0[f], xc, first[f]);
                        }
                        if (j > 0) {
                            T* second = acc[(r * KW + j - 1) * channels + c];
CTNN_GCC_KEEP_LOOP
                            for (std::size_t f = 0; f < Filters; ++f) second[f] = detail::multiply_add(g1[f], xc, second[f]);
                        }
                    }
            }
        }

        template <std::size_t Taps, class T>
        [[gnu::noinline]] CTNN_GCC_ALLOW_STORE_DATA_RACES static void kernel_gradient_taps(const T* x, const T* dy, T (&dkernels)[kernel_size][Filters],
                                                           T* dbias, std::size_t tap0, std::size_t batch) {
            // dbias null: the bias gradients belong to another block. A run-time test rather than a
            // template parameter: one copy of this fully unrolled function less to compile (M3
            // with training, g++ -O2: 2.0 -> 1.85 s).
            const bool with_bias = dbias != nullptr;
            // One pass over all taps starts at tap 0. Said as a constant, every tap is a constant
            // offset from the pixel and GCC keeps no per-tap pointers on the stack (M3's step,
            // batch 32: about -8 us, min of 30 x 50, interleaved).
            if constexpr (Taps == KH * KW) tap0 = 0;
            T acc[Taps * channels][Filters];
            T bias_acc[Filters] = {};  // set when with_bias; zeroed so GCC sees it initialised
            for (std::size_t r = 0; r < Taps * channels; ++r)
                for (std::size_t f = 0; f < Filters; ++f) acc[r][f] = dkernels[tap0 * channels + r][f];
            if (with_bias)
                for (std::size_t f = 0; f < Filters; ++f) bias_acc[f] = dbias[f];
            for (std::size_t s = 0; s < batch; ++s, x += In::size, dy += output_shape::size)
                for (std::size_t oh = 0; oh < out_height; ++oh)
                    for (std::size_t ow = 0; ow < out_width; ++ow) {
                        const T* g = dy + (oh * out_width + ow) * Filters;
                        if constexpr (pair_pixels<Taps>) {
                            if (ow + 1 < out_width && interior(oh, ow) && interior(oh, ow + 1)) {
                                if (with_bias) {
CTNN_GCC_KEEP_LOOP
                                    for (std::size_t f = 0; f < Filters; ++f) bias_acc[f] += g[f];
CTNN_GCC_KEEP_LOOP
                                    for (std::size_t f = 0; f < Filters; ++f) bias_acc[f] += g[Filters + f];
                                }
                                add_kernel_gradient_pair<Taps>(acc, g, g + Filters, x, oh, ow, tap0 / KW);
                                ++ow;
                                continue;
                            }
                        }
                        if (with_bias)
CTNN_GCC_KEEP_LOOP
                            for (std::size_t f = 0; f < Filters; ++f) bias_acc[f] += g[f];
                        if (interior(oh, ow))
                            add_kernel_gradient_pixel<Taps, false>(acc, g, x, oh, ow, tap0);
                        else
                            add_kernel_gradient_pixel<Taps, true>(acc, g, x, oh, ow, tap0);
                    }
            for (std::size_t r = 0; r < Taps * channels; ++r)
                for (std::size_t f = 0; f < Filters; ++f) dkernels[tap0 * channels + r][f] = acc[r][f];
            if (with_bias)
                for (std::size_t f = 0; f < Filters; ++f) dbias[f] = bias_acc[f];
        }

        // Layers whose taps' gradients do not fit in registers: a (tap, channel) row per pixel.
        template <class T>
        static void kernel_gradient_pixels(const T* x, const T* dy, T (&dkernels)[kernel_size][Filters], T* dbias,
                                           std::size_t batch) {
            const T* xs = x;
            const T* dys = dy;
            for (std::size_t s = 0; s < batch; ++s, xs += In::size, dys += output_shape::size)
                for (std::size_t oh = 0; oh < out_height; ++oh)
                    for (std::size_t ow = 0; ow < out_width; ++ow) {
                        const T* g = dys + (oh * out_width + ow) * Filters;
                        for (std::size_t f = 0; f < Filters; ++f) dbias[f] += g[f];
                        const auto add_tap = [&](std::size_t tap, std::size_t xo) {
                            for (std::size_t c = 0; c < channels; ++c) {
                                T* dk = dkernels[tap * channels + c];
                                const T xc = xs[xo + c];
#pragma GCC unroll 1
                                for (std::size_t f = 0; f < Filters; ++f) dk[f] = detail::multiply_add(g[f], xc, dk[f]);
                            }
                        };
                        if (interior(oh, ow)) {
                            const std::size_t origin = window_origin(oh, ow);
                            for (std::size_t kh = 0; kh < KH; ++kh)
                                for (std::size_t kw = 0; kw < KW; ++kw)
                                    add_tap(kh * KW + kw, origin + (kh * width + kw) * channels);
                        } else {
                            window::for_each_tap(oh, ow, add_tap);
                        }
                    }
        }

        // dL/dx with stride 1, gathered: each input value's sum is computed whole, its terms in the
        // order of the scatter below (output pixels in row-major order, so taps from the last to
        // the first, then filters in order), starting from +0. Kernels transposed to
        // [tap][filter][channel] make the channels a vector; input_gradient_pixels pixels of a row
        // are independent chains. Scattered, every term reloaded and stored its run of dx: M3's
        // second convolution, batch 32: 190 us; gathered 160 us (blocks of 4 and 14 pixels measured slower).
        // (Fewer for wide inputs: at most 128 accumulators, and one pixel's channels at least.)
        static constexpr std::size_t input_gradient_pixels = channels >= 128 ? 1 : 128 / channels < 8 ? 128 / channels : 8;

        // Pixels [iw0, iw0 + Pixels) of input row ih of one sample; taps whose output column lies
        // outside the output are skipped (except inside, where there are none).
        template <std::size_t Pixels, row_part Part, class T>
        static void input_gradient_block(const T (&kernels)[KH * KW][Filters][channels], const T* dy, T* dx,
                                         std::size_t ih, std::size_t start) {
            const std::size_t iw0 = Part == row_part::first ? 0 : Part == row_part::last ? width - Pixels : start;
            T acc[Pixels][channels];
            for (std::size_t p = 0; p < Pixels; ++p)
                for (std::size_t c = 0; c < channels; ++c) acc[p][c] = T(0);
            for (std::size_t kh = KH; kh-- > 0;) {
                if (ih + rows::leading_padding < kh || ih + rows::leading_padding - kh >= out_height) continue;
                const T* g_row = dy + (ih + rows::leading_padding - kh) * out_width * Filters;
#pragma GCC unroll 16
                for (std::size_t r = 0; r < KW; ++r)
                    for (std::size_t f = 0; f < Filters; ++f) {
                        const std::size_t kw = KW - 1 - r;
                        const T* w = kernels[kh * KW + kw][f];
#pragma GCC unroll 16
                        for (std::size_t p = 0; p < Pixels; ++p) {
                            const std::size_t column = iw0 + p + cols::leading_padding;
                            if (Part != row_part::inside && (column < kw || column - kw >= out_width)) continue;
                            const T gf = g_row[(column - kw) * Filters + f];
CTNN_GCC_KEEP_LOOP
                            for (std::size_t c = 0; c < channels; ++c) acc[p][c] = detail::multiply_add(gf, w[c], acc[p][c]);
                        }
                    }
            }
            for (std::size_t p = 0; p < Pixels; ++p)
                for (std::size_t c = 0; c < channels; ++c) dx[((ih * width) + iw0 + p) * channels + c] = acc[p][c];
        }

        using input_row = row_blocks<width, input_gradient_pixels>;
        // Input columns [iw0, iw0 + count) reach an output column through every kernel column.
        static constexpr bool input_columns_reach(std::size_t iw0, std::size_t count) {
            return iw0 + cols::leading_padding >= KW - 1 && iw0 + count - 1 + cols::leading_padding < out_width;
        }
        static constexpr bool input_columns_inside(std::size_t iw0) { return input_columns_reach(iw0, input_row::size); }

        template <class T>
        [[gnu::noinline]] static void input_gradient_gather(const T* params, const T* dy, T* dx, std::size_t batch) {
            T kernels[KH * KW][Filters][channels];
            for (std::size_t f = 0; f < Filters; ++f)
                for (std::size_t t = 0; t < KH * KW; ++t)
                    for (std::size_t c = 0; c < channels; ++c)
                        kernels[t][f][c] = params[f * kernel_size + t * channels + c];
#if defined(CTNN_SAMPLE_LANES)
            if constexpr (std::is_same_v<T, float> && lanes_apply<true>) {
                const std::size_t groups = batch / detail::lanes::count;
                lane_convolution<true>(&kernels[0][0][0], nullptr, dy, dx, groups);
                batch -= groups * detail::lanes::count;
                dy += groups * detail::lanes::count * output_shape::size;
                dx += groups * detail::lanes::count * In::size;
            }
#endif
            for (std::size_t s = 0; s < batch; ++s, dy += output_shape::size, dx += In::size)
                for (std::size_t ih = 0; ih < height; ++ih)
                    for_each_row_block<input_row>(input_columns_inside, [&](auto part, std::size_t start) {
                        input_gradient_block<input_row::size, decltype(part)::value>(kernels, dy, dx, ih, start);
                    });
        }

        // A layer with few gradients (M3's first: 72 kernel values and 8 biases) would otherwise
        // sum each in one chain of additions over the whole batch (25088 terms there), each term
        // waiting for the one before: latency, not arithmetic, bounds it. Such a layer sums each
        // sample's terms from zero, in order, and adds that sum to the gradient, so that samples
        // run side by side. The generated C sums its one sample the same way.
        static constexpr bool gradients_per_sample = Filters * kernel_size < 128;
        static_assert(!gradients_per_sample || filters_innermost, "the shared nest in backward sums per batch");

        // Adds the terms of `batch` samples to dkernels and dbias, each gradient one running sum.
        template <class T>
        static void add_kernel_gradients(const T* x, const T* dy, T (&dkernels)[kernel_size][Filters], T* dbias,
                                         std::size_t batch) {
            if constexpr (gradient_taps > 0) {
                kernel_gradient_taps<gradient_taps>(x, dy, dkernels, dbias, 0, batch);
                for (std::size_t t = gradient_taps; t + gradient_taps <= KH * KW; t += gradient_taps)
                    kernel_gradient_taps<gradient_taps>(x, dy, dkernels, static_cast<T*>(nullptr), t, batch);
                if constexpr ((KH * KW) % gradient_taps != 0)
                    kernel_gradient_taps<(KH * KW) % gradient_taps>(
                        x, dy, dkernels, static_cast<T*>(nullptr), KH * KW / gradient_taps * gradient_taps, batch);
            } else {
                kernel_gradient_pixels(x, dy, dkernels, dbias, batch);
            }
        }

        // Kernel and bias gradients with the kernels transposed. Out of line, so that this copy
        // and input_gradient_gather's are never on the stack together.
        template <class T>
        [[gnu::noinline]] static void kernel_gradients(const T* x, const T* dy, T* dparams, std::size_t batch) {
            with_transposed_kernels(dparams, [&](T(&dkernels)[kernel_size][Filters], T* dbias) {
                add_kernel_gradients_transposed(x, dy, dkernels, dbias, batch);
            });
        }
        // sum(dkernels, dbias) on this layer's gradients in dparams, the kernels as [tap][filter].
        template <class T, class Sum>
        static void with_transposed_kernels(T* dparams, Sum sum) {
            T dkernels[kernel_size][Filters];
            transpose_kernels(dparams, dkernels);
            sum(dkernels, dparams + Filters * kernel_size);
            for (std::size_t f = 0; f < Filters; ++f)
                for (std::size_t k = 0; k < kernel_size; ++k) dparams[f * kernel_size + k] = dkernels[k][f];
        }
        template <class T>
        static void add_kernel_gradients_transposed(const T* x, const T* dy, T (&dkernels)[kernel_size][Filters],
                                                    T* dbias, std::size_t batch) {
#if defined(CTNN_ONE_CHANNEL_PAIRS)
            if constexpr (std::is_same_v<T, float> && one_channel_pairs)
                one_channel_convolution::template kernel_gradients<gradients_per_sample>(x, dy, &dkernels[0][0], dbias,
                                                                                         batch);
            else
#endif
            if constexpr (gradients_per_sample) {
                for (std::size_t s = 0; s < batch; ++s, x += In::size, dy += output_shape::size) {
                    T sample_kernels[kernel_size][Filters] = {}, sample_bias[Filters] = {};
                    add_kernel_gradients(x, dy, sample_kernels, sample_bias, 1);
                    for (std::size_t k = 0; k < kernel_size; ++k)
                        for (std::size_t f = 0; f < Filters; ++f) dkernels[k][f] += sample_kernels[k][f];
                    for (std::size_t f = 0; f < Filters; ++f) dbias[f] += sample_bias[f];
                }
            } else {
                add_kernel_gradients(x, dy, dkernels, dbias, batch);
            }
        }

        // Each gradient adds its terms in the order of the loop over samples, output pixels,
        // filters, taps and channels (with gradients_per_sample, the kernel and bias gradients
        // add each sample's sum); the kernel gradients and dL/dx are separate nests.
        template <class T>
        static void backward(const T* params, const T* x, const T*, const T* dy, T* dx, T* dparams, std::size_t batch) {
            T* dbias = dparams + Filters * kernel_size;
            if constexpr (filters_innermost) {
                kernel_gradients(x, dy, dparams, batch);
                if (dx == nullptr) return;
                // Gathered, a pixel's channels are the vector: layers with few input channels
                // (the first, as a rule) keep the scatter, whose vector is the filters, and do
                // not compile a second kernel (M3 with training, g++ -O2: 1.85 -> 1.7 s).
                if constexpr (Stride == 1 && channels >= 4) {
                    input_gradient_gather(params, dy, dx, batch);
                    return;
                }
                // One output pixel reaches an input value through one tap only, so adding the
                // filters innermost per tap keeps each dx's terms in the order above.
                for (std::size_t s = 0; s < batch; ++s, dy += output_shape::size, dx += In::size) {
                    for (std::size_t i = 0; i < In::size; ++i) dx[i] = T(0);
                    for (std::size_t oh = 0; oh < out_height; ++oh)
                        for (std::size_t ow = 0; ow < out_width; ++ow) {
                            const T* g = dy + (oh * out_width + ow) * Filters;
                            const auto add_tap = [&](std::size_t tap, std::size_t xo) {
                                T acc[channels];
                                for (std::size_t c = 0; c < channels; ++c) acc[c] = dx[xo + c];
                                for (std::size_t f = 0; f < Filters; ++f) {
                                    const T gf = g[f];
                                    const T* w = params + f * kernel_size + tap * channels;
#pragma GCC unroll 1
                                    for (std::size_t c = 0; c < channels; ++c) acc[c] = detail::multiply_add(gf, w[c], acc[c]);
                                }
                                for (std::size_t c = 0; c < channels; ++c) dx[xo + c] = acc[c];
                            };
                            if (interior(oh, ow)) {
                                // A kernel row's taps are adjacent in dx and in each filter's kernel:
                                // one run of KW * channels values, each adding the filters in order.
                                constexpr std::size_t run = KW * channels;
                                T* dx0 = dx + window_origin(oh, ow);
                                for (std::size_t kh = 0; kh < KH; ++kh) {
                                    T* dxr = dx0 + kh * width * channels;
                                    T acc[run];
                                    for (std::size_t l = 0; l < run; ++l) acc[l] = dxr[l];
                                    for (std::size_t f = 0; f < Filters; ++f) {
                                        const T gf = g[f];
                                        const T* w = params + f * kernel_size + kh * run;
#pragma GCC unroll 1
                                        for (std::size_t l = 0; l < run; ++l) acc[l] = detail::multiply_add(gf, w[l], acc[l]);
                                    }
                                    for (std::size_t l = 0; l < run; ++l) dxr[l] = acc[l];
                                }
                            } else {
                                window::for_each_tap(oh, ow, add_tap);
                            }
                        }
                }
                return;
            }
            for (std::size_t s = 0; s < batch; ++s, x += In::size, dy += output_shape::size) {
                if (dx != nullptr)
                    for (std::size_t i = 0; i < In::size; ++i) dx[i] = T(0);
                for (std::size_t oh = 0; oh < out_height; ++oh)
                    for (std::size_t ow = 0; ow < out_width; ++ow)
                        for (std::size_t f = 0; f < Filters; ++f) {
                            const T g = dy[(oh * out_width + ow) * Filters + f];
                            dbias[f] += g;
                            window::for_each_tap(oh, ow, [&](std::size_t tap, std::size_t xo) {
                                const std::size_t wo = f * kernel_size + tap * channels;
                                for (std::size_t c = 0; c < channels; ++c) {
                                    dparams[wo + c] = detail::multiply_add(g, x[xo + c], dparams[wo + c]);
                                    if (dx != nullptr) dx[xo + c] = detail::multiply_add(g, params[wo + c], dx[xo + c]);
                                }
                            });
                        }
                if (dx != nullptr) dx += In::size;
            }
        }

        // Generated C (ctnn-gen), one sample: the loops above with the sizes as constants, the
        // transposed kernels included. When dx is optional the kernel gradients and dx of the
        // as-stored loops get a loop nest each, which changes no sum's order.
        static constexpr emit::layer_traits emit_traits{.backward_reads_input = true};

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            c.line("const float *kernels = ", b.params, ";");
            c.line("const float *bias = kernels + ", Filters * kernel_size, ";");
            c.line("const float *src = ", b.x, ";");
            c.line("float *dst = ", b.y, ";");
            if constexpr (filters_innermost) {
                emit_transpose(c, "float kernels_t", "kernels_t[k][f] = kernels[f * ");
                emit_forward_rows(c);
                return;
            }
            c.open("for (size_t oh = 0; oh < ", out_height, "; ++oh)");
            c.open("for (size_t ow = 0; ow < ", out_width, "; ++ow)");
            c.open("for (size_t f = 0; f < ", Filters, "; ++f)");
            c.line("const float *w = kernels + f * ", kernel_size, ";");
            c.line("float acc = bias[f];");
            emit::open_taps(c, emit_rows(), emit_cols());
            c.put("const float *xp = src + ");
            emit::put_tap_offset(c, emit_rows(), emit_cols(), channels);
            c.line(";");
            c.line("const float *wp = w + (kh * ", KW, " + kw) * ", channels, ";");
            c.line("for (size_t c = 0; c < ", channels, "; ++c) acc = CTNN_MULTIPLY_ADD(wp[c], xp[c], acc);");
            emit::close_taps(c);
            c.line("dst[(oh * ", out_width, " + ow) * ", Filters, " + f] = acc;");
            c.close();
            c.close();
            c.close();
        }

        template <emit::writer W>
        static void emit_backward(W& c, const emit::backward_buffers& b) {
            c.line("const float *src = ", b.x, ";");
            c.line("const float *g_out = ", b.dy, ";");
            c.line("float *g_kernels = ", b.dparams, ";");
            c.line("float *g_bias = g_kernels + ", Filters * kernel_size, ";");
            if constexpr (filters_innermost) {
                // The header's two nests: kernel gradients, then dL/dx.
                emit_transposed_kernel_gradients(c);
                if (b.dx_optional) c.open("if (", b.dx, " != NULL)");
                emit_input_gradient(c, b);
                if (b.dx_optional) c.close();
                return;
            }
            emit::emit_shared_nest_backward(c, b, In::size,
                                            [&](bool params, bool input) { emit_backward_nest(c, params, input); });
        }

        // Generated C over a batch (train_batch): the kernel gradients of one tap and a block of
        // channels stay in registers while every sample's pixels stream by, as kernel_gradient_taps
        // keeps them, where the per-sample loops load and store a row of them per multiply-add.
        // Each pass walks only the output pixels whose tap lies inside the input (a rectangle,
        // from two small tables), so no test sits in the loop; every sum keeps its order (samples,
        // then pixels in order, taps in the padding skipped). dL/dx stays per sample. M3's
        // train_batch, batch 32, -O3 -march=native, one process alternating: B/A 0.87 (gcc 12),
        // 0.86 (clang 14).
        static constexpr std::size_t emitted_gradient_floats = 256;  // 16 AVX-512 registers
        static constexpr std::size_t emitted_gradient_channels = [] {
            std::size_t block = channels;
            while (block > 1 && (block * Filters > emitted_gradient_floats || channels % block != 0)) --block;
            return block;
        }();
        template <emit::writer W>
            requires(filters_innermost && !gradients_per_sample)
        static void emit_batch_backward(W& c, const emit::backward_buffers& b, const emit::sample_loop& each) {
            constexpr std::size_t block = emitted_gradient_channels;
            c.line("float *g_kernels = ", b.dparams, ";");
            c.line("float *g_bias = g_kernels + ", Filters * kernel_size, ";");
            c.open("");
            c.line("float acc[", Filters, "];");
            c.line("for (size_t f = 0; f < ", Filters, "; ++f) acc[f] = 0.0f;");
            each.open(c, "0", b.dy);
            c.line("const float *g_out = ", b.dy, ";");
            c.open("for (size_t p = 0; p < ", out_height * out_width, "; ++p)");
            c.line("CTNN_GCC_KEEP_LOOP");
            c.line("for (size_t f = 0; f < ", Filters, "; ++f) acc[f] += g_out[p * ", Filters, " + f];");
            c.close();
            c.close();
            c.line("for (size_t f = 0; f < ", Filters, "; ++f) g_bias[f] = acc[f];");
            c.close();
            c.line("/* the output rows and columns [first, end) whose tap kh (kw) lies inside the input */");
            emit_inside_table<rows, KH, out_height>(c, "rows_inside");
            emit_inside_table<cols, KW, out_width>(c, "cols_inside");
            c.open("for (size_t kh = 0; kh < ", KH, "; ++kh)");
            c.open("for (size_t kw = 0; kw < ", KW, "; ++kw)");
            if constexpr (block < channels) {
                c.open("for (size_t c0 = 0; c0 < ", channels, "; c0 += ", block, ")");
            } else {
                c.open("");
                c.line("const size_t c0 = 0;");
            }
            c.line("float acc[", block, "][", Filters, "];");
            c.line("for (size_t c = 0; c < ", block, "; ++c)");
            c.line("    for (size_t f = 0; f < ", Filters, "; ++f) acc[c][f] = 0.0f;");
            each.open(c, "0", b.x, b.dy);
            c.line("const float *src = ", b.x, ";");
            c.line("const float *g_out = ", b.dy, ";");
            c.open("for (size_t oh = rows_inside[kh][0]; oh < rows_inside[kh][1]; ++oh)");
            c.open("for (size_t ow = cols_inside[kw][0]; ow < cols_inside[kw][1]; ++ow)");
            c.line("const float *g = g_out + (oh * ", out_width, " + ow) * ", Filters, ";");
            c.line("const float *xp = src + ((oh * ", Stride, " + kh - ", rows::leading_padding, ") * ", width, " + ow * ",
                   Stride, " + kw - ", cols::leading_padding, ") * ", channels, " + c0;");
            c.line("#pragma GCC unroll 16");
            c.open("for (size_t c = 0; c < ", block, "; ++c)");
            c.line("const float xc = xp[c];");
            c.line("CTNN_GCC_KEEP_LOOP");
            c.line("for (size_t f = 0; f < ", Filters, "; ++f) acc[c][f] = CTNN_MULTIPLY_ADD(g[f], xc, acc[c][f]);");
            c.close();
            c.close();
            c.close();
            c.close();
            c.line("for (size_t c = 0; c < ", block, "; ++c)");
            c.line("    for (size_t f = 0; f < ", Filters, "; ++f) g_kernels[f * ", kernel_size, " + (kh * ", KW,
                   " + kw) * ", channels, " + c0 + c] = acc[c][f];");
            c.close();
            c.close();
            c.close();
            if (b.dx.empty()) return;
            each.open(c, "0", b.dy, b.dx);
            c.line("const float *g_out = ", b.dy, ";");
            emit_input_gradient(c, b);
            c.close();
        }

        template <emit::writer W>
        static void emit_param_layout(W& c, std::size_t offset) {
            c.line("[", offset, ", ", offset + Filters * kernel_size, ")  kernels[", Filters, "][", KH, "][", KW, "][",
                   channels, "] (filter, row, column, channel)");
            c.line("[", offset + Filters * kernel_size, ", ", offset + param_count, ")  bias[", Filters, "]");
        }

    private:
        // `name`[k] = {first, end}: the outputs along Axis (Outputs of them) whose tap k lies
        // inside the input, a run without gaps ({0, 0} when none does).
        template <class Axis, std::size_t Taps, std::size_t Outputs, emit::writer W>
        static void emit_inside_table(W& c, std::string_view name) {
            c.put("static const size_t ", name, "[", Taps, "][2] = {");
            for (std::size_t k = 0; k < Taps; ++k) {
                std::size_t first = 0;
                while (first < Outputs && Axis::in_padding(first * Stride + k)) ++first;
                std::size_t end = first;
                while (end < Outputs && !Axis::in_padding(end * Stride + k)) ++end;
                if (first == Outputs) first = end = 0;
                c.put(k > 0 ? ", {" : "{", first, ", ", end, "}");
            }
            c.line("};");
        }
        static constexpr emit::window_axis emit_rows() { return window::emit_rows(); }
        static constexpr emit::window_axis emit_cols() { return window::emit_cols(); }
        // kernel_size x Filters array `declaration`, filled by `assignment` ("...[k][f] = src[f * ").
        template <emit::writer W>
        static void emit_transpose(W& c, std::string_view declaration, std::string_view assignment) {
            c.line(declaration, "[", kernel_size, "][", Filters, "];");
            c.open("for (size_t f = 0; f < ", Filters, "; ++f)");
            c.line("for (size_t k = 0; k < ", kernel_size, "; ++k) ", assignment, kernel_size, " + k];");
            c.close();
        }
        // The generated forward pass takes each output row in blocks of pixels (row_blocks, as the
        // header's forward): each pixel's sum is one chain of kernel_size additions, and a block's
        // pixels are independent chains. At most 128 floats of sums (eight AVX-512 registers, the
        // fewest chains that keep two fused multiply-add pipes of four cycles busy), at most 8
        // pixels. Until the nineteenth session blocks of 4 went only where the windows lay inside
        // the row and the pixels at its ends one at a time, one chain each, which took most of M3's
        // second convolution. This way, M3 in the generated C, one process alternating, same bits:
        // one-image inference 0.66x, batch-32 training step 0.89x (gcc -O3 -march=native, Zen 5);
        // 0.94x and 0.99x with -march=haswell, 0.83x and 0.95x for SSE2, 0.81x and 0.99x with clang.
        // With the gather's blocks below: inference 0.66x, train_batch 0.76x. Cortex-M4 code for M3
        // with training: -Os 20.2 -> 19.5 KB (nothing unrolled), -O2 23.3 -> 40.8 KB.
        static constexpr std::size_t emitted_pixel_block = Filters >= 128 ? 1 : 128 / Filters < 8 ? 128 / Filters : 8;
        using emitted_row = row_blocks<out_width, emitted_pixel_block>;
        // Outputs [first, end) along one axis (`extent` of them) whose windows lie wholly inside
        // the input along it, by inside(index).
        struct inside_span {
            std::size_t first, end;
        };
        static constexpr inside_span span_inside(std::size_t extent, bool (*inside)(std::size_t)) {
            std::size_t first = 0;
            while (first < extent && !inside(first)) ++first;
            std::size_t end = first;
            while (end < extent && inside(end)) ++end;
            return {first, end};
        }
        static constexpr inside_span inside_rows = span_inside(out_height, rows_inside);
        static constexpr bool emitted_block_inside(std::size_t ow0) {
            return columns_inside(ow0) && columns_inside(ow0 + emitted_row::size - 1);
        }

        // The rows of a loop over oh: visit(false) writes what rows whose windows lie inside the
        // input run, visit(true) what the others run, each in its branch of a test of oh where a
        // layer has both kinds.
        template <emit::writer W, class Visit>
        static void emit_split_rows(W& c, Visit visit) {
            constexpr inside_span rows_span = inside_rows;
            constexpr bool some_inside = rows_span.first < rows_span.end;
            constexpr bool some_outside = rows_span.first > 0 || rows_span.end < out_height;
            if constexpr (some_inside && some_outside) {
                c.put("if (");
                if (rows_span.first > 0) c.put("oh >= ", rows_span.first, rows_span.end < out_height ? " && " : "");
                if (rows_span.end < out_height) c.put("oh < ", rows_span.end);
                c.open(")");
                visit(false);
                c.close();
                c.open("else");
                visit(true);
                c.close();
            } else {
                visit(some_outside);
            }
        }

        // A row of Extent values in Blocks (a row_blocks), as the generated C walks it: the first
        // and last block at their fixed columns (`index` a constant there, so that tests of their
        // taps have constant operands once the compiler unrolls the block), the middle ones in a
        // loop; the last may overlap the one before it, which computes those values again.
        // visit(tested) writes a block from `index`, with tests where inside(start) says a block
        // reaches past the input.
        template <class Blocks, std::size_t Extent, emit::writer W, class Visit>
        static void emit_row_of_blocks(W& c, std::string_view index, bool (*inside)(std::size_t), Visit visit) {
            c.open("");
            c.line("const size_t ", index, " = 0;");
            visit(!inside(0));
            c.close();
            if constexpr (Blocks::count > 2) {
                bool middle_inside = true;
                for (std::size_t b = 1; b + 1 < Blocks::count; ++b) middle_inside = middle_inside && inside(b * Blocks::size);
                c.open("for (size_t ", index, " = ", Blocks::size, "; ", index, " < ", (Blocks::count - 1) * Blocks::size,
                       "; ", index, " += ", Blocks::size, ")");
                visit(!middle_inside);
                c.close();
            }
            if constexpr (Blocks::count > 1) {
                c.open("");
                c.line("const size_t ", index, " = ", Extent - Blocks::size, ";");
                visit(!inside(Extent - Blocks::size));
                c.close();
            }
        }

        // Rows whose windows lie inside the input take no row test, the others a copy that tests
        // each kernel row: with the test in every row's block GCC 12 kept the sums on the stack
        // between kernel rows (M3's one-image inference in the generated C, 10.1 -> 8.0 us).
        template <emit::writer W>
        static void emit_forward_rows(W& c) {
            c.open("for (size_t oh = 0; oh < ", out_height, "; ++oh)");
            emit_split_rows(c, [&](bool rows_tested) {
                emit_row_of_blocks<emitted_row, out_width>(c, "ow", emitted_block_inside, [&](bool columns_tested) {
                    emit_pixel_block(c, rows_tested, columns_tested);
                });
            });
            c.close();
        }
        // emitted_row::size pixels from (oh, ow), each adding its taps in the order of for_each_tap.
        // Pixel p's taps read input column (ow + p) * Stride + kw - lead: the whole index is formed
        // before it is added to src, as a tap in the padding may lie before the row's start.
        template <emit::writer W>
        static void emit_pixel_block(W& c, bool rows_tested, bool columns_tested) {
            constexpr std::size_t block = emitted_row::size;
            constexpr emit::window_axis cols_axis = emit_cols();
            c.line("float acc[", block, "][", Filters, "];");
            c.line("for (size_t p = 0; p < ", block, "; ++p)");
            c.line("    for (size_t f = 0; f < ", Filters, "; ++f) acc[p][f] = bias[f];");
            if (rows_tested) {
                emit::open_tap_axis(c, emit_rows(), "kh", "oh", "ih");
            } else {
                c.open("for (size_t kh = 0; kh < ", KH, "; ++kh)");
                c.line("const size_t ih = oh * ", Stride, " + kh;");
            }
            if (columns_tested) c.line("CTNN_UNROLL_BLOCK");
            c.open("for (size_t kw = 0; kw < ", KW, "; ++kw)");
            c.open("for (size_t c = 0; c < ", channels, "; ++c)");
            c.line("const float *wc = kernels_t[(kh * ", KW, " + kw) * ", channels, " + c];");
            c.line("CTNN_UNROLL_BLOCK");
            c.open("for (size_t p = 0; p < ", block, "; ++p)");
            c.line("const size_t iw = (ow + p) * ", Stride, " + kw;");
            if (columns_tested) emit::skip_padding(c, cols_axis, "iw");
            c.put("const float xc = src[");
            emit::put_tap_offset(c, emit_rows(), cols_axis, channels);
            c.line(" + c];");
            c.line("CTNN_GCC_KEEP_LOOP");
            c.line("for (size_t f = 0; f < ", Filters, "; ++f) acc[p][f] = CTNN_MULTIPLY_ADD(wc[f], xc, acc[p][f]);");
            c.close();
            c.close();
            c.close();
            c.close();
            c.line("for (size_t p = 0; p < ", block, "; ++p)");
            c.line("    for (size_t f = 0; f < ", Filters, "; ++f) dst[(oh * ", out_width, " + ow + p) * ", Filters,
                   " + f] = acc[p][f];");
        }

        // The taps of the window at (oh, ow), then the loop over channels; `input` names the
        // tap's input pointer (its offset follows), and tap is kh * KW + kw as for_each_tap's.
        template <emit::writer W>
        static void open_filters_taps(W& c, std::string_view input) {
            emit::open_taps(c, emit_rows(), emit_cols());
            c.put(input);
            emit::put_tap_offset(c, emit_rows(), emit_cols(), channels);
            c.line(";");
            c.line("const size_t tap = kh * ", KW, " + kw;");
            c.open("for (size_t c = 0; c < ", channels, "; ++c)");
        }
        // With gradients_per_sample the sums start from zero and are added to the gradients at
        // the end, as the header adds each sample's. Those sums fit in registers, and each row's
        // pixels whose windows lie inside the input take their taps unrolled and without tests,
        // in a loop of their own between the row's edge pixels (the same order): GCC then keeps the
        // sums in registers through it, where every pixel had loaded and stored each tap's sums
        // (M3's first convolution in the generated C).
        template <emit::writer W>
        static void emit_transposed_kernel_gradients(W& c) {
            c.open("");
            if constexpr (gradients_per_sample) {
                c.line("float g_kernels_t[", kernel_size, "][", Filters, "];");
                c.line("float g_bias_sum[", Filters, "];");
                c.line("for (size_t f = 0; f < ", Filters, "; ++f) g_bias_sum[f] = 0.0f;");
                c.line("for (size_t k = 0; k < ", kernel_size, "; ++k)");
                c.line("    for (size_t f = 0; f < ", Filters, "; ++f) g_kernels_t[k][f] = 0.0f;");
            } else {
                emit_transpose(c, "float g_kernels_t", "g_kernels_t[k][f] = g_kernels[f * ");
            }
            c.open("for (size_t oh = 0; oh < ", out_height, "; ++oh)");
            if constexpr (gradients_per_sample) {
                constexpr inside_span columns = span_inside(out_width, columns_inside);
                emit_kernel_gradient_pixels(c, 0, columns.first, true);
                if constexpr (columns.first < columns.end)
                    emit_split_rows(c, [&](bool rows_tested) {
                        emit_kernel_gradient_pixels(c, columns.first, columns.end, rows_tested);
                    });
                emit_kernel_gradient_pixels(c, columns.end, out_width, true);
            } else {
                emit_kernel_gradient_pixels(c, 0, out_width, true);
            }
            c.close();
            c.open("for (size_t f = 0; f < ", Filters, "; ++f)");
            c.line("for (size_t k = 0; k < ", kernel_size, "; ++k) g_kernels[f * ", kernel_size, " + k] ",
                   gradients_per_sample ? "+" : "", "= g_kernels_t[k][f];");
            if constexpr (gradients_per_sample) c.line("g_bias[f] += g_bias_sum[f];");
            c.close();
            c.close();
        }
        // Pixels [first, end) of row oh: their bias and kernel gradient terms, in order.
        template <emit::writer W>
        static void emit_kernel_gradient_pixels(W& c, std::size_t first, std::size_t end, bool tested) {
            if (first >= end) return;
            c.open("for (size_t ow = ", first, "; ow < ", end, "; ++ow)");
            c.line("const float *g = g_out + (oh * ", out_width, " + ow) * ", Filters, ";");
            c.line("for (size_t f = 0; f < ", Filters, "; ++f) ", gradients_per_sample ? "g_bias_sum" : "g_bias",
                   "[f] += g[f];");
            if (tested) {
                open_filters_taps(c, "const float *xp = src + ");
            } else {
                c.line("CTNN_UNROLL_BLOCK");
                c.open("for (size_t kh = 0; kh < ", KH, "; ++kh)");
                c.line("const size_t ih = oh * ", Stride, " + kh;");
                c.line("CTNN_UNROLL_BLOCK");
                c.open("for (size_t kw = 0; kw < ", KW, "; ++kw)");
                c.line("const size_t iw = ow * ", Stride, " + kw;");
                c.put("const float *xp = src + ");
                emit::put_tap_offset(c, emit_rows(), emit_cols(), channels);
                c.line(";");
                c.line("const size_t tap = kh * ", KW, " + kw;");
                c.line("CTNN_UNROLL_BLOCK");
                c.open("for (size_t c = 0; c < ", channels, "; ++c)");
            }
            c.line("float *dk = g_kernels_t[tap * ", channels, " + c];");
            c.line("const float xc = xp[c];");
            c.line("#pragma GCC unroll 1");  // for clang too: without it clang's code ran 2x slower here
            c.line("for (size_t f = 0; f < ", Filters, "; ++f) dk[f] = CTNN_MULTIPLY_ADD(g[f], xc, dk[f]);");
            c.close();
            emit::close_taps(c);
            c.close();
        }
        // dL/dx at stride 1, gathered as input_gradient_gather sums it: each input value's sum
        // whole from +0, taps from the last to the first, then filters in order (the scatter's
        // order), the channels of neighbouring pixels as independent chains. Scattered, each dx
        // value waited on the multiply-add before it, through memory. Each input row goes in
        // blocks of at most emitted_gather_pixels (row_blocks, as the forward's): the first and
        // the last at their fixed columns, with a test per pixel and tap where taps reach past the
        // output's columns; the last may overlap the one before it, which computes those pixels
        // again. M3's train_batch, -O3 -march=native, one process alternating: B/A 0.94 with gcc
        // 12 against the scatter (blocks of 4: 1.09, 12: 1.10 against 8), 1.0 with clang 14; until
        // the nineteenth session the pixels at a row's ends went one at a time, one chain each.
        static constexpr std::size_t emitted_gather_pixels = 8;
        using emitted_gather_row = row_blocks<width, emitted_gather_pixels>;
        // dL/dx of one sample (kernels, g_in and the loops), gathered at stride 1.
        template <emit::writer W>
        static void emit_input_gradient(W& c, const emit::backward_buffers& b) {
            if constexpr (Stride == 1) {
                c.line("const float *kernels = ", b.params, ";");
                c.line("float *g_in = ", b.dx, ";");
                emit_gathered_input_gradient(c);
            } else {
                emit::declare_input_gradient(c, b, In::size);
                emit_transposed_input_gradient(c);
            }
        }
        static constexpr bool gather_block_inside(std::size_t iw0) {
            return input_columns_reach(iw0, emitted_gather_row::size);
        }
        // emitted_gather_row::size pixels from (ih, iw).
        template <emit::writer W>
        static void emit_gather_pixels(W& c, bool checked) {
            constexpr std::size_t pixels = emitted_gather_row::size;
            c.line("float acc[", pixels, "][", channels, "];");
            c.line("for (size_t p = 0; p < ", pixels, "; ++p)");
            c.line("    for (size_t c = 0; c < ", channels, "; ++c) acc[p][c] = 0.0f;");
            c.open("for (size_t kh = ", KH, "; kh-- > 0;)");
            c.line("if (ih + ", rows::leading_padding, " < kh || ih + ", rows::leading_padding, " - kh >= ", out_height,
                   ") continue;");
            c.line("const float *g_row = g_out + (ih + ", rows::leading_padding, " - kh) * ", out_width * Filters, ";");
            if (checked) c.line("CTNN_UNROLL_BLOCK");
            c.open("for (size_t kw = ", KW, "; kw-- > 0;)");
            c.open("for (size_t f = 0; f < ", Filters, "; ++f)");
            c.line("const float *w = kernels + f * ", kernel_size, " + (kh * ", KW, " + kw) * ", channels, ";");
            c.line("CTNN_UNROLL_BLOCK");
            c.open("for (size_t p = 0; p < ", pixels, "; ++p)");
            if (checked)
                c.line("if (iw + p + ", cols::leading_padding, " < kw || iw + p + ", cols::leading_padding,
                       " - kw >= ", out_width, ") continue;");
            c.line("const float gf = g_row[(iw + p + ", cols::leading_padding, " - kw) * ", Filters, " + f];");
            c.line("CTNN_GCC_KEEP_LOOP");
            c.line("for (size_t c = 0; c < ", channels, "; ++c) acc[p][c] = CTNN_MULTIPLY_ADD(gf, w[c], acc[p][c]);");
            c.close();
            c.close();
            c.close();
            c.close();
            c.line("for (size_t p = 0; p < ", pixels, "; ++p)");
            c.line("    for (size_t c = 0; c < ", channels, "; ++c) g_in[(ih * ", width, " + iw + p) * ", channels,
                   " + c] = acc[p][c];");
        }
        template <emit::writer W>
        static void emit_gathered_input_gradient(W& c) {
            c.open("for (size_t ih = 0; ih < ", height, "; ++ih)");
            emit_row_of_blocks<emitted_gather_row, width>(c, "iw", gather_block_inside,
                                                          [&](bool checked) { emit_gather_pixels(c, checked); });
            c.close();
        }
        template <emit::writer W>
        static void emit_transposed_input_gradient(W& c) {
            c.open("for (size_t oh = 0; oh < ", out_height, "; ++oh)");
            c.open("for (size_t ow = 0; ow < ", out_width, "; ++ow)");
            c.line("const float *g = g_out + (oh * ", out_width, " + ow) * ", Filters, ";");
            emit::open_taps(c, emit_rows(), emit_cols());
            c.put("float *dxp = g_in + ");
            emit::put_tap_offset(c, emit_rows(), emit_cols(), channels);
            c.line(";");
            c.line("const size_t tap = kh * ", KW, " + kw;");
            c.line("float acc[", channels, "];");
            c.line("for (size_t c = 0; c < ", channels, "; ++c) acc[c] = dxp[c];");
            c.open("for (size_t f = 0; f < ", Filters, "; ++f)");
            c.line("const float gf = g[f];");
            c.line("const float *w = kernels + f * ", kernel_size, " + tap * ", channels, ";");
            c.line("CTNN_GCC_KEEP_LOOP");
            c.line("for (size_t c = 0; c < ", channels, "; ++c) acc[c] = CTNN_MULTIPLY_ADD(gf, w[c], acc[c]);");
            c.close();
            c.line("for (size_t c = 0; c < ", channels, "; ++c) dxp[c] = acc[c];");
            emit::close_taps(c);
            c.close();
            c.close();
        }
        template <emit::writer W>
        static void emit_backward_nest(W& c, bool param_gradients, bool input_gradient) {
            c.open("for (size_t oh = 0; oh < ", out_height, "; ++oh)");
            c.open("for (size_t ow = 0; ow < ", out_width, "; ++ow)");
            c.open("for (size_t f = 0; f < ", Filters, "; ++f)");
            c.line("const float g = g_out[(oh * ", out_width, " + ow) * ", Filters, " + f];");
            if (param_gradients) c.line("g_bias[f] += g;");
            emit::open_taps(c, emit_rows(), emit_cols());
            c.put("const size_t xo = ");
            emit::put_tap_offset(c, emit_rows(), emit_cols(), channels);
            c.line(";");
            c.line("const size_t wo = f * ", kernel_size, " + (kh * ", KW, " + kw) * ", channels, ";");
            c.open("for (size_t c = 0; c < ", channels, "; ++c)");
            if (param_gradients) c.line("g_kernels[wo + c] = CTNN_MULTIPLY_ADD(g, src[xo + c], g_kernels[wo + c]);");
            if (input_gradient) c.line("g_in[xo + c] = CTNN_MULTIPLY_ADD(g, kernels[wo + c], g_in[xo + c]);");
            c.close();
            emit::close_taps(c);
            c.close();
            c.close();
            c.close();
        }
    };
};

}  // namespace ctnn
