// ctnn/optim.hpp: all optimizers. Each provides `step(params, grads)`; state lives in the object.
#pragma once
#include <ctnn/optim/adam.hpp>
#include <ctnn/optim/sgd.hpp>
