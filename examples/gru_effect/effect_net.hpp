// The network of issue #7's benchmark: GRU(1 -> 8) then Dense(8 -> 1) on every step, trained on
// sequences of 64 samples and streamed one sample at a time.
#pragma once
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/gru.hpp>
#include <ctnn/model.hpp>

inline constexpr std::size_t effect_sequence_length = 64;

using effect_net = ctnn::sequential<ctnn::input<effect_sequence_length, 1>, ctnn::gru<8>, ctnn::dense<1>>;
