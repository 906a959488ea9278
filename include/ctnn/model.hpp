// ctnn/model.hpp: sequential<input<Dims...>, Layers...>, a network declared as a type.
#pragma once
#include <array>
#include <cstddef>
#include <span>
#include <type_traits>
#include <utility>

#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>

#include <ctnn/error.hpp>
#include <ctnn/fused_activation.hpp>
#include <ctnn/fused_pool.hpp>
#include <ctnn/optim/in_place_descent.hpp>
#include <ctnn/parameters.hpp>
#include <ctnn/shape.hpp>
#include <ctnn/tensor.hpp>
#include <ctnn/training_context.hpp>

namespace ctnn {

// The first element of a sequential model: the shape of one sample.
template <std::size_t... Dims>
struct input {
    using shape = ctnn::shape<Dims...>;
};

namespace detail {

template <class Shape>
struct input_layer {
    using output_shape = Shape;
};

// The fold's state: the layers bound so far, and the last of them, whose output the next layer
// takes. Keeping the last one at hand spares a lookup into the growing list at every step (mp_back
// costs a pass over the list on compilers without __type_pack_element, quadratic over the fold).
template <class Last, class Bound>
struct binding_state {
    using last = Last;
    using bound = Bound;
};

// Binds `Layer` to the output shape of the last bound layer; its position counts the layers bound
// before it from 1 (the input occupies position 0), so a layer that cannot bind reports where it
// stands.
template <class Layer, class State>
using bind_layer = typename Layer::template bind<typename State::last::output_shape,
                                                 boost::mp11::mp_size<typename State::bound>::value + 1>;
template <class State, class Layer>
using bind_next = binding_state<bind_layer<Layer, State>,
                                boost::mp11::mp_push_back<typename State::bound, bind_layer<Layer, State>>>;

template <class Shape, class... Layers>
using bind_all = typename boost::mp11::mp_fold<boost::mp11::mp_list<Layers...>,
                                               binding_state<input_layer<Shape>, boost::mp11::mp_list<>>,
                                               bind_next>::bound;

// The code a bound layer runs depends on its input shape only; its position just names it in
// diagnostics (the `requirements`). So the model runs each layer as bound at one fixed position:
// layers of the same type and input shape share one instantiation of forward and backward (a deep
// stack of dense<32> compiles one dense kernel, not one per layer). Position 0 is the input's, so
// no real layer is ever bound there.
inline constexpr std::size_t shared_position = 0;
template <class Layer, class Bound>
using bind_shared = typename Layer::template bind<typename Bound::input_shape, shared_position>;

// A bound layer that checks its input keeps the static_asserts in a nested `requirements`
// class. Binding only computes shapes; the checks are instantiated afterwards, straight from
// the model, so a failure is reported a couple of lines from the user's declaration instead of
// under the whole chain of the fold (and a broken layer does not derail the ones after it).
//
// Overloads named only inside decltype: they pick a bound layer's `requirements` class, or an
// empty stand-in for layers that check nothing, without instantiating either.
struct no_requirements {};
template <class Bound>
typename Bound::requirements requirements_type(int);
template <class Bound>
no_requirements requirements_type(long);

// sizeof needs the complete class, which instantiates its static_asserts. It sits in the type of
// a variable template: unevaluated, so a failure adds no second "not a constant expression"
// error, and a variable template, not a class, keeps clang's chain of instantiation notes short.
template <class BoundLayers>
inline constexpr boost::mp11::mp_list<> requirements_checked{};
template <class... Bound>
inline constexpr boost::mp11::mp_list<decltype(sizeof(decltype(requirements_type<Bound>(0))))...>
    requirements_checked<boost::mp11::mp_list<Bound...>>{};

template <class Bound>
constexpr bool streamable_layer() {
    if constexpr (requires { Bound::streamable; })
        return Bound::streamable;
    else if constexpr (state_size_of<Bound>() > 0)
        return true;
    else if constexpr (requires { Bound::time_local; })
        return Bound::time_local;
    else
        return false;
}

template <std::size_t N>
constexpr std::size_t first_false(const std::array<bool, N>& values) {
    for (std::size_t i = 0; i < N; ++i)
        if (!values[i]) return i;
    return N;
}

template <class BoundLayers>
struct layer_figures;

template <class... Bound>
struct layer_figures<boost::mp11::mp_list<Bound...>> {
    static constexpr std::array<std::size_t, sizeof...(Bound)> param_counts{Bound::param_count...};
    static constexpr std::array<std::size_t, sizeof...(Bound)> output_sizes{Bound::output_shape::size...};
    static constexpr std::array<std::size_t, sizeof...(Bound)> flops{Bound::flops...};
    static constexpr std::array<std::size_t, sizeof...(Bound)> saved_sizes{saved_size_of<Bound>()...};
    static constexpr std::array<std::size_t, sizeof...(Bound)> state_sizes{state_size_of<Bound>()...};
    // Can the layer run one time step at a time? It carries a state (and does not say it cannot),
    // or each output row depends on its input row only.
    static constexpr std::array<bool, sizeof...(Bound)> streamable{streamable_layer<Bound>()...};
};

constexpr std::size_t larger(std::size_t a, std::size_t b) { return a < b ? b : a; }

template <std::size_t N>
constexpr std::array<std::size_t, N> exclusive_prefix_sum(const std::array<std::size_t, N>& values) {
    std::array<std::size_t, N> offsets{};
    std::size_t running = 0;
    for (std::size_t i = 0; i < N; ++i) {
        offsets[i] = running;
        running += values[i];
    }
    return offsets;
}

template <std::size_t N>
constexpr std::size_t sum(const std::array<std::size_t, N>& values) {
    std::size_t total = 0;
    for (std::size_t v : values) total += v;
    return total;
}

// Inference keeps only the intermediate outputs (layers 0..N-2; the last writes to the caller),
// and of those only the ones that are written: a layer that applies the activation after it
// writes that activation's output instead of its own (ctnn/fused_activation.hpp). The written
// outputs alternate between the front of the arena and its back, so each layer's input and output
// never overlap while the arena is as large as the largest adjacent pair: no bigger than two
// ping-pong buffers, often smaller.
template <std::size_t N>
struct inference_plan {
    std::array<bool, N> at_back{};  // where layer i's output goes, if it is written
    std::size_t size = 0;
};
template <std::size_t N>
constexpr inference_plan<N> plan_inference(const std::array<std::size_t, N>& outputs,
                                           const std::array<bool, N>& unwritten) {
    inference_plan<N> plan;
    bool back = false;
    std::size_t previous = N;  // the last written intermediate output so far
    for (std::size_t i = 0; i + 1 < N; ++i) {
        if (unwritten[i]) continue;
        plan.at_back[i] = back;
        back = !back;
        plan.size = larger(plan.size, outputs[i]);
        if (previous != N) plan.size = larger(plan.size, outputs[previous] + outputs[i]);
        previous = i;
    }
    return plan;
}

template <std::size_t N>
constexpr std::size_t largest(const std::array<std::size_t, N>& values) {
    std::size_t best = 0;
    for (std::size_t v : values) best = larger(best, v);
    return best;
}

}  // namespace detail

template <class Input, class... Layers>
struct sequential;

namespace detail {
// Streaming runs the same layers bound to one time step: input (1, features) instead of
// (steps, features). Only a sequence input has a step model.
template <class Shape, class... Layers>
struct step_model {
    using type = void;
};
template <std::size_t Steps, std::size_t Features, class... Layers>
struct step_model<shape<Steps, Features>, Layers...> {
    using type = sequential<input<1, Features>, Layers...>;
};
}  // namespace detail

template <class Input, class... Layers>
struct sequential {
    // Lets ctnn::parameters<> of this model be declared, so that the message below stays the only
    // error for the usual first line of a program. It comes first: clang adds no members to a
    // class after a failed static_assert.
    static constexpr std::size_t param_count = 0;
    // Reached when the first argument is not ctnn::input<...>.
    static_assert(sizeof(Input) == 0,
                  "ctnn::sequential must start with the input shape: sequential<ctnn::input<Dims...>, Layers...>");
};

template <class Model, class T>
struct inference_scratch;
template <class Model, class T, std::size_t Capacity>
struct training_workspace;
template <class Model, class T>
struct stream_state;

template <std::size_t... Dims, class... Layers>
struct sequential<input<Dims...>, Layers...> {
    using input_shape = shape<Dims...>;
    using layers = detail::bind_all<input_shape, Layers...>;
    static constexpr std::size_t layer_count = sizeof...(Layers);
    template <std::size_t Index>
    using layer = boost::mp11::mp_at_c<layers, Index>;
    // What the model runs for each layer: the layer bound at detail::shared_position. The loops
    // over layers expand this list and an index sequence side by side rather than look up
    // layer<I> one index at a time (a pass over the list each on compilers without
    // __type_pack_element).
    using runners = boost::mp11::mp_transform<detail::bind_shared, boost::mp11::mp_list<Layers...>, layers>;
    using output_shape = typename layer<layer_count - 1>::output_shape;

private:
    using figures = detail::layer_figures<layers>;
    using requirements_checked = decltype(detail::requirements_checked<layers>);

public:
    static constexpr std::array<std::size_t, layer_count> param_counts = figures::param_counts;
    static constexpr std::array<std::size_t, layer_count> param_offsets =
        detail::exclusive_prefix_sum(figures::param_counts);
    static constexpr std::array<std::size_t, layer_count> output_sizes = figures::output_sizes;
    // Layers whose training output is their input's storage (ctnn/view_storage.hpp).
    static constexpr std::array<bool, layer_count> aliases_input = detail::aliases_input<runners>();

private:
    static constexpr auto activation_layout = detail::lay_out_activations(figures::output_sizes, aliases_input);

public:
    static constexpr std::array<std::size_t, layer_count> activation_offsets = activation_layout.offsets;

    static constexpr std::size_t param_count = detail::sum(figures::param_counts);
    static constexpr std::size_t flops = detail::sum(figures::flops);

private:
    static constexpr auto inference_plan = detail::plan_inference(
        figures::output_sizes, []<std::size_t... I>(std::index_sequence<I...>) {
            return std::array<bool, layer_count>{detail::writes_next_output<runners, I>()...};
        }(std::make_index_sequence<layer_count>{}));

public:
    // Sizes in values; the *_bytes templates give bytes for a value type.
    static constexpr std::size_t inference_scratch_size = inference_plan.size;
    // Training keeps every layer's output for backward (a view's is its input's: view_storage.hpp),
    // plus two gradient buffers that alternate, plus what layers save for their own backward
    // (recurrent gates); all of it once per sample of the largest batch.
    static constexpr std::size_t activations_size = activation_layout.size;
    static constexpr std::size_t gradient_buffer_size =
        detail::larger(detail::largest(figures::output_sizes), input_shape::size);
    static constexpr std::array<std::size_t, layer_count> saved_sizes = figures::saved_sizes;
    static constexpr std::array<std::size_t, layer_count> saved_offsets =
        detail::exclusive_prefix_sum(figures::saved_sizes);
    static constexpr std::size_t saved_base = activations_size + 2 * gradient_buffer_size;
    // Which of the two holds dL/d(output of layer I) (ctnn/fused_activation.hpp).
    static constexpr std::array<std::size_t, layer_count> gradient_buffers = detail::gradient_buffers<runners>();
    static constexpr std::size_t training_workspace_size_per_sample = saved_base + detail::sum(figures::saved_sizes);
    static constexpr std::size_t training_workspace_size = training_workspace_size_per_sample;
    template <class T = float>
    static constexpr std::size_t parameter_bytes = param_count * sizeof(T);
    template <class T = float>
    static constexpr std::size_t inference_scratch_bytes = inference_scratch_size * sizeof(T);
    template <class T = float, std::size_t Batch = 1>
    static constexpr std::size_t training_workspace_bytes = Batch * training_workspace_size_per_sample * sizeof(T);

    // Inference with caller-owned scratch: x and y are one sample each.
    template <class M, class T>
    static void infer(const parameters<M, T>& params, const tensor<T, input_shape>& x,
                      tensor<T, output_shape>& y, inference_scratch<sequential, T>& scratch) {
        require_same_model<M>();
        infer_raw(params.data(), x.data(), y.data(), scratch.data());
    }

    // Inference with its scratch on the stack (inference_scratch_bytes of it).
    template <class M, class T>
    static tensor<T, output_shape> infer(const parameters<M, T>& params, const tensor<T, input_shape>& x) {
        require_same_model<M>();
        inference_scratch<sequential, T> scratch;
        tensor<T, output_shape> y;
        infer_raw(params.data(), x.data(), y.data(), scratch.data());
        return y;
    }

    // The raw-pointer core shared by every inference entry point and mirrored by the generated C.
    template <class T>
    static void infer_raw(const T* params, const T* x, T* y, T* scratch) {
        [&]<class... Runner, std::size_t... I>(boost::mp11::mp_list<Runner...>, std::index_sequence<I...>) {
            (infer_layer<I, Runner>(params, x, y, scratch), ...);
        }(runners{}, std::make_index_sequence<layer_count>{});
    }

    // Training forward over `batch` samples stored one after another in x (batch <= Capacity):
    // keeps every layer's output in the workspace for backward. Layers run in training mode
    // (dropout drops, batch_norm uses the batch's statistics) with ws.context.
    template <class M, class T, std::size_t Capacity>
    static void forward(const parameters<M, T>& params, const T* x, std::size_t batch,
                        training_workspace<sequential, T, Capacity>& ws) {
        require_same_model<M>();
        [&]<class... Runner, std::size_t... I>(boost::mp11::mp_list<Runner...>, std::index_sequence<I...>) {
            (forward_layer<I, Runner>(params.data(), x, batch, ws), ...);
        }(runners{}, std::make_index_sequence<layer_count>{});
    }

    // After a training forward: layers with running statistics (batch_norm) fold in this batch's.
    template <class M, class T, std::size_t Capacity>
    static void update_state(parameters<M, T>& params, const T* x, std::size_t batch,
                             training_workspace<sequential, T, Capacity>& ws) {
        require_same_model<M>();
        [&]<class... Runner, std::size_t... I>(boost::mp11::mp_list<Runner...>, std::index_sequence<I...>) {
            (detail::update_state<Runner>(params.data() + param_offsets[I], train_input<I>(x, ws), batch), ...);
        }(runners{}, std::make_index_sequence<layer_count>{});
    }

    // One sample: returns the output, which stays valid until the workspace is used again.
    template <class M, class T, std::size_t Capacity>
    static std::span<const T, output_shape::size> forward(const parameters<M, T>& params,
                                                          const tensor<T, input_shape>& x,
                                                          training_workspace<sequential, T, Capacity>& ws) {
        forward(params, x.data(), 1, ws);
        return ws.output(0);
    }

    // Backward after forward() on the same inputs, with dL/d(output) of each sample in
    // ws.template output_gradient<layer_count - 1>(). Parameter gradients are added to `grads`
    // (zero them between batches); dL/dx is written to dx when it is not null.
    template <class M, class T, std::size_t Capacity>
    static void backward(const parameters<M, T>& params, const T* x, std::size_t batch,
                         training_workspace<sequential, T, Capacity>& ws, parameters<M, T>& grads, T* dx = nullptr) {
        backward_from<layer_count - 1>(params, x, batch, ws, grads, dx);
    }

    // One sample: dy is dL/d(output).
    template <class M, class T, std::size_t Capacity>
    static void backward(const parameters<M, T>& params, const tensor<T, input_shape>& x,
                         training_workspace<sequential, T, Capacity>& ws, const tensor<T, output_shape>& dy,
                         parameters<M, T>& grads, tensor<T, input_shape>* dx = nullptr) {
        T* output_gradient = ws.template output_gradient<layer_count - 1>();
        for (std::size_t i = 0; i < output_shape::size; ++i) output_gradient[i] = dy[i];
        backward_from<layer_count - 1>(params, x.data(), 1, ws, grads, dx != nullptr ? dx->data() : nullptr);
    }

    // Backpropagates from layer `Last` down, with dL/d(output of Last) already in
    // ws.output_gradient<Last>(). Lets a fused loss start below the layer it absorbs.
    // Assign: `grads` receives this batch's gradients instead of adding them, as if zeroed first
    // (the same sums); layers above Last get zeros.
    // With a descent (Assign only), every parameter also descends by its gradient as soon as that
    // is final (ctnn/optim/in_place_descent.hpp), and gradients a layer takes in place from its
    // registers are not stored.
    template <std::size_t Last, bool Assign = false, class M, class T, std::size_t Capacity,
              class Descent = std::nullptr_t>
    static void backward_from(const parameters<M, T>& params, const T* x, std::size_t batch,
                              training_workspace<sequential, T, Capacity>& ws, parameters<M, T>& grads, T* dx,
                              Descent descent = nullptr) {
        require_same_model<M>();
        static_assert(!detail::input_gradient_written_after<runners, Last>(),
                      "ctnn: backward_from<Last> cannot start at an activation whose backward the layer after it "
                      "performs (ctnn/fused_activation.hpp): start at that layer");
        static_assert(!detail::pools_after<runners, Last>(),
                      "ctnn: backward_from<Last> cannot start at a layer that pools its output "
                      "(ctnn/fused_pool.hpp): start at the pool");
        static_assert(Assign || !detail::descends<Descent>, "ctnn: only final gradients descend in place");
        constexpr std::size_t above = param_offsets[Last] + param_counts[Last];
        if constexpr (Assign)
            for (std::size_t i = above; i < param_count; ++i) grads.values[i] = T(0);
        if constexpr (detail::descends<Descent>) descent.descend(grads.data() + above, param_count - above);
        [&]<class... Runner, std::size_t... R>(boost::mp11::mp_list<Runner...>, std::index_sequence<R...>) {
            (backward_layer<Last - R, Runner, Assign>(params.data(), x, batch, ws, grads.data(), dx, descent), ...);
        }(boost::mp11::mp_reverse<boost::mp11::mp_take_c<runners, Last + 1>>{}, std::make_index_sequence<Last + 1>{});
    }

    // Streaming: a model over a sequence (steps, features) also runs one time step per call, with
    // its layers' memory (recurrent states, causal-convolution history) in a caller-owned
    // stream_state. Stepping through a sequence from a reset state gives forward's outputs.
    static constexpr bool is_sequence = input_shape::rank == 2;
    // The same layers bound to one time step (void unless is_sequence); naming it binds nothing.
    using step_model = typename detail::step_model<input_shape, Layers...>::type;
    // Layer positions start at 1; layer_count + 1 when every layer can stream.
    static constexpr std::size_t first_unstreamable_layer = detail::first_false(figures::streamable) + 1;
    static constexpr bool is_streamable = is_sequence && first_unstreamable_layer > layer_count;
    // The layers' state sizes do not depend on the number of steps, so the sequence model
    // knows them without binding its step model.
    static constexpr std::array<std::size_t, layer_count> state_sizes = figures::state_sizes;
    static constexpr std::array<std::size_t, layer_count> state_offsets =
        detail::exclusive_prefix_sum(figures::state_sizes);
    static constexpr std::size_t state_size = detail::sum(figures::state_sizes);
    using step_input_shape = shape<input_shape::dims[input_shape::rank - 1]>;
    using step_output_shape = shape<output_shape::dims[output_shape::rank - 1]>;

    // One time step: x is one input row (features), y receives one output row.
    template <class M, class T, class SM>
    static void step(const parameters<M, T>& params, const tensor<T, step_input_shape>& x,
                     tensor<T, step_output_shape>& y, stream_state<SM, T>& state) {
        require_same_model<M>();
        static_assert(error::check<std::is_same_v<SM, sequential>, error::expected_model<sequential>,
                                   error::got_model<SM>>,
                      "ctnn: this stream_state belongs to another model: declare it as "
                      "ctnn::stream_state<Model, T> of the model you step");
        require_streamable();
        using one_step = step_model;
        static_assert(one_step::state_offsets == state_offsets && one_step::param_offsets == param_offsets);
        inference_scratch<one_step, T> scratch;
        one_step::step_raw(params.data(), x.data(), y.data(), scratch.data(), state.data());
    }

    // The raw-pointer core of step(), run on the step model (these layers bound to one time step):
    // every layer once over its one-row input, stateful layers continuing from their state.
    template <class T>
    static void step_raw(const T* params, const T* x, T* y, T* scratch, T* state) {
        [&]<class... Runner, std::size_t... I>(boost::mp11::mp_list<Runner...>, std::index_sequence<I...>) {
            (detail::step<Runner>(params + param_offsets[I], infer_input<I>(x, scratch), infer_output<I>(y, scratch),
                                  state + state_offsets[I]),
             ...);
        }(runners{}, std::make_index_sequence<layer_count>{});
    }

    static constexpr void require_streamable() {
        static_assert(error::check<is_sequence, error::expects_rank<2>, error::got_shape<input_shape>>,
                      "ctnn: only a model over a sequence streams: declare its input as ctnn::input<Steps, Features>");
        static_assert(error::check<!is_sequence || is_streamable, error::at_layer<first_unstreamable_layer>>,
                      "ctnn: this layer mixes time steps (flatten, a non-causal or strided conv1d, ...), so the "
                      "model cannot run one step at a time: stream models of gru, lstm, causal conv1d (stride 1) "
                      "and layers that work row by row");
    }

    // After the members: clang adds no members to a class after a failed static_assert, and each
    // later use (input_shape, infer, ...) would be an error of its own.
    static_assert(sizeof...(Layers) > 0, "ctnn::sequential needs at least one layer after ctnn::input");
    static_assert(error::check<!shape<Dims...>::has_zero_dimension, error::at_layer<0>,
                               error::got_shape<shape<Dims...>>>,
                  "ctnn::input has a zero-sized dimension: every dimension must be at least 1");
    static_assert(sizeof...(Dims) > 0, "ctnn::input needs at least one dimension, e.g. ctnn::input<2>");

private:
    template <class M>
    static constexpr void require_same_model() {
        static_assert(error::check<std::is_same_v<M, sequential>, error::expected_model<sequential>,
                                   error::got_model<M>>,
                      "ctnn: these parameters belong to another model: declare them as "
                      "ctnn::parameters<Model, T> of the model you run");
    }

    template <std::size_t I, class T>
    static T* infer_output(T* y, T* scratch) {
        static_assert(!detail::writes_next_output<runners, I>(), "this layer's output is not written");
        if constexpr (I + 1 == layer_count)
            return y;
        else if constexpr (!inference_plan.at_back[I])
            return scratch;
        else
            return scratch + (inference_scratch_size - output_sizes[I]);
    }
    template <std::size_t I, class T>
    static const T* infer_input(const T* x, T* scratch) {
        if constexpr (I == 0)
            return x;
        else
            return infer_output<I - 1>(static_cast<T*>(nullptr), scratch);
    }

    // As in the training forward, a layer that can applies the activation after it. The pool after
    // that stays a pass of its own: folding it would take the activation's output out of the
    // plan on AVX-512 targets only, and inference_scratch_size would depend on the target.
    template <std::size_t I, class Runner, class T>
    static void infer_layer(const T* params, const T* x, T* y, T* scratch) {
        if constexpr (detail::writes_next_output<runners, I>())
            Runner::template forward_activated<typename boost::mp11::mp_at_c<runners, I + 1>::activation>(
                params + param_offsets[I], infer_input<I>(x, scratch), infer_output<I + 1>(y, scratch), 1);
        else if constexpr (!detail::output_written_before<runners, I>())
            Runner::forward(params + param_offsets[I], infer_input<I>(x, scratch), infer_output<I>(y, scratch), 1);
    }

    template <std::size_t I, class T, class Workspace>
    static const T* train_input(const T* x, Workspace& ws) {
        if constexpr (I == 0)
            return x;
        else
            return ws.template activation<I - 1>();
    }

    // Each layer gets its own noise stream, so two dropout layers never share a mask.
    template <std::size_t I, class Workspace>
    static training_context layer_context(const Workspace& ws) {
        return {detail::mix64(ws.context.noise_key, I)};
    }

    // A layer followed by an activation it can apply writes the activation's output itself, and
    // the activation's forward is skipped (ctnn/fused_activation.hpp); its own output is not kept.
    // A layer followed by an activation and a pool it can fold in writes the pool's output, and the
    // activation's buffer receives the pool's choices (ctnn/fused_pool.hpp).
    template <std::size_t I, class Runner, class T, class Workspace>
    static void forward_layer(const T* params, const T* x, std::size_t batch, Workspace& ws) {
        if constexpr (aliases_input[I])
            return;
        else if constexpr (detail::pools_after<runners, I>())
            Runner::template forward_pooled<typename boost::mp11::mp_at_c<runners, I + 1>::activation,
                                            boost::mp11::mp_at_c<runners, I + 2>>(
                params + param_offsets[I], train_input<I>(x, ws), ws.template activation<I + 2>(),
                ws.template activation<I + 1>(), batch);
        else if constexpr (detail::folded_into_earlier<runners, I>())
            return;
        else if constexpr (detail::writes_next_output<runners, I>())
            Runner::template forward_activated<typename boost::mp11::mp_at_c<runners, I + 1>::activation>(
                params + param_offsets[I], train_input<I>(x, ws), ws.template activation<I + 1>(), batch);
        else if constexpr (!detail::output_written_before<runners, I>())
            detail::forward_training<Runner>(params + param_offsets[I], train_input<I>(x, ws),
                                             ws.template activation<I>(), batch, layer_context<I>(ws),
                                             ws.template saved<I>());
    }

    // dL/d(input of layer I): the model's dx for the first layer.
    template <std::size_t I, class T, class Workspace>
    static T* input_gradient(Workspace& ws, T* dx) {
        if constexpr (I == 0)
            return dx;
        else
            return ws.template output_gradient<I - 1>();
    }

    // An activation whose backward the layer after it performs is passed over; that layer writes
    // dL/d(the activation's input) (ctnn/fused_activation.hpp).
    template <std::size_t I, class Runner, bool Assign, class T, class Workspace, class Descent>
    static void backward_layer(const T* params, const T* x, std::size_t batch, Workspace& ws, T* grads, T* dx,
                               Descent descent) {
        if constexpr (aliases_input[I] || detail::input_gradient_written_after<runners, I>() ||
                      detail::folded_into_earlier<runners, I>())
            return;
        else if constexpr (detail::pools_after<runners, I>()) {
            // The pool's backward comes with this layer's; its dL/d(input), this layer's
            // dL/d(output), is the buffer it would have written.
            if constexpr (Assign)
                for (std::size_t i = 0; i < param_counts[I]; ++i) grads[param_offsets[I] + i] = T(0);
            Runner::template backward_pooled<typename boost::mp11::mp_at_c<runners, I + 1>::activation,
                                             boost::mp11::mp_at_c<runners, I + 2>>(
                params + param_offsets[I], train_input<I>(x, ws), ws.template activation<I + 1>(),
                ws.template activation<I + 2>(), ws.template output_gradient<I + 2>(), ws.template output_gradient<I>(),
                input_gradient<I>(ws, dx), grads + param_offsets[I], batch);
            if constexpr (detail::descends<Descent> && param_counts[I] > 0)
                descent.descend(grads + param_offsets[I], param_counts[I]);
        } else if constexpr (detail::writes_previous_input_gradient<runners, I>()) {
            Runner::template backward_activated<typename boost::mp11::mp_at_c<runners, I - 1>::activation>(
                params + param_offsets[I], train_input<I>(x, ws), ws.template activation<I>(),
                ws.template output_gradient<I>(), input_gradient<I - 1>(ws, dx), grads + param_offsets[I], batch);
            if constexpr (detail::descends<Descent> && param_counts[I] > 0)
                descent.descend(grads + param_offsets[I], param_counts[I]);
        } else if constexpr (detail::descends<Descent>)
            detail::backward_training_descend<Runner>(params + param_offsets[I], train_input<I>(x, ws),
                                                      ws.template activation<I>(), ws.template output_gradient<I>(),
                                                      input_gradient<I>(ws, dx), grads + param_offsets[I], batch,
                                                      layer_context<I>(ws), ws.template saved<I>(), descent);
        else if constexpr (Assign)
            detail::backward_training_assign<Runner>(params + param_offsets[I], train_input<I>(x, ws),
                                                     ws.template activation<I>(), ws.template output_gradient<I>(),
                                                     input_gradient<I>(ws, dx), grads + param_offsets[I], batch,
                                                     layer_context<I>(ws), ws.template saved<I>());
        else
            detail::backward_training<Runner>(params + param_offsets[I], train_input<I>(x, ws),
                                              ws.template activation<I>(), ws.template output_gradient<I>(),
                                              input_gradient<I>(ws, dx), grads + param_offsets[I], batch,
                                              layer_context<I>(ws), ws.template saved<I>());
    }
};

// Scratch memory for one inference; its size is Model::inference_scratch_bytes<T>.
template <class Model, class T = float>
struct inference_scratch {
    alignas(tensor_alignment) T values[Model::inference_scratch_size > 0 ? Model::inference_scratch_size : 1];
    T* data() { return values; }
};

// The memory of one stream of a sequence model (Model::step): recurrent states and convolution
// histories, Model::state_size values. reset() starts a new stream; copying saves and restores
// one (it is a plain aggregate of values).
template <class Model, class T = float>
struct stream_state {
    static_assert((Model::require_streamable(), true));
    alignas(tensor_alignment) T values[Model::state_size > 0 ? Model::state_size : 1] = {};  // a new stream

    void reset() {
        for (T& v : values) v = T(0);
    }
    T* data() { return values; }
    const T* data() const { return values; }
};

// Everything a training step keeps between forward and backward, for up to `Capacity` samples
// at once: Model::training_workspace_bytes<T, Capacity>. Each layer's outputs for the batch are
// contiguous, sample after sample. A layer that applies the activation after it (a conv2d before
// a relu: ctnn/fused_activation.hpp) writes only the activation's output; its own is not kept.
template <class Model, class T = float, std::size_t Capacity = 1>
struct training_workspace {
    static_assert(Capacity > 0, "ctnn::training_workspace needs room for at least one sample");
    static constexpr std::size_t capacity = Capacity;

    alignas(tensor_alignment) T values[Capacity * Model::training_workspace_size_per_sample];
    training_context context{};  // the trainer sets a fresh noise key before each step

    T* data() { return values; }
    const T* data() const { return values; }

    // Outputs of layer I for the whole batch, where the training forward writes them: not for a
    // layer whose output the next one writes (fused_activation.hpp), and the choices of the pool
    // after an activation whose pool the layer before folds in (fused_pool.hpp).
    template <std::size_t I>
    T* activation() {
        return values + Capacity * Model::activation_offsets[I];
    }
    template <std::size_t I>
    const T* activation() const {
        return values + Capacity * Model::activation_offsets[I];
    }
    // What layer I saved in the training forward for its backward (batch * saved_size values).
    template <std::size_t I>
    T* saved() {
        return values + Capacity * (Model::saved_base + Model::saved_offsets[I]);
    }
    // dL/d(outputs of layer I) for the whole batch; two buffers alternate down the layers
    // (Model::gradient_buffers).
    template <std::size_t I>
    T* output_gradient() {
        return values + Capacity * (Model::activations_size + Model::gradient_buffers[I] * Model::gradient_buffer_size);
    }

    // The model's output for sample `b` of the last forward().
    std::span<const T, Model::output_shape::size> output(std::size_t b) const {
        return std::span<const T, Model::output_shape::size>(
            activation<Model::layer_count - 1>() + b * Model::output_shape::size, Model::output_shape::size);
    }
};

}  // namespace ctnn
