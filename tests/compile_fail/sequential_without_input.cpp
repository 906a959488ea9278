// The first argument of sequential must be ctnn::input<...>; here it is a layer.
// expect-error: ctnn::sequential must start with the input shape: sequential<ctnn::input<Dims...>, Layers...>
// expect: sequential<ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1> ?>
// max-lines: 20
#include <ctnn/ctnn.hpp>

#ifdef CTNN_TWIN
using net = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>>;
#else
using net = ctnn::sequential<ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>>;
#endif

int main() {
    ctnn::parameters<net> params{};
    return params.values[0] == 0.0f ? 0 : 1;
}
