// A conv1d of 3 taps with dilation 4 spans 9 rows, more than the 8 steps it gets (valid padding).
// It is layer 2 (after a relu); the message must explain the dilated length and the ways out, with
// the position and the shape it got.
// expect-error: ctnn::conv1d: the kernel, \(Kernel - 1\) \* Dilation \+ 1 rows with its dilation, is longer than the input: use a smaller kernel or dilation, or ctnn::padding::same or ctnn::padding::causal
// expect: at_layer<2>
// expect: got_shape<ctnn::shape<8, 3> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using head = ctnn::conv1d<4, 3, 1, 4, ctnn::padding::causal>;
#else
using head = ctnn::conv1d<4, 3, 1, 4>;
#endif
using net = ctnn::sequential<ctnn::input<8, 3>, ctnn::relu, head, ctnn::flatten, ctnn::dense<2>>;

int main() {
    ctnn::parameters<net> params{};
    ctnn::initialize(params, 1);
    const ctnn::tensor<float, net::input_shape> signal{};
    const auto out = net::infer(params, signal);
    return out[0] > 0.5f ? 1 : 0;
}
