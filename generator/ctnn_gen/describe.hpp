// ctnn_gen/describe.hpp: turns a model type into a ctnn_gen::model_info; the only part of the
// generator compiled once per model (by the small driver ctnn_add_model writes).
#pragma once
#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ctnn/init.hpp>
#include <ctnn/io/weights.hpp>
#include <ctnn/model.hpp>
#include <ctnn/parameters.hpp>
#include <ctnn/signature.hpp>

#include <ctnn_gen/generate.hpp>
#include <ctnn_gen/model_info.hpp>
#include <ctnn_gen/writer.hpp>

namespace ctnn_gen {

namespace detail {

template <class Bound>
concept has_emitters = requires(writer& c, const ctnn::emit::forward_buffers& f, const ctnn::emit::backward_buffers& b) {
    { Bound::emit_traits } -> std::convertible_to<ctnn::emit::layer_traits>;
    Bound::template emit_forward<writer>(c, f);
    Bound::template emit_backward<writer>(c, b);
} && (Bound::param_count == 0 || requires(writer& c) { Bound::template emit_param_layout<writer>(c, std::size_t{}); });

template <class Bound>
layer_info describe_layer(std::size_t offset) {
    // Reached for a layer whose header has no C emitter yet: give its bind emit_traits,
    // emit_forward and emit_backward (see ctnn/emit/c.hpp and ctnn/layers/dense.hpp).
    static_assert(has_emitters<Bound>, "ctnn-gen: this layer has no C emitter (emit_traits, emit_forward, "
                                       "emit_backward, and emit_param_layout when it has parameters)");
    layer_info info;
    info.name = std::string(Bound::layer::name);
    using out = typename Bound::output_shape;
    info.input_dims.assign(Bound::input_shape::dims.begin(), Bound::input_shape::dims.end());
    info.output_dims.assign(out::dims.begin(), out::dims.end());
    info.input_size = Bound::input_shape::size;
    info.output_size = out::size;
    info.param_count = Bound::param_count;
    info.param_offset = offset;
    info.flops = Bound::flops;
    info.traits = Bound::emit_traits;
    if constexpr (requires { double(Bound::layer::epsilon); }) info.epsilon = double(Bound::layer::epsilon);
    info.saved_size = ctnn::detail::saved_size_of<Bound>();
    info.state_size = ctnn::detail::state_size_of<Bound>();
    info.emit_forward = &Bound::template emit_forward<writer>;
    info.emit_backward = &Bound::template emit_backward<writer>;
    if constexpr (requires(writer& c, const ctnn::emit::backward_buffers& b, const ctnn::emit::sample_loop& loop) {
                      Bound::template emit_batch_backward<writer>(c, b, loop);
                  })
        info.emit_batch_backward = &Bound::template emit_batch_backward<writer>;
    if constexpr (requires(writer& c, const ctnn::emit::forward_buffers& f, const ctnn::emit::sample_loop& loop) {
                      Bound::template emit_batch_forward<writer>(c, f, loop);
                  })
        info.emit_batch_forward = &Bound::template emit_batch_forward<writer>;
    if constexpr (Bound::param_count > 0) info.emit_param_layout = &Bound::template emit_param_layout<writer>;
    if constexpr (requires(writer& c) { Bound::template emit_prelude<writer>(c); })
        info.emit_prelude = &Bound::template emit_prelude<writer>;
    if constexpr (requires { double(Bound::layer::momentum); }) info.momentum = double(Bound::layer::momentum);
    if constexpr (requires { double(Bound::layer::slope); }) info.slope = double(Bound::layer::slope);
    if constexpr (requires {
                      { Bound::window::emit_rows() } -> std::convertible_to<ctnn::emit::window_axis>;
                      { Bound::window::emit_cols() } -> std::convertible_to<ctnn::emit::window_axis>;
                  }) {
        info.rows = Bound::window::emit_rows();
        info.cols = Bound::window::emit_cols();
    }
    return info;
}

template <class Model>
ctnn::result load_weights(const char* path, std::vector<float>& values) {
    // The parameters of a large model do not belong on the stack.
    auto params = std::make_unique<ctnn::parameters<Model, float>>();
    const ctnn::result loaded = ctnn::load_weights(path, *params);
    if (loaded) values.assign(params->values.begin(), params->values.end());
    return loaded;
}

template <class Model>
ctnn::result save_weights(const char* path, const std::vector<float>& values) {
    auto params = std::make_unique<ctnn::parameters<Model, float>>();
    if (values.size() != params->values.size()) return ctnn::result{ctnn::status::invalid_argument, "not the model's parameter count"};
    std::copy(values.begin(), values.end(), params->values.begin());
    return ctnn::save_weights(path, *params);
}

template <class Model>
void initialize(std::uint64_t seed, ctnn::initializer scheme, std::vector<float>& values) {
    auto params = std::make_unique<ctnn::parameters<Model, float>>();
    ctnn::initialize(*params, seed, scheme);
    values.assign(params->values.begin(), params->values.end());
}

}  // namespace detail

template <class Model>
model_info describe(std::string type_name) {
    model_info info;
    info.type_name = std::move(type_name);
    using in = typename Model::input_shape;
    info.input_dims.assign(in::dims.begin(), in::dims.end());
    info.input_size = in::size;
    info.output_size = Model::output_shape::size;
    info.param_count = Model::param_count;
    info.flops = Model::flops;
    info.signature = ctnn::architecture_signature<Model>;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (info.layers.push_back(detail::describe_layer<typename Model::template layer<I>>(Model::param_offsets[I])), ...);
    }(std::make_index_sequence<Model::layer_count>{});
    if constexpr (Model::is_streamable) {
        using step = typename Model::step_model;
        info.step_input_size = step::input_shape::size;
        info.step_output_size = step::output_shape::size;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (info.step_layers.push_back(detail::describe_layer<typename step::template layer<I>>(step::param_offsets[I])),
             ...);
        }(std::make_index_sequence<step::layer_count>{});
    }
    info.load_weights = &detail::load_weights<Model>;
    info.initialize = &detail::initialize<Model>;
    return info;
}

// The whole driver: `int main(int argc, char** argv) { return ctnn_gen::main<net>(argc, argv, "net"); }`
template <class Model>
int main(int argc, char** argv, const char* type_name) {
    model_info info = describe<Model>(type_name);
    // Set here, not in describe(): programs that describe many models (the generator's property
    // test) then do not instantiate ctnn::save_weights for each, inside which g++ 12 -O3 reports a
    // false -Wstringop-overflow for some parameter counts (68, for one).
    info.save_weights = &detail::save_weights<Model>;
    return run(info, argc, argv);
}

}  // namespace ctnn_gen
