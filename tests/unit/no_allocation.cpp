// Proves that inference, training steps and a whole fit never touch the heap: every global
// allocation function is replaced by a counting one. glibc's malloc family is interposed too
// (outside sanitizer builds, whose runtimes own malloc), so C-level allocations are caught as well.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>

#include <ctnn/ctnn.hpp>

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t size) {
    ++allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, std::align_val_t align) {
    ++allocations;
    if (void* p = std::aligned_alloc(std::size_t(align), (size + std::size_t(align) - 1) / std::size_t(align) * std::size_t(align)))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t align) { return operator new(size, align); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CTNN_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CTNN_UNDER_ASAN 1
#endif

#if !defined(CTNN_UNDER_ASAN) && defined(__GLIBC__)
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* malloc(std::size_t size) {
    ++allocations;
    return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
    ++allocations;
    return __libc_calloc(count, size);
}
void* realloc(void* p, std::size_t size) {
    ++allocations;
    return __libc_realloc(p, size);
}
}
#define CTNN_COUNTS_MALLOC 1
#endif

using namespace ctnn;
using net = sequential<input<4>, dense<16>, relu, dense<8>, ctnn::tanh, dense<6>, leaky_relu<>, dense<3>, softmax>;
using xor_net = sequential<input<2>, dense<5>, sigmoid, dense<1>, sigmoid>;

// Everything lives in static storage, set up before counting starts.
namespace {
parameters<net> params;
gradients<net> grads;
training_workspace<net, float, 8> workspace;
adam<net> adam_optimizer{.learning_rate = 0.01f};
sgd<net> sgd_optimizer{.learning_rate = 0.01f, .momentum = 0.9f};
trainer<net, softmax_cross_entropy, float, 8> net_trainer;
trainer<xor_net, mse, float, 4> xor_trainer;
tensor<float, shape<4>> xs[32];
tensor<float, shape<3>> ys[32];
}  // namespace

TEST_CASE("the allocation counter sees operator new and malloc") {
    // Through a volatile pointer so that the compiler cannot elide the pairs.
    long before = allocations.load();
    void* volatile block = ::operator new(8);
    ::operator delete(block);
    CHECK(allocations.load() > before);
#if CTNN_COUNTS_MALLOC
    before = allocations.load();
    block = std::malloc(16);
    std::free(block);
    CHECK(allocations.load() > before);
#endif
}

TEST_CASE("no heap allocation in inference, forward, backward, optimizer steps and fit") {
    initialize(params, 1);
    random_generator rng(2);
    for (std::size_t i = 0; i < 32; ++i) {
        for (float& v : xs[i]) v = rng.uniform(-1.0f, 1.0f);
        ys[i] = {};
        ys[i][i % 3] = 1;
    }
    parameters<xor_net> xor_params;
    initialize(xor_params, 1);
    adam<xor_net> xor_optimizer{.learning_rate = 0.1f};
    const tensor<float, shape<2>> xor_inputs[4] = {{{0, 0}}, {{0, 1}}, {{1, 0}}, {{1, 1}}};
    const tensor<float, shape<1>> xor_targets[4] = {{{0}}, {{1}}, {{1}}, {{0}}};

    const long before = allocations.load();
    const auto y = net::infer(params, xs[0]);
    net::forward(params, xs[0].data(), 1, workspace);
    net::backward(params, xs[0].data(), 1, workspace, grads);
    adam_optimizer.step(params, grads);
    sgd_optimizer.step(params, grads);
    const auto batch = net_trainer.train_batch(params, adam_optimizer, std::span(xs, 8), std::span(ys, 8));
    // The same batch as values, read in place.
    const auto batch_values = net_trainer.train_batch(params, adam_optimizer, std::span(xs[0].data(), xs[0].size),
                                                      std::span(ys[0].data(), ys[0].size));
    const auto fitted = net_trainer.fit(params, adam_optimizer, xs, ys, {.epochs = 3, .batch_size = 8, .seed = 1},
                                        [](const epoch_report&) {});
    const auto xor_fit = xor_trainer.fit(xor_params, xor_optimizer, xor_inputs, xor_targets, {.epochs = 1000, .shuffle = false});
    const long during = allocations.load() - before;

    CHECK(during == 0);
    CHECK(std::isfinite(y[0]));
    CHECK(batch.outcome);
    CHECK(batch_values.outcome);
    CHECK(fitted.outcome);
    CHECK(xor_fit.loss < 0.01);
}
