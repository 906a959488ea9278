// The models of the generator's property test: hand-picked edge cases, then architectures drawn
// at compile time from a seed, each layer chosen among those that bind to the shape before it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <ratio>
#include <type_traits>
#include <utility>

#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>

#include <ctnn/layers/avg_pool2d.hpp>
#include <ctnn/layers/batch_norm.hpp>
#include <ctnn/layers/conv1d.hpp>
#include <ctnn/layers/conv2d.hpp>
#include <ctnn/layers/gru.hpp>
#include <ctnn/layers/lstm.hpp>
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/depthwise_conv2d.hpp>
#include <ctnn/layers/dropout.hpp>
#include <ctnn/layers/flatten.hpp>
#include <ctnn/layers/global_avg_pool2d.hpp>
#include <ctnn/layers/identity.hpp>
#include <ctnn/layers/leaky_relu.hpp>
#include <ctnn/layers/max_pool2d.hpp>
#include <ctnn/layers/relu.hpp>
#include <ctnn/layers/reshape.hpp>
#include <ctnn/layers/sigmoid.hpp>
#include <ctnn/layers/softmax.hpp>
#include <ctnn/layers/tanh.hpp>
#include <ctnn/loss/binary_cross_entropy.hpp>
#include <ctnn/loss/mse.hpp>
#include <ctnn/loss/softmax_cross_entropy.hpp>
#include <ctnn/model.hpp>

namespace property {

using namespace ctnn;
using boost::mp11::mp_list;
using leaky_fifth = leaky_relu<std::ratio<1, 5>>;
constexpr padding same = padding::same;
constexpr padding valid = padding::valid;
constexpr padding causal = padding::causal;

using fixed_models = mp_list<
    // The README's XOR network and the MLP whose sizes the issue quotes.
    sequential<input<2>, dense<5>, sigmoid, dense<1>, sigmoid>,
    sequential<input<784>, dense<128>, relu, dense<64>, relu, dense<10>, softmax>,
    // Every activation, and identity first, last, alone, twice.
    sequential<input<6>, dense<7>, leaky_fifth, dense<5>, ctnn::tanh, dense<4>, leaky_relu<>, dense<3>, softmax>,
    sequential<input<4>, identity, dense<3>, identity>,
    sequential<input<3>, identity>,
    sequential<input<3>, identity, identity, relu>,
    sequential<input<5>, relu, identity, sigmoid>,
    sequential<input<5>, softmax>,
    sequential<input<1>, dense<1>>,
    sequential<input<9>, dense<1>, sigmoid>,
    sequential<input<3>, sigmoid, ctnn::tanh, softmax, leaky_fifth>,
    // Several distributions per softmax; a rank-2 input.
    sequential<input<3, 4>, ctnn::tanh, softmax, leaky_fifth>,
    sequential<input<2, 3, 4>, softmax, identity, softmax>,
    // Recurrent layers: sequences, streams, backpropagation through time.
    sequential<input<6, 2>, gru<4>, dense<1>>,
    sequential<input<5, 3>, gru<3>, ctnn::tanh, gru<2>, dense<2>, softmax>,
    sequential<input<1, 1>, gru<1>>,
    sequential<input<7, 2>, lstm<3>, dense<1>, sigmoid>,
    sequential<input<4, 1>, lstm<2>, lstm<3>, gru<2>, relu, dense<2>>,
    sequential<input<4, 3>, dense<4>, relu, gru<5>, flatten, dense<2>, sigmoid>,
    // Dense over a sequence: one output row per input row.
    sequential<input<4, 3>, dense<5>, ctnn::tanh, dense<2>, sigmoid>,
    sequential<input<3, 1>, relu, dense<1>>,
    // Convolutions and pools, valid and same padding, odd sizes, strides.
    sequential<input<8, 8, 1>, conv2d<4, 3, 3>, relu, max_pool2d<2>, flatten, dense<10>, softmax>,
    sequential<input<7, 5, 2>, conv2d<3, 3, 2, 2, same>, ctnn::tanh, avg_pool2d<3, 2, same>, global_avg_pool2d, dense<2>>,
    sequential<input<6, 6, 3>, depthwise_conv2d<3, 3, 1, same>, relu, depthwise_conv2d<2, 2, 2>, flatten, sigmoid>,
    sequential<input<5, 5, 2>, max_pool2d<3, 2, same>, avg_pool2d<2, 1>, conv2d<2, 1, 1>, softmax>,
    sequential<input<4, 4, 2>, conv2d<3, 2, 2, 1, same>, reshape<48>, dense<3>, reshape<1, 1, 3>, max_pool2d<1>>,
    sequential<input<12>, reshape<2, 3, 2>, conv2d<2, 2, 2>, flatten, leaky_fifth>,
    // Rows wide enough for the generated forward's blocks of pixels, with leading padding at
    // stride 1 (blocks, then single pixels at both ends) and at stride 2.
    sequential<input<10, 11, 2>, conv2d<3, 3, 3, 1, same>, relu, conv2d<2, 3, 3, 2, same>, flatten, dense<2>>,
    // One input channel and eight filters: with AVX-512 the header's own kernels (two pixels or
    // two taps per vector), here with an odd width and a kernel row of odd length.
    sequential<input<9, 7, 1>, conv2d<8, 3, 5, 1, same>, relu, conv2d<2, 2, 2>, flatten, dense<3>>,
    // The same with a 2x2 max-pool after the relu, which the header's training folds into the
    // convolution (ctnn/fused_pool.hpp): as the first layer (no dL/dx), and after another (dL/dx
    // from the pool's choices).
    sequential<input<6, 10, 1>, conv2d<8, 3, 3, 1, same>, relu, max_pool2d<2>, flatten, dense<3>, softmax>,
    sequential<input<8, 6, 2>, conv2d<1, 1, 1>, conv2d<8, 3, 3>, relu, max_pool2d<2>, conv2d<2, 2, 2>, flatten, dense<2>>,
    // At least 128 kernel gradients, which the generated train_batch keeps in registers a tap at
    // a time (conv2d's emit_batch_backward): same padding at stride 1 before a pool, blocks of
    // channels (20 of them x 16 filters) at stride 2, valid padding, and kernel rows that never
    // reach a one-row input (a 5x5 kernel, same padding).
    sequential<input<6, 8, 8>, conv2d<16, 3, 3, 1, same>, relu, max_pool2d<2>, flatten, dense<3>>,
    sequential<input<5, 6, 20>, conv2d<16, 2, 3, 2, same>, relu, conv2d<8, 3, 3>, flatten, dense<2>>,
    sequential<input<1, 5, 4>, conv2d<8, 5, 5, 1, same>, ctnn::tanh, flatten, dense<2>>,
    sequential<input<6, 6, 1>, flatten, softmax>,
    sequential<input<2, 2, 2>, global_avg_pool2d>,
    // 1-D convolutions over (steps, channels): causal with dilation, strides, same padding,
    // a kernel as long as the input, one-tap kernels, and a sequence dense after them.
    sequential<input<16, 2>, conv1d<4, 3, 1, 2, causal>, relu, conv1d<2, 2, 2>, flatten, dense<3>>,
    sequential<input<9, 3>, conv1d<3, 4, 2, 1, same>, ctnn::tanh, conv1d<2, 2, 1, 3, same>, softmax>,
    sequential<input<11, 1>, conv1d<2, 3, 3, 2>, sigmoid, conv1d<1, 1, 1, 1, causal>, flatten, sigmoid>,
    sequential<input<10, 2>, conv1d<3, 3, 3, 1, causal>, leaky_fifth, dense<2>>,
    sequential<input<5, 2>, conv1d<3, 5>, conv1d<2, 1>>,
    sequential<input<7, 2>, conv1d<2, 2, 1, 3, causal>, conv1d<2, 3, 2, 2, same>, identity>>;

// ---------------------------------------------------------------------------------------------
// Random architectures

constexpr std::uint64_t mix(std::uint64_t key, std::uint64_t index) {
    std::uint64_t z = key + (index + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Layers that only the inference code supports (training needs batch statistics or noise).
using inference_only_layers = mp_list<batch_norm<>, dropout<>, dropout<std::ratio<1, 5>>>;

// A layer for a rank-1 input of N values.
template <std::size_t N, std::uint64_t R, bool InferenceOnly>
struct pick_rank1 {
    static constexpr std::size_t units = 1 + (R >> 8) % 12;
    using common = mp_list<dense<units>, dense<units + 12>, dense<units>, relu, sigmoid, ctnn::tanh, leaky_fifth,
                           leaky_relu<>, identity, softmax, flatten, reshape<N>>;
    using choices = boost::mp11::mp_if_c<InferenceOnly, boost::mp11::mp_append<common, inference_only_layers>, common>;
    using type = boost::mp11::mp_at_c<choices, R % boost::mp11::mp_size<choices>::value>;
};

// A layer for an (H, W, C) input that binds: valid padding only where the window fits and the
// pools tile the input, same padding otherwise.
template <std::size_t H, std::size_t W, std::size_t C, std::uint64_t R, bool InferenceOnly>
struct pick_rank3 {
    static constexpr std::size_t kh = 1 + (R >> 8) % 3;
    static constexpr std::size_t kw = 1 + (R >> 10) % 3;
    static constexpr std::size_t stride = 1 + (R >> 12) % 2;
    static constexpr std::size_t filters = 1 + (R >> 14) % 4;
    static constexpr bool fits = kh <= H && kw <= W;
    static constexpr padding conv_pad = ((R >> 16) & 1) && fits ? valid : same;
    static constexpr std::size_t pool = 1 + (R >> 18) % 3;
    static constexpr bool tiles = pool <= H && pool <= W && (H - pool) % stride == 0 && (W - pool) % stride == 0;
    static constexpr padding pool_pad = ((R >> 20) & 1) && tiles ? valid : same;
    using common = mp_list<conv2d<filters, kh, kw, stride, conv_pad>, conv2d<filters, kh, kw, 1, conv_pad>,
                           depthwise_conv2d<kh, kw, stride, conv_pad>, max_pool2d<pool, stride, pool_pad>,
                           avg_pool2d<pool, stride, pool_pad>, relu, ctnn::tanh, sigmoid, leaky_fifth, identity,
                           softmax, flatten, global_avg_pool2d, reshape<H * W * C>>;
    using choices = boost::mp11::mp_if_c<InferenceOnly, boost::mp11::mp_append<common, inference_only_layers>, common>;
    using type = boost::mp11::mp_at_c<choices, R % boost::mp11::mp_size<choices>::value>;
};

// A layer for an (A, B) input.
template <std::size_t A, std::size_t B, std::uint64_t R, bool InferenceOnly>
struct pick_rank2 {
    using common = mp_list<softmax, ctnn::tanh, leaky_fifth, identity, reshape<A * B>, reshape<A, B, 1>, flatten, relu>;
    using choices = boost::mp11::mp_if_c<InferenceOnly, boost::mp11::mp_append<common, inference_only_layers>, common>;
    using type = boost::mp11::mp_at_c<choices, R % boost::mp11::mp_size<choices>::value>;
};

template <class Shape, std::uint64_t R, bool InferenceOnly>
struct pick;
template <std::size_t N, std::uint64_t R, bool I>
struct pick<shape<N>, R, I> : pick_rank1<N, R, I> {};
template <std::size_t A, std::size_t B, std::uint64_t R, bool I>
struct pick<shape<A, B>, R, I> : pick_rank2<A, B, R, I> {};
template <std::size_t H, std::size_t W, std::size_t C, std::uint64_t R, bool I>
struct pick<shape<H, W, C>, R, I> : pick_rank3<H, W, C, R, I> {};

template <class Shape, std::uint64_t Seed, std::size_t Left, bool InferenceOnly, class... Layers>
struct grow {
    using layer = typename pick<Shape, mix(Seed, Left), InferenceOnly>::type;
    using next = typename layer::template bind<Shape, 1>::output_shape;
    using type = typename grow<next, Seed, Left - 1, InferenceOnly, Layers..., layer>::type;
};
template <class Shape, std::uint64_t Seed, bool InferenceOnly, class... Layers>
struct grow<Shape, Seed, 0, InferenceOnly, Layers...> {
    using type = mp_list<Layers...>;
};

template <std::uint64_t Seed, std::uint64_t R = mix(Seed, 1000)>
using start_shape = boost::mp11::mp_at_c<
    mp_list<shape<1 + R % 16>, shape<1 + (R >> 8) % 40>, shape<2 + (R >> 16) % 5, 2 + (R >> 20) % 5, 1 + (R >> 24) % 3>,
            shape<1 + (R >> 28) % 4, 1 + (R >> 32) % 5>>,
    (R >> 40) % 4>;

template <class Shape>
struct input_for;
template <std::size_t... D>
struct input_for<shape<D...>> {
    using type = input<D...>;
};

template <std::uint64_t Seed, bool InferenceOnly = false>
using random_model = boost::mp11::mp_apply<
    sequential,
    boost::mp11::mp_push_front<typename grow<start_shape<Seed>, Seed, 1 + mix(Seed, 2000) % 7, InferenceOnly>::type,
                               typename input_for<start_shape<Seed>>::type>>;

#ifndef CTNN_PROPERTY_RANDOM_MODELS
#define CTNN_PROPERTY_RANDOM_MODELS 64
#endif
#ifndef CTNN_PROPERTY_SEED
#define CTNN_PROPERTY_SEED 20260101
#endif

template <class Indices, bool InferenceOnly>
struct random_models_impl;
template <std::size_t... I, bool InferenceOnly>
struct random_models_impl<std::index_sequence<I...>, InferenceOnly> {
    using type = mp_list<random_model<mix(CTNN_PROPERTY_SEED + InferenceOnly, I), InferenceOnly>...>;
};

// Generated with training: forward, backward, loss and optimizers are compared too.
using models = boost::mp11::mp_append<
    fixed_models, typename random_models_impl<std::make_index_sequence<CTNN_PROPERTY_RANDOM_MODELS>, false>::type>;
inline constexpr std::size_t model_count = boost::mp11::mp_size<models>::value;

template <std::size_t K>
using model = boost::mp11::mp_at_c<models, K>;

// Generated for inference only: models with batch_norm or dropout, whose training ctnn-gen does
// not write.
using inference_models = boost::mp11::mp_append<
    mp_list<sequential<input<4>, dense<6>, batch_norm<>, relu, dropout<>, dense<2>>,
            sequential<input<5, 4, 3>, batch_norm<>, conv2d<2, 3, 3, 1, same>, batch_norm<std::ratio<1, 5>, std::ratio<1, 1000>>,
                       dropout<std::ratio<1, 3>>, global_avg_pool2d, softmax>,
            sequential<input<3>, dropout<>>, sequential<input<3>, batch_norm<>>, sequential<input<2, 6>, dropout<>, softmax>>,
    typename random_models_impl<std::make_index_sequence<CTNN_PROPERTY_RANDOM_MODELS / 4>, true>::type>;
inline constexpr std::size_t inference_model_count = boost::mp11::mp_size<inference_models>::value;

template <std::size_t K>
using inference_model = boost::mp11::mp_at_c<inference_models, K>;

// The loss each model trains with: the fused cross-entropy after a final softmax, binary
// cross-entropy after a sigmoid, mean squared error otherwise.
template <class Model>
using loss_for = std::conditional_t<
    std::is_same_v<typename Model::template layer<Model::layer_count - 1>::layer, softmax> && (Model::layer_count >= 2),
    softmax_cross_entropy,
    std::conditional_t<std::is_same_v<typename Model::template layer<Model::layer_count - 1>::layer, sigmoid>,
                       binary_cross_entropy, mse>>;

}  // namespace property
