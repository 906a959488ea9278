// The Fashion-MNIST classifier: two 3x3 convolution blocks, then a small dense head.
#pragma once
#include <ctnn/layers/conv2d.hpp>
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/flatten.hpp>
#include <ctnn/layers/max_pool2d.hpp>
#include <ctnn/layers/relu.hpp>
#include <ctnn/layers/softmax.hpp>
#include <ctnn/model.hpp>

using fashion_net = ctnn::sequential<ctnn::input<28, 28, 1>,
                                     ctnn::conv2d<16, 3, 3, 1, ctnn::padding::same>, ctnn::relu, ctnn::max_pool2d<2>,
                                     ctnn::conv2d<32, 3, 3, 1, ctnn::padding::same>, ctnn::relu, ctnn::max_pool2d<2>,
                                     ctnn::flatten,
                                     ctnn::dense<64>, ctnn::relu,
                                     ctnn::dense<10>, ctnn::softmax>;
