// Parameters of model A in model B's training path (forward, then backward with gradients of A).
// expect-error: ctnn: these parameters belong to another model: declare them as ctnn::parameters<Model, T> of the model you run
// expect: expected_model<ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::relu, ctnn::dense<1>, ctnn::sigmoid ?> ?>
// expect: got_model<ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid ?> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

using net_a = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid>;
using net_b = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::relu, ctnn::dense<1>, ctnn::sigmoid>;
#ifdef CTNN_TWIN
using owner = net_b;
#else
using owner = net_a;
#endif

int main() {
    static ctnn::parameters<owner> params{};
    static ctnn::gradients<owner> grads{};
    static ctnn::training_workspace<net_b> workspace{};
    const ctnn::tensor<float, net_b::input_shape> x{};
    const ctnn::tensor<float, net_b::output_shape> dy{};
    const auto y = net_b::forward(params, x, workspace);
    net_b::backward(params, x, workspace, dy, grads);
    return y[0] > 0.5f ? 1 : 0;
}
