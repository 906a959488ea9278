// ctnn/layers/conv2d.hpp: 2-D convolution over channels-last (H, W, C) inputs.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>

#include <ctnn/error.hpp>
#include <ctnn/initializer.hpp>
#include <ctnn/padding.hpp>
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
        using rows = spatial_axis<In::dims[0], KH, Stride, Pad>;
        using cols = spatial_axis<In::dims[In::rank > 1 ? 1 : 0], KW, Stride, Pad>;

        struct requirements {
            static_assert(error::check<In::rank == 3, error::at_layer<Position>, error::expects_rank<3>,
                                       error::got_shape<In>>,
                          "ctnn::conv2d needs a (height, width, channels) input: use ctnn::reshape to add "
                          "a channel dimension");
            static_assert(error::check<Filters != 0 && KH != 0 && KW != 0, error::at_layer<Position>>,
                          "ctnn::conv2d needs at least one filter and a kernel of at least 1x1");
            static_assert(error::check<Stride != 0, error::at_layer<Position>>, "ctnn::conv2d: stride must be at least 1");
            static_assert(error::check<Pad == padding::same || (KH <= In::dims[0] && KW <= In::dims[In::rank > 1 ? 1 : 0]),
                                       error::at_layer<Position>, error::got_shape<In>>,
                          "ctnn::conv2d: the kernel is larger than the input: use a smaller kernel or "
                          "ctnn::padding::same");
        };

        static constexpr std::size_t height = In::dims[0];
        static constexpr std::size_t width = In::rank > 1 ? In::dims[1] : 1;
        static constexpr std::size_t channels = In::rank > 2 ? In::dims[2] : 1;
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
            std::fill(params + Filters * kernel_size, params + param_count, T(0));
        }

        // Bias first, then kernel rows, columns and channels in order; taps in the padding are skipped.
        template <class T>
        static void forward(const T* params, const T* x, T* y, std::size_t batch) {
            const T* bias = params + Filters * kernel_size;
            for (std::size_t s = 0; s < batch; ++s, x += In::size, y += output_shape::size) {
                for (std::size_t oh = 0; oh < out_height; ++oh)
                    for (std::size_t ow = 0; ow < out_width; ++ow)
                        for (std::size_t f = 0; f < Filters; ++f) {
                            const T* w = params + f * kernel_size;
                            T acc = bias[f];
                            for (std::size_t kh = 0; kh < KH; ++kh) {
                                const std::size_t ih = oh * Stride + kh;
                                if (ih < rows::leading_padding || ih - rows::leading_padding >= height) continue;
                                for (std::size_t kw = 0; kw < KW; ++kw) {
                                    const std::size_t iw = ow * Stride + kw;
                                    if (iw < cols::leading_padding || iw - cols::leading_padding >= width) continue;
                                    const T* xp = x + ((ih - rows::leading_padding) * width + (iw - cols::leading_padding)) * channels;
                                    const T* wp = w + (kh * KW + kw) * channels;
                                    for (std::size_t c = 0; c < channels; ++c) acc += wp[c] * xp[c];
                                }
                            }
                            y[(oh * out_width + ow) * Filters + f] = acc;
                        }
            }
        }

        template <class T>
        static void backward(const T* params, const T* x, const T*, const T* dy, T* dx, T* dparams, std::size_t batch) {
            T* dbias = dparams + Filters * kernel_size;
            for (std::size_t s = 0; s < batch; ++s, x += In::size, dy += output_shape::size) {
                if (dx != nullptr) std::fill(dx, dx + In::size, T(0));
                for (std::size_t oh = 0; oh < out_height; ++oh)
                    for (std::size_t ow = 0; ow < out_width; ++ow)
                        for (std::size_t f = 0; f < Filters; ++f) {
                            const T g = dy[(oh * out_width + ow) * Filters + f];
                            dbias[f] += g;
                            for (std::size_t kh = 0; kh < KH; ++kh) {
                                const std::size_t ih = oh * Stride + kh;
                                if (ih < rows::leading_padding || ih - rows::leading_padding >= height) continue;
                                for (std::size_t kw = 0; kw < KW; ++kw) {
                                    const std::size_t iw = ow * Stride + kw;
                                    if (iw < cols::leading_padding || iw - cols::leading_padding >= width) continue;
                                    const std::size_t xo = ((ih - rows::leading_padding) * width + (iw - cols::leading_padding)) * channels;
                                    const std::size_t wo = f * kernel_size + (kh * KW + kw) * channels;
                                    for (std::size_t c = 0; c < channels; ++c) {
                                        dparams[wo + c] += g * x[xo + c];
                                        if (dx != nullptr) dx[xo + c] += g * params[wo + c];
                                    }
                                }
                            }
                        }
                if (dx != nullptr) dx += In::size;
            }
        }
    };
};

}  // namespace ctnn
