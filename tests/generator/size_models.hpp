// Models whose generated code the size test measures (sizes.cmake): the MLP the issue quotes, and
// a narrower and a much wider one to show that code size does not grow with width.
#pragma once
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/relu.hpp>
#include <ctnn/layers/softmax.hpp>
#include <ctnn/model.hpp>

using mlp_784 = ctnn::sequential<ctnn::input<784>, ctnn::dense<128>, ctnn::relu, ctnn::dense<64>, ctnn::relu,
                                 ctnn::dense<10>, ctnn::softmax>;
using mlp_narrow = ctnn::sequential<ctnn::input<16>, ctnn::dense<8>, ctnn::relu, ctnn::dense<8>, ctnn::relu,
                                    ctnn::dense<4>, ctnn::softmax>;
using mlp_wide = ctnn::sequential<ctnn::input<4096>, ctnn::dense<2048>, ctnn::relu, ctnn::dense<1024>, ctnn::relu,
                                  ctnn::dense<10>, ctnn::softmax>;
