// ctnn/parameters.hpp: every trainable value of a model in one flat, aligned array.
#pragma once
#include <array>
#include <cstddef>
#include <span>

#include <ctnn/tensor.hpp>

namespace ctnn {

// One array keeps optimizers (one loop), weight files (one block) and generated code (one const
// table) simple. Each layer's slice starts at Model::param_offsets[layer index]. The type names its
// model, so weights of one architecture cannot be handed to another: that is a compile error.
template <class Model, class T = float>
struct parameters {
    using model = Model;
    using value_type = T;
    static constexpr std::size_t size = Model::param_count;

    // Model::param_count, not `size`: when the model fails one of its checks, clang would add
    // "not a constant expression" here under the error that names the fix.
    alignas(tensor_alignment) std::array<T, Model::param_count> values;

    constexpr std::span<T, size> span() { return values; }
    constexpr std::span<const T, size> span() const { return values; }
    constexpr T* data() { return values.data(); }
    constexpr const T* data() const { return values.data(); }

    // The slice of layer `Index` (0 = first layer after the input).
    template <std::size_t Index>
    constexpr auto of_layer() {
        return std::span<T, Model::template layer<Index>::param_count>(
            values.data() + Model::param_offsets[Index], Model::template layer<Index>::param_count);
    }
    template <std::size_t Index>
    constexpr auto of_layer() const {
        return std::span<const T, Model::template layer<Index>::param_count>(
            values.data() + Model::param_offsets[Index], Model::template layer<Index>::param_count);
    }

    friend constexpr bool operator==(const parameters&, const parameters&) = default;
};

// Gradients have exactly the layout of the parameters they belong to.
template <class Model, class T = float>
using gradients = parameters<Model, T>;

}  // namespace ctnn
