// reshape<28, 28, 3> of 784 values: a reshape must keep the number of values (here the channel
// count is wrong). The reshape is layer 1; the message must name the rule, the position, the
// shape it got and the shape it was asked for.
// expect-error: ctnn::reshape must keep the number of values: the target shape's size differs from the input's
// expect: at_layer<1>
// expect: got_shape<ctnn::shape<784> ?>
// expect: expected_shape<ctnn::shape<28, 28, 3> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using unflatten = ctnn::reshape<28, 28, 1>;
#else
using unflatten = ctnn::reshape<28, 28, 3>;
#endif
using net = ctnn::sequential<ctnn::input<784>, unflatten, ctnn::conv2d<8, 3, 3>, ctnn::relu, ctnn::flatten,
                             ctnn::dense<10>, ctnn::softmax>;

int main() {
    ctnn::parameters<net> params{};
    ctnn::initialize(params, 1);
    const ctnn::tensor<float, net::input_shape> image{};
    const auto classes = net::infer(params, image);
    return classes[0] > 0.5f ? 1 : 0;
}
