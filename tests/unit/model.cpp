#include <cmath>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include <ctnn/ctnn.hpp>

#include "gradient_check.hpp"

using namespace ctnn;

using xor_net = sequential<input<2>, dense<5>, sigmoid, dense<1>, sigmoid>;
using mixed_net = sequential<input<6>, dense<8>, relu, dense<7>, ctnn::tanh, dense<5>, leaky_relu<std::ratio<1, 5>>,
                             dense<4>, identity, dense<3>, softmax>;

TEST_CASE("xor_net: compile-time figures") {
    static_assert(xor_net::param_count == 21);
    static_assert(std::is_same_v<xor_net::output_shape, shape<1>>);
    static_assert(std::is_same_v<xor_net::input_shape, shape<2>>);
    static_assert(xor_net::layer_count == 4);
    static_assert(xor_net::param_offsets[2] == 15);
    static_assert(xor_net::flops == 2 * 2 * 5 + 5 * 4 + 2 * 5 * 1 + 1 * 4);
    // Largest adjacent pair of intermediate outputs: dense<5> and sigmoid, 5 + 5 values.
    static_assert(xor_net::inference_scratch_size == 10);
    static_assert(xor_net::inference_scratch_bytes<float> == 40);
    static_assert(xor_net::training_workspace_bytes<float, 4> == 4 * (5 + 5 + 1 + 1 + 2 * 5) * sizeof(float));
    static_assert(layer_table<xor_net>[0].param_count == 15);
    static_assert(layer_table<xor_net>[3].name == "sigmoid");
}

TEST_CASE("the inference arena never lets a layer's input and output overlap") {
    // Any model whose sizes alternate large/small stresses the front/back placement.
    using net = sequential<input<3>, dense<9>, relu, dense<2>, relu, dense<11>, sigmoid, dense<1>>;
    static_assert(net::inference_scratch_size == 11 + 11);
    parameters<net, double> p;
    initialize(p, 5);
    tensor<double, shape<3>> x{{0.5, -1.0, 2.0}};
    training_workspace<net, double> ws;
    const auto trained = net::forward(p, x, ws);
    const auto inferred = net::infer(p, x);
    CHECK(inferred[0] == trained[0]);
}

TEST_CASE("infer and training forward agree bit for bit") {
    parameters<mixed_net> p;
    initialize(p, 3, initializer::he_uniform);
    random_generator rng(9);
    for (int trial = 0; trial < 20; ++trial) {
        tensor<float, shape<6>> x;
        for (float& v : x) v = rng.uniform<float>(-3, 3);
        training_workspace<mixed_net> ws;
        const auto y_train = mixed_net::forward(p, x, ws);
        const auto y_infer = mixed_net::infer(p, x);
        for (std::size_t i = 0; i < 3; ++i) CHECK(y_infer[i] == y_train[i]);
    }
}

// conv2d applies the activation after it when that activation's derivative reads only its output
// (ctnn/fused_activation.hpp): relu and tanh here, not leaky_relu. The activations' outputs must
// be the bits of running the layers one at a time, and infer (which does not fuse) must agree.
using fused_cnn = sequential<input<9, 8, 2>, conv2d<5, 3, 3, 1, padding::same>, relu, conv2d<4, 2, 2>, ctnn::tanh,
                             conv2d<3, 3, 3, 1, padding::same>, leaky_relu<std::ratio<1, 10>>, flatten, dense<2>>;

// An activation with only the required members (no derivative_reads_* flags).
struct unflagged_activation : elementwise<unflagged_activation> {
    static constexpr std::string_view name = "unflagged";
    static constexpr std::size_t flops_per_value = 1;
    template <class T>
    static T apply(T x) { return x / (T(1) + (x < T(0) ? -x : x)); }
    template <class T>
    static T derivative(T x, T) { return T(1) / ((T(1) + (x < T(0) ? -x : x)) * (T(1) + (x < T(0) ? -x : x))); }
};

TEST_CASE("a conv2d writes the output of the activation after it, with the same bits") {
    using runners = fused_cnn::runners;
    static_assert(detail::writes_next_output<runners, 0>() && detail::output_written_before<runners, 1>());
    static_assert(detail::writes_next_output<runners, 2>() && detail::output_written_before<runners, 3>());
    static_assert(!detail::writes_next_output<runners, 4>() && !detail::output_written_before<runners, 5>());
    static_assert(!detail::writes_next_output<runners, 1>() && !detail::writes_next_output<runners, 6>());
    // An activation that does not say what its derivative reads is taken to read its input.
    static_assert(!detail::writes_next_output<typename sequential<input<4, 4, 1>, conv2d<2, 3, 3>,
                                                                  unflagged_activation>::runners, 0>());
    parameters<fused_cnn> p;
    initialize(p, 21, initializer::he_uniform);
    random_generator rng(22);
    constexpr std::size_t batch = 20;  // with AVX-512, a group of 16 samples in lanes and 4 alone
    std::vector<float> x(batch * fused_cnn::input_shape::size);
    for (float& v : x) v = rng.uniform<float>(-1, 1);
    auto ws = std::make_unique<training_workspace<fused_cnn, float, batch>>();
    fused_cnn::forward(p, x.data(), batch, *ws);

    // The same layers one at a time, each on the previous one's output.
    std::vector<float> a(x), b;
    const auto run = [&]<std::size_t I>(std::integral_constant<std::size_t, I>, const float* expected) {
        b.assign(batch * fused_cnn::output_sizes[I], 0.0f);
        fused_cnn::layer<I>::forward(p.data() + fused_cnn::param_offsets[I], a.data(), b.data(), batch);
        if (expected != nullptr) CHECK(std::memcmp(b.data(), expected, b.size() * sizeof(float)) == 0);
        a.swap(b);
    };
    run(std::integral_constant<std::size_t, 0>{}, nullptr);  // not kept: the relu's output is
    run(std::integral_constant<std::size_t, 1>{}, ws->activation<1>());
    run(std::integral_constant<std::size_t, 2>{}, nullptr);
    run(std::integral_constant<std::size_t, 3>{}, ws->activation<3>());
    run(std::integral_constant<std::size_t, 4>{}, ws->activation<4>());
    run(std::integral_constant<std::size_t, 5>{}, ws->activation<5>());
    for (std::size_t s = 0; s < batch; ++s) {
        tensor<float, fused_cnn::input_shape> one;
        std::memcpy(one.data(), x.data() + s * one.size, sizeof(float) * one.size);
        const auto y = fused_cnn::infer(p, one);
        CHECK(std::memcmp(y.data(), ws->output(s).data(), sizeof(float) * y.size) == 0);
    }
}

// max_pool2d performs the backward of the activation before it when that activation's derivative
// reads only its output (the pool's input): the model's gradients must be the bits of every layer's
// own backward run one after another. Pools of 2 tile their input (the derivative is applied as dx
// is written); 3 with stride 2 overlap (a pass after the windows).
using pooled_cnn = sequential<input<8, 8, 2>, conv2d<4, 3, 3, 1, padding::same>, relu, max_pool2d<2>, conv2d<3, 2, 2>,
                              ctnn::tanh, max_pool2d<3, 2, padding::same>, leaky_relu<std::ratio<1, 10>>, max_pool2d<2>,
                              flatten, dense<3>>;

TEST_CASE("a max_pool2d performs the backward of the activation before it, with the same bits") {
    using net = pooled_cnn;
    using runners = net::runners;
    static_assert(detail::writes_previous_input_gradient<runners, 2>() && detail::input_gradient_written_after<runners, 1>());
    static_assert(detail::writes_previous_input_gradient<runners, 5>() && detail::input_gradient_written_after<runners, 4>());
    static_assert(!detail::writes_previous_input_gradient<runners, 7>());  // leaky_relu reads its input
    parameters<net> p;
    initialize(p, 31, initializer::he_uniform);
    random_generator rng(32);
    constexpr std::size_t batch = 5, last = net::layer_count - 1;
    std::vector<float> x(batch * net::input_shape::size), dy(batch * net::output_shape::size);
    for (float& v : x) v = rng.uniform<float>(-1, 1);
    for (float& v : dy) v = rng.uniform<float>(-1, 1);
    auto ws = std::make_unique<training_workspace<net, float, batch>>();
    net::forward(p, x.data(), batch, *ws);
    std::memcpy(ws->output_gradient<last>(), dy.data(), dy.size() * sizeof(float));
    auto grads = std::make_unique<parameters<net>>();
    grads->values.fill(0.0f);
    std::vector<float> dx(x.size());
    net::backward(p, x.data(), batch, *ws, *grads, dx.data());

    // Every layer alone: forward keeping each output, then backward from the last layer down.
    std::vector<std::vector<float>> outputs(net::layer_count + 1);
    outputs[0] = x;
    std::vector<float> expected_grads(net::param_count, 0.0f), gradient = dy;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((outputs[I + 1].assign(batch * net::output_sizes[I], 0.0f),
          net::layer<I>::forward(p.data() + net::param_offsets[I], outputs[I].data(), outputs[I + 1].data(), batch)),
         ...);
        constexpr std::size_t count = sizeof...(I);
        ((void)[&] {
            constexpr std::size_t layer = count - 1 - I;
            std::vector<float> below(outputs[layer].size());
            net::layer<layer>::backward(p.data() + net::param_offsets[layer], outputs[layer].data(),
                                        outputs[layer + 1].data(), gradient.data(), below.data(),
                                        expected_grads.data() + net::param_offsets[layer], batch);
            gradient.swap(below);
        }(), ...);
    }(std::make_index_sequence<net::layer_count>{});
    CHECK(std::memcmp(dx.data(), gradient.data(), dx.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(grads->data(), expected_grads.data(), expected_grads.size() * sizeof(float)) == 0);
}

TEST_CASE("whole-model backward matches central finite differences (input and parameters)") {
    parameters<mixed_net, double> p;
    initialize(p, 17, initializer::he_uniform);
    random_generator rng(4);
    for (double& v : p.values) v += rng.uniform<double>(-0.1, 0.1);  // non-zero biases too
    tensor<double, shape<6>> x;
    for (double& v : x) v = rng.uniform<double>(-1, 1);
    tensor<double, shape<3>> upstream{{0.3, -0.7, 1.1}};

    training_workspace<mixed_net, double> ws;
    gradients<mixed_net, double> grads{};
    tensor<double, shape<6>> dx;
    mixed_net::forward(p, x, ws);
    mixed_net::backward(p, x, ws, upstream, grads, &dx);

    const auto loss = [&] {
        const auto y = mixed_net::infer(p, x);
        return upstream[0] * y[0] + upstream[1] * y[1] + upstream[2] * y[2];
    };
    const auto numeric = [&](double& value) { return ctnn_test::central_difference(value, loss); };
    for (std::size_t i = 0; i < 6; ++i) CHECK(ctnn_test::relative_error(numeric(x[i]), dx[i]) < 1e-6);
    for (std::size_t i = 0; i < p.size; ++i) {
        const double n = numeric(p.values[i]);
        CHECK_MESSAGE(ctnn_test::relative_error(n, grads.values[i]) < 1e-6, "parameter ", i);
    }
}

TEST_CASE("a batch forward/backward equals accumulating sample by sample") {
    parameters<mixed_net> p;
    initialize(p, 8);
    constexpr std::size_t batch = 5;
    random_generator rng(1);
    float xs[batch * 6];
    for (float& v : xs) v = rng.uniform<float>(-1, 1);

    training_workspace<mixed_net, float, batch> ws;
    for (std::size_t k = 0; k < batch * 3; ++k) ws.output_gradient<mixed_net::layer_count - 1>()[k] = float(k) * 0.1f;
    gradients<mixed_net> batched{};
    mixed_net::forward(p, xs, batch, ws);
    mixed_net::backward(p, xs, batch, ws, batched);

    gradients<mixed_net> one_by_one{};
    training_workspace<mixed_net> single;
    for (std::size_t k = 0; k < batch; ++k) {
        mixed_net::forward(p, xs + 6 * k, 1, single);
        for (std::size_t c = 0; c < 3; ++c) single.output_gradient<mixed_net::layer_count - 1>()[c] = float(3 * k + c) * 0.1f;
        mixed_net::backward(p, xs + 6 * k, 1, single, one_by_one);
    }
    CHECK(batched == one_by_one);
}

TEST_CASE("parameters expose each layer's slice") {
    parameters<xor_net> p{};
    p.of_layer<2>()[0] = 7.0f;
    CHECK(p.values[15] == 7.0f);
    static_assert(decltype(p.of_layer<0>())::extent == 15);
    static_assert(decltype(p.of_layer<1>())::extent == 0);
}

TEST_CASE("architecture signatures tell models apart") {
    using wider = sequential<input<2>, dense<6>, sigmoid, dense<1>, sigmoid>;
    using other_activation = sequential<input<2>, dense<5>, ctnn::tanh, dense<1>, sigmoid>;
    using other_slope = sequential<input<2>, dense<5>, leaky_relu<std::ratio<1, 5>>, dense<1>, sigmoid>;
    using default_slope = sequential<input<2>, dense<5>, leaky_relu<>, dense<1>, sigmoid>;
    static_assert(architecture_signature<xor_net> != architecture_signature<wider>);
    static_assert(architecture_signature<xor_net> != architecture_signature<other_activation>);
    static_assert(architecture_signature<other_slope> != architecture_signature<default_slope>);
    static_assert(architecture_signature<xor_net> == architecture_signature<sequential<input<2>, dense<5>, sigmoid, dense<1>, sigmoid>>);
}

// Views (flatten, reshape) at the start, one after another in the middle, and at the end.
using view_net = sequential<input<2, 3>, flatten, dense<8>, ctnn::tanh, reshape<2, 4>, flatten, dense<3>, reshape<3, 1>>;

TEST_CASE("views share their input's storage in training, and gradients still flow through them") {
    // The first layer copies (its input is the caller's); the others take their input's place.
    static_assert(view_net::aliases_input == std::array{false, false, false, true, true, false, true});
    static_assert(view_net::activation_offsets[4] == view_net::activation_offsets[2] &&
                  view_net::activation_offsets[3] == view_net::activation_offsets[2] &&
                  view_net::activation_offsets[6] == view_net::activation_offsets[5]);
    static_assert(view_net::activations_size == 6 + 8 + 8 + 3);
    static_assert(view_net::gradient_buffers[2] == view_net::gradient_buffers[3] &&
                  view_net::gradient_buffers[3] == view_net::gradient_buffers[4] &&
                  view_net::gradient_buffers[5] == view_net::gradient_buffers[6]);

    parameters<view_net, double> p;
    initialize(p, 5, initializer::he_uniform);
    random_generator rng(9);
    for (double& v : p.values) v += rng.uniform<double>(-0.1, 0.1);
    tensor<double, shape<2, 3>> x;
    for (double& v : x) v = rng.uniform<double>(-1, 1);
    tensor<double, shape<3, 1>> upstream{{0.4, -0.9, 1.3}};

    training_workspace<view_net, double> ws;
    gradients<view_net, double> grads{};
    tensor<double, shape<2, 3>> dx;
    const auto y = view_net::forward(p, x, ws);
    const auto inferred = view_net::infer(p, x);
    for (std::size_t i = 0; i < 3; ++i) CHECK(y[i] == inferred[i]);
    view_net::backward(p, x, ws, upstream, grads, &dx);

    const auto loss = [&] {
        const auto out = view_net::infer(p, x);
        return upstream[0] * out[0] + upstream[1] * out[1] + upstream[2] * out[2];
    };
    const auto numeric = [&](double& value) { return ctnn_test::central_difference(value, loss); };
    for (std::size_t i = 0; i < 6; ++i) CHECK(ctnn_test::relative_error(numeric(x[i]), dx[i]) < 1e-6);
    for (std::size_t i = 0; i < p.size; ++i)
        CHECK_MESSAGE(ctnn_test::relative_error(numeric(p.values[i]), grads.values[i]) < 1e-6, "parameter ", i);
}
