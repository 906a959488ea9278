// depthwise_conv2d with stride 0 never moves its window. It is layer 3; the message must name
// the fix and the layer's position. The stride check carries no got_shape tag, so the input shape
// is only seen in the instantiation context, bind<shape<...>, position>.
// expect-error: ctnn::depthwise_conv2d: stride must be at least 1
// expect: at_layer<3>
// expect: bind<ctnn::shape<26, 26, 8>, 3>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using depthwise = ctnn::depthwise_conv2d<3, 3, 1>;
#else
using depthwise = ctnn::depthwise_conv2d<3, 3, 0>;
#endif
using net = ctnn::sequential<ctnn::input<28, 28, 1>, ctnn::conv2d<8, 3, 3>, ctnn::relu, depthwise,
                             ctnn::global_avg_pool2d, ctnn::dense<10>, ctnn::softmax>;

int main() {
    ctnn::parameters<net> params{};
    ctnn::initialize(params, 1);
    const ctnn::tensor<float, net::input_shape> image{};
    const auto classes = net::infer(params, image);
    return classes[0] > 0.5f ? 1 : 0;
}
