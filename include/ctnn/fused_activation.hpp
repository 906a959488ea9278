// ctnn/fused_activation.hpp: a layer that applies the activation after it as it writes its output.
//
// A training forward otherwise writes a convolution's output, then reads it back to write the
// activation's: two passes over the largest buffers of a CNN (M3, batch 32: 800 KB each way for
// its first ReLU). A bound layer that provides
//   forward_activated<Activation>(params, x, y, batch)
// (its forward with Activation::apply on each output value, the same expression the activation's
// own pass evaluates) writes the activation's output directly, and the activation's forward is
// skipped. Its own output is then never written, so only activations whose derivative reads their
// output alone qualify (relu, identity): their backward is unchanged.
#pragma once
#include <cstddef>

#include <boost/mp11/algorithm.hpp>

namespace ctnn::detail {

// The activation of a layer that applies none.
struct no_activation {
    template <class T>
    static T apply(T x) {
        return x;
    }
};

template <class Bound, class Next>
constexpr bool applies_next_activation() {
    if constexpr (requires { typename Next::activation; }) {
        using activation = typename Next::activation;
        return !activation::derivative_reads_input &&
               requires(const float* in, float* out) { Bound::template forward_activated<activation>(in, in, out, 1); };
    } else {
        return false;
    }
}

// Over a model's bound layers: layer I writes the output of layer I + 1, or layer I - 1 wrote
// layer I's.
template <class Runners, std::size_t I>
constexpr bool writes_next_output() {
    if constexpr (I + 1 < boost::mp11::mp_size<Runners>::value)
        return applies_next_activation<boost::mp11::mp_at_c<Runners, I>, boost::mp11::mp_at_c<Runners, I + 1>>();
    else
        return false;
}
template <class Runners, std::size_t I>
constexpr bool output_written_before() {
    if constexpr (I > 0)
        return writes_next_output<Runners, I - 1>();
    else
        return false;
}

}  // namespace ctnn::detail
