// The ctnn twins of the PyTorch models in pytorch_models.py (same order of layers, same sizes).
#pragma once
#include <ratio>

#include <ctnn/ctnn.hpp>

#include "../../examples/fashion_mnist/fashion_net.hpp"

using onnx_mlp = ctnn::sequential<ctnn::input<20>, ctnn::dense<32>, ctnn::batch_norm<>, ctnn::leaky_relu<std::ratio<1, 10>>,
                                  ctnn::dense<16>, ctnn::tanh, ctnn::dense<8>, ctnn::sigmoid, ctnn::dense<5>, ctnn::softmax>;

using onnx_mixed = ctnn::sequential<ctnn::input<12, 12, 3>, ctnn::conv2d<8, 3, 3, 1, ctnn::padding::same>, ctnn::relu,
                                    ctnn::batch_norm<>, ctnn::depthwise_conv2d<3, 3, 1, ctnn::padding::same>, ctnn::leaky_relu<>,
                                    ctnn::avg_pool2d<2>, ctnn::conv2d<12, 3, 3, 2>, ctnn::sigmoid, ctnn::global_avg_pool2d,
                                    ctnn::dense<6>>;

using onnx_gru = ctnn::sequential<ctnn::input<8, 3>, ctnn::gru<6>, ctnn::flatten, ctnn::dense<4>>;

using onnx_lstm = ctnn::sequential<ctnn::input<10, 3>, ctnn::lstm<6>, ctnn::flatten, ctnn::dense<2>>;

// The Fashion-MNIST example's network: fashion_net (examples/fashion_mnist/fashion_net.hpp).
