// ctnn/error.hpp: tag types that make compile-time diagnostics name the layer and shapes.
//
// A concept can say that something is wrong but not which layer broke. Instead, each layer
// checks its input with `static_assert(error::check<Ok, Facts...>, "what to do")`: the compiler
// prints the failed condition with the fact tags spelled out, e.g.
//   'ctnn::error::check<false, ctnn::error::at_layer<3>, ctnn::error::expects_rank<1>,
//                       ctnn::error::got_shape<ctnn::shape<28, 28, 1> > >' evaluates to false
// right under the message that names the fix.
#pragma once
#include <cstddef>

namespace ctnn::error {

// Position of the layer in `sequential<input<...>, L1, L2, ...>`: L1 is layer 1.
template <std::size_t Position>
struct at_layer {};

template <std::size_t Rank>
struct expects_rank {};

template <class Shape>
struct got_shape {};

template <class Shape>
struct expected_shape {};

template <class Model>
struct expected_model {};

template <class Model>
struct got_model {};

// The condition carries the facts as template arguments so that they appear in the diagnostic.
template <bool Ok, class... Facts>
inline constexpr bool check = Ok;

}  // namespace ctnn::error
