// conv1d straight after a flat input<64> (a mono signal of 64 samples): it needs (steps, channels).
// The conv1d is layer 1; the message must name the fix (reshape to add the channel dimension), the
// position, the rank it needs and the shape it got.
// expect-error: ctnn::conv1d needs a \(steps, channels\) input: use ctnn::reshape, e.g. ctnn::reshape<Steps, 1> for a single channel
// expect: at_layer<1>
// expect: expects_rank<2>
// expect: got_shape<ctnn::shape<64> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using net = ctnn::sequential<ctnn::input<64>, ctnn::reshape<64, 1>, ctnn::conv1d<8, 5, 1, 1, ctnn::padding::causal>,
                             ctnn::relu, ctnn::dense<1>>;
#else
using net = ctnn::sequential<ctnn::input<64>, ctnn::conv1d<8, 5, 1, 1, ctnn::padding::causal>, ctnn::relu,
                             ctnn::dense<1>>;
#endif

int main() {
    ctnn::parameters<net> params{};
    ctnn::initialize(params, 1);
    const ctnn::tensor<float, net::input_shape> signal{};
    const auto out = net::infer(params, signal);
    return out[0] > 0.5f ? 1 : 0;
}
