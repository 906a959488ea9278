// padding::causal belongs to 1-D sequences: conv2d has no time axis to be causal along. The conv2d
// is layer 1; the message must say what to use instead.
// expect-error: ctnn::conv2d: padding::causal is for sequences \(ctnn::conv1d\): use padding::valid or padding::same
// expect: at_layer<1>
// expect: got_shape<ctnn::shape<8, 8, 1> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using stem = ctnn::conv2d<4, 3, 3, 1, ctnn::padding::same>;
#else
using stem = ctnn::conv2d<4, 3, 3, 1, ctnn::padding::causal>;
#endif
using net = ctnn::sequential<ctnn::input<8, 8, 1>, stem, ctnn::relu, ctnn::flatten, ctnn::dense<2>>;

int main() {
    ctnn::parameters<net> params{};
    ctnn::initialize(params, 1);
    const ctnn::tensor<float, net::input_shape> image{};
    const auto out = net::infer(params, image);
    return out[0] > 0.5f ? 1 : 0;
}
