// dense<0> has no outputs; the message must name the layer's position and the fix.
// expect-error: ctnn::dense<0> has no outputs: give it at least one unit
// expect: at_layer<1>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using net = ctnn::sequential<ctnn::input<4>, ctnn::dense<1>, ctnn::relu>;
#else
using net = ctnn::sequential<ctnn::input<4>, ctnn::dense<0>, ctnn::relu>;
#endif

int main() {
    ctnn::parameters<net> params{};
    const ctnn::tensor<float, net::input_shape> x{};
    const auto y = net::infer(params, x);
    return y[0] > 0.5f ? 1 : 0;
}
