// max_pool2d<2> (stride 2, valid padding) on a 7x7 feature map: the windows stop at column 6 and
// would silently drop the last row and column. The pool is layer 3; the message must name the
// fix (a size and stride that divide the input, or padding::same), the position and the shape.
// expect-error: ctnn pooling: the windows do not tile the input exactly and would drop its last rows or columns: pick a size and stride that divide it, or use ctnn::padding::same
// expect: at_layer<3>
// expect: got_shape<ctnn::shape<7, 7, 4> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using pool = ctnn::max_pool2d<2, 2, ctnn::padding::same>;
#else
using pool = ctnn::max_pool2d<2>;
#endif
using net = ctnn::sequential<ctnn::input<9, 9, 1>, ctnn::conv2d<4, 3, 3>, ctnn::relu, pool, ctnn::flatten,
                             ctnn::dense<10>, ctnn::softmax>;

int main() {
    ctnn::parameters<net> params{};
    ctnn::initialize(params, 1);
    const ctnn::tensor<float, net::input_shape> image{};
    const auto classes = net::infer(params, image);
    return classes[0] > 0.5f ? 1 : 0;
}
