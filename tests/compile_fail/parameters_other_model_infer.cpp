// Parameters declared for model A handed to model B's infer. A and B have the same size and
// shapes (only an activation differs), so nothing but the model type can catch it.
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
    ctnn::parameters<owner> params{};
    const ctnn::tensor<float, net_b::input_shape> x{};
    const auto y = net_b::infer(params, x);
    return y[0] > 0.5f ? 1 : 0;
}
