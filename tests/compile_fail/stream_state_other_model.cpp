// A stream state declared for model A handed to model B's step. Both have the same sizes (same
// recurrent layers, same shapes; only an activation differs), so only the type can tell.
// expect-error: ctnn: this stream_state belongs to another model: declare it as ctnn::stream_state<Model, T> of the model you step
// expect: expected_model<ctnn::sequential<ctnn::input<8, 1>, ctnn::gru<4>, ctnn::relu, ctnn::dense<1> ?> ?>
// expect: got_model<ctnn::sequential<ctnn::input<8, 1>, ctnn::gru<4>, ctnn::sigmoid, ctnn::dense<1> ?> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

using net_a = ctnn::sequential<ctnn::input<8, 1>, ctnn::gru<4>, ctnn::sigmoid, ctnn::dense<1>>;
using net_b = ctnn::sequential<ctnn::input<8, 1>, ctnn::gru<4>, ctnn::relu, ctnn::dense<1>>;
#ifdef CTNN_TWIN
using owner = net_b;
#else
using owner = net_a;
#endif

int main() {
    ctnn::parameters<net_b> params{};
    ctnn::stream_state<owner> state;
    const ctnn::tensor<float, net_b::step_input_shape> x{};
    ctnn::tensor<float, net_b::step_output_shape> y;
    net_b::step(params, x, y, state);
    return y[0] > 0.5f ? 1 : 0;
}
