// The streaming benchmark's models (issue 7): one time step per call, as in an audio callback.
#pragma once
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/gru.hpp>
#include <ctnn/layers/lstm.hpp>
#include <ctnn/model.hpp>

// The sequence length only matters for training; streaming runs the step model.
using bench_gru8 = ctnn::sequential<ctnn::input<64, 1>, ctnn::gru<8>, ctnn::dense<1>>;
using bench_lstm16 = ctnn::sequential<ctnn::input<64, 1>, ctnn::lstm<16>, ctnn::dense<1>>;
