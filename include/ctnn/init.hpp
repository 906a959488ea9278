// ctnn/init.hpp: seeded initialisation of a whole model's parameters.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>

#include <boost/mp11/list.hpp>

#include <ctnn/initializer.hpp>
#include <ctnn/parameters.hpp>
#include <ctnn/random.hpp>

namespace ctnn {

// One generator runs through the layers in order; each layer with parameters decides how to
// use it (dense: weights uniform, biases zero).
template <class Model, class T>
void initialize(parameters<Model, T>& params, std::uint64_t seed,
                initializer scheme = initializer::xavier_uniform) {
    random_generator rng(seed);
    // Model::runners, not Model::layer<I>: one initialize per layer type and shape (see model.hpp).
    [&]<class... Runner, std::size_t... I>(boost::mp11::mp_list<Runner...>, std::index_sequence<I...>) {
        (
            [&] {
                if constexpr (Runner::param_count > 0)
                    Runner::initialize(params.data() + Model::param_offsets[I], rng, scheme);
            }(),
            ...);
    }(typename Model::runners{}, std::make_index_sequence<Model::layer_count>{});
}

}  // namespace ctnn
