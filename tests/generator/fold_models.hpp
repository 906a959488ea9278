// Models for the --fold-batch-norm test: batch_norm after dense, conv2d and depthwise_conv2d
// (folded), and one at the input, after no layer with weights (kept).
#pragma once
#include <ratio>

#include <ctnn/layers/batch_norm.hpp>
#include <ctnn/layers/conv2d.hpp>
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/depthwise_conv2d.hpp>
#include <ctnn/layers/flatten.hpp>
#include <ctnn/layers/global_avg_pool2d.hpp>
#include <ctnn/layers/relu.hpp>
#include <ctnn/layers/softmax.hpp>
#include <ctnn/model.hpp>

// Two dense layers, each followed by a batch_norm (the second with another epsilon).
using fold_dense_net = ctnn::sequential<ctnn::input<8>, ctnn::dense<6>, ctnn::batch_norm<>, ctnn::relu, ctnn::dense<5>,
                                        ctnn::batch_norm<std::ratio<1, 5>, std::ratio<1, 1000>>, ctnn::dense<3>>;

// conv2d and depthwise_conv2d, each followed by a batch_norm, then a dense head.
using fold_conv_net =
    ctnn::sequential<ctnn::input<7, 6, 2>, ctnn::conv2d<4, 3, 3, 1, ctnn::padding::same>, ctnn::batch_norm<>, ctnn::relu,
                     ctnn::depthwise_conv2d<3, 3, 2, ctnn::padding::same>, ctnn::batch_norm<>, ctnn::flatten,
                     ctnn::dense<5>, ctnn::softmax>;

// A batch_norm on the input (nothing to fold it into: kept), one after a strided conv2d (folded),
// and a depthwise_conv2d with valid padding whose batch_norm is folded too.
using fold_mixed_net =
    ctnn::sequential<ctnn::input<6, 6, 3>, ctnn::batch_norm<>, ctnn::conv2d<4, 3, 3, 2, ctnn::padding::same>,
                     ctnn::batch_norm<std::ratio<1, 5>, std::ratio<1, 1000>>, ctnn::relu, ctnn::depthwise_conv2d<2, 2>,
                     ctnn::batch_norm<>, ctnn::global_avg_pool2d, ctnn::dense<2>>;

// Parameters with non-trivial batch_norm statistics and biases: ctnn::initialize from `seed`,
// then every batch_norm's gamma in [0.5, 1.5], beta in [-0.5, 0.5], running mean in [-1, 1] and
// running variance in [0.2, 3], and every bias elsewhere in [-0.3, 0.3]. Deterministic.
#include <cstdint>
#include <string_view>
#include <utility>

#include <ctnn/init.hpp>
#include <ctnn/parameters.hpp>

namespace fold_test {

inline double next_unit(std::uint64_t& state) {  // splitmix64 -> [0, 1)
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return double(z >> 11) * 0x1.0p-53;
}

template <class Model>
void perturbed_parameters(ctnn::parameters<Model, float>& params, std::uint64_t seed) {
    ctnn::initialize(params, seed);
    std::uint64_t state = seed * 7919 + 1;
    const auto uniform = [&](double lo, double hi) { return float(lo + (hi - lo) * next_unit(state)); };
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                using bound = typename Model::template layer<I>;
                float* p = params.values.data() + Model::param_offsets[I];
                if constexpr (bound::layer::name == std::string_view("batch_norm")) {
                    constexpr std::size_t c = bound::channels;
                    for (std::size_t k = 0; k < c; ++k) {
                        p[k] = uniform(0.5, 1.5);
                        p[c + k] = uniform(-0.5, 0.5);
                        p[2 * c + k] = uniform(-1.0, 1.0);
                        p[3 * c + k] = uniform(0.2, 3.0);
                    }
                } else if constexpr (bound::param_count > 0) {
                    constexpr std::size_t c = bound::output_shape::dims[bound::output_shape::rank - 1];
                    for (std::size_t k = bound::param_count - c; k < bound::param_count; ++k) p[k] = uniform(-0.3, 0.3);
                }
            }(),
            ...);
    }(std::make_index_sequence<Model::layer_count>{});
}

}  // namespace fold_test
