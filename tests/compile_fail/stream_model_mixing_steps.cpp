// Streaming a model whose flatten mixes the time steps: one step at a time cannot give its
// output. The message names the layer (flatten is layer 2) and what streams.
// expect-error: ctnn: this layer mixes time steps
// expect: at_layer<2>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using net = ctnn::sequential<ctnn::input<8, 1>, ctnn::gru<4>, ctnn::dense<1>>;
#else
using net = ctnn::sequential<ctnn::input<8, 1>, ctnn::gru<4>, ctnn::flatten, ctnn::dense<1>>;
#endif

int main() {
    ctnn::parameters<net> params{};
    ctnn::stream_state<net> state;
    const ctnn::tensor<float, net::step_input_shape> x{};
    ctnn::tensor<float, net::step_output_shape> y;
    net::step(params, x, y, state);
    return y[0] > 0.5f ? 1 : 0;
}
