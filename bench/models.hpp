// The three benchmark models as ctnn types. Every other implementation in bench/ builds the same
// architecture by hand or with its own library and takes its weights from these types' layout.
#pragma once
#include <ctnn/layers/conv2d.hpp>
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/flatten.hpp>
#include <ctnn/layers/max_pool2d.hpp>
#include <ctnn/layers/relu.hpp>
#include <ctnn/layers/sigmoid.hpp>
#include <ctnn/layers/softmax.hpp>
#include <ctnn/model.hpp>

// M1: XOR, 2-5-1, sigmoid after both layers; trained with MSE and Adam over the four samples.
using bench_m1 = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid>;

// M2: MLP 784-128-64-10 with ReLU; softmax cross-entropy, SGD on batches of 64.
using bench_m2 = ctnn::sequential<ctnn::input<784>, ctnn::dense<128>, ctnn::relu, ctnn::dense<64>, ctnn::relu,
                                  ctnn::dense<10>, ctnn::softmax>;

// M3: small CNN on 28x28x1; softmax cross-entropy, SGD on batches of 32.
using bench_m3 = ctnn::sequential<ctnn::input<28, 28, 1>,
                                  ctnn::conv2d<8, 3, 3, 1, ctnn::padding::same>, ctnn::relu, ctnn::max_pool2d<2>,
                                  ctnn::conv2d<16, 3, 3, 1, ctnn::padding::same>, ctnn::relu, ctnn::max_pool2d<2>,
                                  ctnn::flatten, ctnn::dense<10>, ctnn::softmax>;
