// ctnn/init.hpp: seeded initialisation of a whole model's parameters.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>

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
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                using layer = typename Model::template layer<I>;
                if constexpr (layer::param_count > 0)
                    layer::initialize(params.data() + Model::param_offsets[I], rng, scheme);
            }(),
            ...);
    }(std::make_index_sequence<Model::layer_count>{});
}

}  // namespace ctnn
