// The consumer's program: checks at run time that the library it was built against behaves
// (a broken install or include path shows up as a build failure, a wrong library as exit code 1).
#include <cstdio>
#include <span>

#include <ctnn/ctnn.hpp>

namespace {
using xor_net = ctnn::sequential<ctnn::input<2>, ctnn::dense<5>, ctnn::sigmoid, ctnn::dense<1>, ctnn::sigmoid>;
using sample = ctnn::tensor<float, xor_net::input_shape>;
using target = ctnn::tensor<float, xor_net::output_shape>;

constexpr sample inputs[4] = {{{0, 0}}, {{0, 1}}, {{1, 0}}, {{1, 1}}};
constexpr target targets[4] = {{{0}}, {{1}}, {{1}}, {{0}}};

int fail(const char* why) {
    std::fprintf(stderr, "ctnn consumer: %s\n", why);
    return 1;
}
}  // namespace

int main(int argc, char**) {
    // argc keeps the count a run-time value: this is checked by running, not by the compiler.
    const std::size_t params = xor_net::param_count + std::size_t(argc - 1);
    std::printf("xor_net: %zu parameters\n", params);
    if (params != 21) return fail("xor_net should have 21 parameters (2*5+5 + 5*1+1)");

    static ctnn::parameters<xor_net> weights;
    ctnn::initialize(weights, 1);
    static ctnn::adam<xor_net> optimizer{.learning_rate = 0.1f};
    static ctnn::trainer<xor_net, ctnn::mse, float, 4> trainer;
    const auto first = trainer.fit(weights, optimizer, std::span(inputs), std::span(targets),
                                   {.epochs = 1, .batch_size = 4, .shuffle = false});
    const auto last = trainer.fit(weights, optimizer, std::span(inputs), std::span(targets),
                                  {.epochs = 200, .batch_size = 4, .shuffle = false});
    if (!first.outcome || !last.outcome) return fail("training reported an error");
    std::printf("loss: %.6f after 1 epoch, %.6f after 201\n", first.loss, last.loss);
    if (!(last.loss < first.loss)) return fail("training did not lower the loss");

    const float y = xor_net::infer(weights, inputs[1])[0];
    if (!(y > 0.0f && y < 1.0f)) return fail("a sigmoid output left (0, 1)");
    return 0;
}
