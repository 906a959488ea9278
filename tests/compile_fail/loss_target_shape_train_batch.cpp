// The same mistake through trainer.train_batch, with C arrays.
// expect-error: ctnn: the loss target's shape differs from the model's output shape
// expect: expected_shape<ctnn::shape<1> ?>
// expect: got_shape<ctnn::shape<2> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

using xor_net = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid>;
#ifdef CTNN_TWIN
using target = ctnn::tensor<float, ctnn::shape<1>>;
#else
using target = ctnn::tensor<float, ctnn::shape<2>>;
#endif

int main() {
    static ctnn::parameters<xor_net> params{};
    static ctnn::sgd<xor_net> optimizer{};
    static ctnn::trainer<xor_net, ctnn::mse, float, 4> trainer;
    const ctnn::tensor<float, xor_net::input_shape> inputs[4]{};
    const target targets[4]{};
    return trainer.train_batch(params, optimizer, inputs, targets).outcome ? 0 : 1;
}
