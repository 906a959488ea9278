// load_weights<B>(path, parameters<A>): the caller names the intended model, the parameters are
// of another one. Template argument deduction refuses it, so the first error is the compiler's
// "no matching function"; g++ then names the differing layers ("mismatched types 'ctnn::relu'
// and 'ctnn::sigmoid'"), clang shows the two models. No ctnn message names the fix here.
// expect-error: no matching function for call to .*load_weights
// expect: load_weights
// max-lines: 20
#include <ctnn/ctnn.hpp>

using net_a = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid>;
using net_b = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::relu, ctnn::dense<1>, ctnn::sigmoid>;
#ifdef CTNN_TWIN
using owner = net_b;
#else
using owner = net_a;
#endif

int main(int argc, char** argv) {
    ctnn::parameters<owner> params{};
    return argc > 1 && ctnn::load_weights<net_b>(argv[1], params) ? 0 : 1;
}
