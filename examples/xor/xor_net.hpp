// The XOR network of the README: 2 inputs, 5 sigmoid hidden units, 1 sigmoid output.
#pragma once
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/sigmoid.hpp>
#include <ctnn/model.hpp>

using xor_net = ctnn::sequential<ctnn::input<2>,
                                 ctnn::dense<5>, ctnn::sigmoid,
                                 ctnn::dense<1>, ctnn::sigmoid>;
