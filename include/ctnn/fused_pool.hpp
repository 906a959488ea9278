// ctnn/fused_pool.hpp: a layer that pools its activated output as it computes it.
//
// In a CNN, layer -> activation -> max-pool writes the activation's output (the largest buffer),
// then the pool reads it back; its backward reads it again to find each window's maximum, and
// writes dL/d(the activation's input) at full size. A bound layer that provides
//   forward_pooled<Activation, Pool>(params, x, pooled, choices, batch)
// computes a band of output rows (one row of windows) at a time, applies the activation and pools
// the band while it is in L1: the pool's output is written, and its choices, which tap of each
// window the maximum came from. The activation's output is never written; its buffer in the
// training workspace holds the choices. Backward, the layer's
//   backward_pooled<Activation, Pool>(params, x, choices, pooled, dpooled, dy, dx, dparams, batch)
// has the pool's backward_from_choices write dL/d(the layer's output) into dy (the buffer the
// pool's own backward would have written), or makes it from the choices as its sums need it.
// Either way, the values of the pool's backward_activated: the results are the same bits.
//
// Only an activation whose derivative is 0 or 1 (relu) qualifies: its derivative is then needed
// only at each window's maximum, the pool's output. conv2d provides both with AVX-512 (training
// only: in inference the activation's output has its place in the arena's plan on every target).
// M3's step (batch 32, g++ 12 -O3 -march=native, one process each alternating on one core):
// 322 -> 305 us; 303 -> 295 us more when the first layer's kernel gradients took dL/dy from the
// choices pixel pair by pixel pair instead of from a band of decoded rows (clang 14: 341 -> 328).
#pragma once
#include <cstddef>

#include <boost/mp11/algorithm.hpp>

#include <ctnn/fused_activation.hpp>

namespace ctnn::detail {

template <class Bound, class Next, class Pool>
constexpr bool pools_activated_output() {
    if constexpr (output_only_activation<Next> && requires { requires Pool::foldable; })
        return requires(const float* in, float* out) {
            Bound::template forward_pooled<typename Next::activation, Pool>(in, in, out, out, 1);
            Bound::template backward_pooled<typename Next::activation, Pool>(in, in, in, in, in, out, out, out, 1);
        };
    else
        return false;
}

// Layer I writes the output of layer I + 2 (a pool) through layer I + 1 (an activation).
template <class Runners, std::size_t I>
constexpr bool pools_after() {
    if constexpr (I + 2 < boost::mp11::mp_size<Runners>::value)
        return pools_activated_output<boost::mp11::mp_at_c<Runners, I>, boost::mp11::mp_at_c<Runners, I + 1>,
                                      boost::mp11::mp_at_c<Runners, I + 2>>();
    else
        return false;
}
// Layer I is the activation or the pool that such a layer I - 1 or I - 2 folds in.
template <class Runners, std::size_t I>
constexpr bool folded_into_earlier() {
    if constexpr (I >= 2)
        return pools_after<Runners, I - 1>() || pools_after<Runners, I - 2>();
    else if constexpr (I == 1)
        return pools_after<Runners, 0>();
    else
        return false;
}

}  // namespace ctnn::detail
