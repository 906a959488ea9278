// A 5x5 conv2d (valid padding) on a 4x4 feature map: the kernel does not fit. The conv2d is
// layer 3 (after a 2x2 max_pool2d and a relu), so the message must say where it stands, which
// shape it got and the two ways out.
// expect-error: ctnn::conv2d: the kernel is larger than the input: use a smaller kernel or ctnn::padding::same
// expect: at_layer<3>
// expect: got_shape<ctnn::shape<4, 4, 8> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using head = ctnn::conv2d<16, 5, 5, 1, ctnn::padding::same>;
#else
using head = ctnn::conv2d<16, 5, 5>;
#endif
using net = ctnn::sequential<ctnn::input<8, 8, 8>, ctnn::max_pool2d<2>, ctnn::relu, head, ctnn::flatten,
                             ctnn::dense<10>, ctnn::softmax>;

int main() {
    ctnn::parameters<net> params{};
    ctnn::initialize(params, 1);
    const ctnn::tensor<float, net::input_shape> image{};
    const auto classes = net::infer(params, image);
    return classes[0] > 0.5f ? 1 : 0;
}
