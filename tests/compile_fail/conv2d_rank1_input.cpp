// conv2d straight after a flat input<784>: it needs (height, width, channels). The conv2d is
// layer 1; the message must name the fix (reshape to add the channel dimension), the position,
// the rank it needs and the shape it got.
// expect-error: ctnn::conv2d needs a \(height, width, channels\) input: use ctnn::reshape to add a channel dimension
// expect: at_layer<1>
// expect: expects_rank<3>
// expect: got_shape<ctnn::shape<784> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using net = ctnn::sequential<ctnn::input<784>, ctnn::reshape<28, 28, 1>, ctnn::conv2d<8, 3, 3>, ctnn::relu,
                             ctnn::flatten, ctnn::dense<10>, ctnn::softmax>;
#else
using net = ctnn::sequential<ctnn::input<784>, ctnn::conv2d<8, 3, 3>, ctnn::relu, ctnn::flatten, ctnn::dense<10>,
                             ctnn::softmax>;
#endif

int main() {
    ctnn::parameters<net> params{};
    ctnn::initialize(params, 1);
    const ctnn::tensor<float, net::input_shape> image{};
    const auto classes = net::infer(params, image);
    return classes[0] > 0.5f ? 1 : 0;
}
