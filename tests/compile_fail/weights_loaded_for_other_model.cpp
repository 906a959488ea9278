// "Loading weights typed for another model". load_weights and save_weights are templates over
// the parameters they are given, so they always read and write the type of their argument: a
// file of another architecture is refused at run time (status::wrong_architecture, from the
// signature in the header). What the type system catches is the next step: weights loaded into
// parameters<A> and then run by model B. The error comes from B::infer.
// expect-error: ctnn: these parameters belong to another model: declare them as ctnn::parameters<Model, T> of the model you run
// expect: expected_model<ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::relu, ctnn::dense<1>, ctnn::sigmoid ?> ?>
// expect: got_model<ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid ?> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

using net_a = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid>;
using net_b = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::relu, ctnn::dense<1>, ctnn::sigmoid>;
#ifdef CTNN_TWIN
using loaded_as = net_b;
#else
using loaded_as = net_a;
#endif

int main(int argc, char** argv) {
    ctnn::parameters<loaded_as> params{};
    if (argc < 2 || !ctnn::load_weights(argv[1], params)) return 1;
    const ctnn::tensor<float, net_b::input_shape> x{};
    const auto y = net_b::infer(params, x);
    if (!ctnn::save_weights(argv[1], params)) return 1;
    return y[0] > 0.5f ? 1 : 0;
}
