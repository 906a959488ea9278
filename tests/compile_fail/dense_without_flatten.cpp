// A dense layer after a rank-3 input with no flatten between them. The dense is layer 2 (the relu
// is layer 1), so the message must say where it stands, which shape it got and what to insert.
// expect-error: ctnn::dense needs a rank-1 input, or rank 2 for a sequence of rows: insert ctnn::flatten before it
// expect: at_layer<2>
// expect: expects_rank<1>
// expect: got_shape<ctnn::shape<28, 28, 1> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#if defined(CTNN_TWIN) && __has_include(<ctnn/layers/flatten.hpp>)
#include <ctnn/layers/flatten.hpp>
using net = ctnn::sequential<ctnn::input<28, 28, 1>, ctnn::relu, ctnn::flatten, ctnn::dense<10>, ctnn::softmax>;
#elif defined(CTNN_TWIN)
// Until the library has ctnn::flatten, the twin takes the same 784 values as a rank-1 input.
using net = ctnn::sequential<ctnn::input<784>, ctnn::relu, ctnn::dense<10>, ctnn::softmax>;
#else
using net = ctnn::sequential<ctnn::input<28, 28, 1>, ctnn::relu, ctnn::dense<10>, ctnn::softmax>;
#endif

int main() {
    ctnn::parameters<net> params{};
    ctnn::initialize(params, 1);
    const ctnn::tensor<float, net::input_shape> image{};
    const auto classes = net::infer(params, image);
    return classes[0] > 0.5f ? 1 : 0;
}
