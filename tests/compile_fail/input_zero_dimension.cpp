// An input with a zero-sized dimension holds no values: the model must be refused at layer 0
// (the input), with the shape shown.
// expect-error: ctnn::input has a zero-sized dimension: every dimension must be at least 1
// expect: at_layer<0>
// expect: got_shape<ctnn::shape<28, 0, 1> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using net = ctnn::sequential<ctnn::input<28, 1, 1>, ctnn::relu>;
#else
using net = ctnn::sequential<ctnn::input<28, 0, 1>, ctnn::relu>;
#endif

int main() {
    ctnn::parameters<net> params{};
    const ctnn::tensor<float, net::input_shape> x{};
    const auto y = net::infer(params, x);
    return y[0] > 0.5f ? 1 : 0;
}
