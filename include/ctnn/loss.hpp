// ctnn/loss.hpp: all losses. Each provides `evaluate<N>(y, target, dy, scale) -> loss`.
#pragma once
#include <ctnn/loss/binary_cross_entropy.hpp>
#include <ctnn/loss/mse.hpp>
#include <ctnn/loss/softmax_cross_entropy.hpp>
