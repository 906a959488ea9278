// A gru on a plain vector: it needs (steps, features).
// expect-error: ctnn::gru needs a \(steps, features\) input
// expect: at_layer<1>
// expect: expects_rank<2>
// expect: got_shape<ctnn::shape<16> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using net = ctnn::sequential<ctnn::input<16, 1>, ctnn::gru<4>, ctnn::dense<1>>;
#else
using net = ctnn::sequential<ctnn::input<16>, ctnn::gru<4>, ctnn::dense<1>>;
#endif

int main() {
    ctnn::parameters<net> params{};
    const ctnn::tensor<float, net::input_shape> x{};
    const auto y = net::infer(params, x);
    return y[0] > 0.5f ? 1 : 0;
}
