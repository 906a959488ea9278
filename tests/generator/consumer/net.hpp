// The consumer's model: the XOR network, in a namespace of its own.
#pragma once
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/sigmoid.hpp>
#include <ctnn/model.hpp>

namespace consumer {
using net = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid>;
}
