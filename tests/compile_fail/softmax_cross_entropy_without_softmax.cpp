// softmax_cross_entropy fuses the model's final softmax; a model that ends in relu cannot use it.
// expect-error: ctnn::softmax_cross_entropy works on the logits of a final softmax: end the model with ctnn::softmax
// expect: ctnn::sequential<ctnn::input<4>, ctnn::dense<3>, ctnn::relu ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using net = ctnn::sequential<ctnn::input<4>, ctnn::dense<3>, ctnn::softmax>;
#else
using net = ctnn::sequential<ctnn::input<4>, ctnn::dense<3>, ctnn::relu>;
#endif

int main() {
    static ctnn::parameters<net> params{};
    static ctnn::sgd<net> optimizer{};
    static ctnn::trainer<net, ctnn::softmax_cross_entropy, float, 2> trainer;
    const ctnn::tensor<float, net::input_shape> inputs[2]{};
    const ctnn::tensor<float, net::output_shape> targets[2]{};
    return trainer.train_batch(params, optimizer, inputs, targets).outcome ? 0 : 1;
}
