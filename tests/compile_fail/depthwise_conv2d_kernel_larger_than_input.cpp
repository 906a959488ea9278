// A 5x5 depthwise_conv2d (valid padding) on a 3x3 feature map. The depthwise conv is layer 3;
// the message must name the fix, the layer's position and the shape it got.
// expect-error: ctnn::depthwise_conv2d: the kernel is larger than the input: use a smaller kernel or ctnn::padding::same
// expect: at_layer<3>
// expect: got_shape<ctnn::shape<3, 3, 8> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using depthwise = ctnn::depthwise_conv2d<5, 5, 1, ctnn::padding::same>;
#else
using depthwise = ctnn::depthwise_conv2d<5, 5>;
#endif
using net = ctnn::sequential<ctnn::input<5, 5, 1>, ctnn::conv2d<8, 3, 3>, ctnn::relu, depthwise,
                             ctnn::global_avg_pool2d, ctnn::dense<10>, ctnn::softmax>;

int main() {
    ctnn::parameters<net> params{};
    ctnn::initialize(params, 1);
    const ctnn::tensor<float, net::input_shape> image{};
    const auto classes = net::infer(params, image);
    return classes[0] > 0.5f ? 1 : 0;
}
