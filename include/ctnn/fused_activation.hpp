// ctnn/fused_activation.hpp: a layer that applies the activation after it as it writes its output.
//
// A training forward otherwise writes a convolution's output, then reads it back to write the
// activation's: two passes over the largest buffers of a CNN (M3, batch 32: 800 KB each way for
// its first ReLU). A bound layer that provides
//   forward_activated<Activation>(params, x, y, batch)
// (its forward with Activation::apply on each output value, the same expression the activation's
// own pass evaluates) writes the activation's output directly, and the activation's forward is
// skipped. Its own output is then never written, so only activations whose derivative reads their
// output alone qualify (relu, identity, tanh, sigmoid): their backward is unchanged.
//
// Backward, the other way round: the layer after such an activation reads the activation's output
// as its input. One that provides
//   backward_activated<Activation>(params, x, y, dy, dx, dparams, batch)
// (its backward with each dL/dx value multiplied by Activation::derivative of its input, the
// activation's own expression) writes dL/d(the activation's input), and the activation's backward
// is skipped (M3: max_pool2d after relu, whose backward pass read and wrote 800 KB three times).
#pragma once
#include <array>
#include <cstddef>
#include <utility>

#include <boost/mp11/algorithm.hpp>

#include <ctnn/view_storage.hpp>

namespace ctnn::detail {

// The activation of a layer that applies none.
struct no_activation {
    template <class T>
    static T apply(T x) {
        return x;
    }
};

// A bound activation whose derivative reads only its output (the elementwise binding's answer,
// which defaults to "reads its input" for an activation that does not say).
template <class Bound>
concept output_only_activation = requires { typename Bound::activation; } && !Bound::emit_traits.backward_reads_input;

template <class Bound, class Next>
constexpr bool applies_next_activation() {
    if constexpr (output_only_activation<Next>)
        return requires(const float* in, float* out) {
            Bound::template forward_activated<typename Next::activation>(in, in, out, 1);
        };
    else
        return false;
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

template <class Previous, class Bound>
constexpr bool applies_previous_derivative() {
    if constexpr (output_only_activation<Previous> && Bound::param_count == 0)
        return requires(const float* in, float* out) {
            Bound::template backward_activated<typename Previous::activation>(in, in, in, in, out, out, 1);
        };
    else
        return false;
}

// Layer I writes dL/d(input of layer I - 1), or layer I + 1 writes layer I's.
template <class Runners, std::size_t I>
constexpr bool writes_previous_input_gradient() {
    if constexpr (I > 0)
        return applies_previous_derivative<boost::mp11::mp_at_c<Runners, I - 1>, boost::mp11::mp_at_c<Runners, I>>();
    else
        return false;
}
template <class Runners, std::size_t I>
constexpr bool input_gradient_written_after() {
    if constexpr (I + 1 < boost::mp11::mp_size<Runners>::value)
        return writes_previous_input_gradient<Runners, I + 1>();
    else
        return false;
}

// Which of the two gradient buffers that alternate down the layers holds dL/d(output of layer I):
// the last layer's is buffer 0, and each layer that runs a backward writes the other one. A
// layer whose backward another writes is passed over; one that shares its input's storage
// (view_storage.hpp) runs none, and dL/d(its input) is dL/d(its output), in the same buffer.
template <class Runners>
constexpr auto gradient_buffers() {
    constexpr std::size_t count = boost::mp11::mp_size<Runners>::value;
    constexpr auto skipped = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<bool, count>{input_gradient_written_after<Runners, I>()...};
    }(std::make_index_sequence<count>{});
    constexpr auto aliased = aliases_input<Runners>();
    std::array<std::size_t, count> buffers{};
    for (std::size_t i = count - 1; i > 0; --i) {
        const std::size_t writer = skipped[i] ? i + 1 : i;  // whose backward writes dL/d(output of i - 1)
        buffers[i - 1] = aliased[writer] ? buffers[writer] : 1 - buffers[writer];
    }
    return buffers;
}

}  // namespace ctnn::detail
