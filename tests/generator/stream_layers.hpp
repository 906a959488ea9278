// The layers whose streaming step (emit_forward with a state buffer) is checked against the
// header path's step(): each bound to the rows one call receives.
#pragma once
#include <cstddef>

#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>

#include <ctnn/layers/conv1d.hpp>
#include <ctnn/shape.hpp>

namespace stream_layers {

using ctnn::conv1d;
using ctnn::shape;
constexpr ctnn::padding causal = ctnn::padding::causal;

using layers = boost::mp11::mp_list<
    // One row per call, a history of 4 rows (3 taps, dilation 2).
    conv1d<3, 3, 1, 2, causal>::bind<shape<1, 2>, 1>,
    // Two rows per call, fewer than the 3 rows of history: the history shifts.
    conv1d<2, 4, 1, 1, causal>::bind<shape<2, 3>, 1>,
    // Five rows per call, more than the 2 rows of history: the history is replaced.
    conv1d<2, 2, 1, 2, causal>::bind<shape<5, 1>, 1>,
    // One tap: no history at all.
    conv1d<2, 1, 1, 1, causal>::bind<shape<1, 2>, 1>>;

inline constexpr std::size_t count = boost::mp11::mp_size<layers>::value;

template <std::size_t K>
using layer = boost::mp11::mp_at_c<layers, K>;

}  // namespace stream_layers
