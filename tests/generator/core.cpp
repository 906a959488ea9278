// The generator's model-independent pieces: C identifiers, exact float literals, buffer planning.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <ctnn/random.hpp>

#include <ctnn_gen/generate.hpp>
#include <ctnn_gen/writer.hpp>

#include "../../generator/src/plan.hpp"

using ctnn_gen::c_identifier;

TEST_CASE("model names become safe C identifiers") {
    CHECK(c_identifier("xor_model") == "xor_model");
    CHECK(c_identifier("xor-net") == "xor_net");
    CHECK(c_identifier("my net.v2") == "my_net_v2");
    CHECK(c_identifier("3d") == "model_3d");
    CHECK(c_identifier("_private") == "model_private");  // file-scope names starting with _ are reserved
    CHECK(c_identifier("a__b") == "a_b");                // C++ reserves __ anywhere
    CHECK(c_identifier("int") == "int_");
    CHECK(c_identifier("class") == "class_");            // C++ keywords too: the header is used from C++
    CHECK(c_identifier("caf\xc3\xa9") == "caf_");
    CHECK_THROWS_AS(c_identifier(""), ctnn_gen::generation_error);
    CHECK_THROWS_AS(c_identifier("--"), ctnn_gen::generation_error);
}

TEST_CASE("float literals read back as exactly the same float") {
    CHECK(ctnn_gen::c_float_literal(1.0f) == "1.0f");
    CHECK(ctnn_gen::c_float_literal(0.1f) == "0.1f");
    CHECK(ctnn_gen::c_float_literal(-0.0f) == "-0.0f");
    CHECK(ctnn_gen::c_float_literal(1e-8f) == "1e-08f");
    CHECK_THROWS(ctnn_gen::c_float_literal(std::numeric_limits<float>::infinity()));
    CHECK_THROWS(ctnn_gen::c_float_literal(std::numeric_limits<float>::quiet_NaN()));

    ctnn::random_generator rng(5);
    std::vector<float> values = {std::numeric_limits<float>::max(), std::numeric_limits<float>::min(),
                                 std::numeric_limits<float>::denorm_min(), 16777217.0f, 0.2f, 1.0f / 3.0f};
    for (int k = 0; k < 20000; ++k) {
        // Random bit patterns: every exponent, every mantissa.
        const auto bits = static_cast<std::uint32_t>(rng.next());
        float v;
        std::memcpy(&v, &bits, sizeof v);
        if (std::isfinite(v)) values.push_back(v);
    }
    for (float v : values) {
        const std::string text = ctnn_gen::c_float_literal(v);
        REQUIRE(text.back() == 'f');
        const float back = std::strtof(text.substr(0, text.size() - 1).c_str(), nullptr);
        CHECK_MESSAGE(std::memcmp(&back, &v, sizeof v) == 0, text);
    }
}

TEST_CASE("the writer indents blocks and strips trailing blanks") {
    ctnn_gen::writer c;
    c.open("for (size_t i = 0; i < ", std::size_t{3}, "; ++i)");
    c.line("x[i] = ", ctnn::emit::real{0.5}, ";  ");
    c.close();
    c.open();
    c.close(" tail;");
    CHECK(c.text() == "for (size_t i = 0; i < 3; ++i) {\n    x[i] = 0.5f;\n}\n{\n} tail;\n");
}

namespace {
using ctnn_gen::chain_plan;
using ctnn_gen::sharing;

// Two arena groups that are alive at once (a layer reads one and writes the next) never overlap,
// every group fits in the arena, and the arena never exceeds the largest adjacent pair of tensors.
void check_chain(const std::vector<std::size_t>& sizes, const std::vector<sharing>& shares, bool shareable,
                 std::size_t leading) {
    const chain_plan plan = ctnn_gen::plan_chain(sizes, shares, shareable, leading);
    const std::size_t n = shares.size();
    REQUIRE(plan.group.size() == n + 1);
    CHECK(plan.group[0] == chain_plan::source);
    CHECK(plan.group[n] == chain_plan::destination);
    std::size_t bound = leading;
    for (std::size_t t = 0; t <= n; ++t) {
        if (t + 1 <= n) bound = std::max(bound, sizes[t] + sizes[t + 1]);
        const int g = plan.group[t];
        if (g < 0) continue;
        CHECK(plan.group_size[std::size_t(g)] == sizes[t]);
        CHECK(plan.group_offset[std::size_t(g)] + sizes[t] <= plan.arena);
    }
    if (leading > 0) bound = std::max(bound, leading + sizes[0]);
    CHECK(plan.arena <= bound);
    for (std::size_t i = 0; i < n; ++i) {
        const int in = plan.group[i], out = plan.group[i + 1];
        if (in >= 0 && out >= 0 && in != out) {
            const std::size_t a = plan.group_offset[std::size_t(in)], b = plan.group_offset[std::size_t(out)];
            const bool apart = a + sizes[i] <= b || b + sizes[i + 1] <= a;
            CHECK_MESSAGE(apart, "layer " << i << " reads and writes overlapping buffers");
        }
        if (leading > 0 && in == chain_plan::source && out >= 0)
            CHECK_MESSAGE(plan.group_offset[std::size_t(out)] >= leading, "the first group overlaps the leading slot");
        if (in != out && shares[i] == sharing::pass_through) CHECK(plan.emits[i]);
        if (in == out) CHECK(shares[i] != sharing::none);
        if (in == chain_plan::source && out == chain_plan::source) CHECK(shares[i] == sharing::pass_through);
    }
}
}  // namespace

TEST_CASE("the chain planner keeps live buffers apart and the arena within the adjacent-pair bound") {
    // XOR: dense, sigmoid, dense, sigmoid -> the hidden layer only, 5 floats.
    const chain_plan xor_plan = ctnn_gen::plan_chain({2, 5, 5, 1, 1}, {sharing::none, sharing::in_place,
                                                                        sharing::none, sharing::in_place}, true);
    CHECK(xor_plan.arena == 5);
    // 784-128-64-10 with relu and softmax: 128 + 64.
    const chain_plan mlp_plan = ctnn_gen::plan_chain(
        {784, 128, 128, 64, 64, 10, 10},
        {sharing::none, sharing::in_place, sharing::none, sharing::in_place, sharing::none, sharing::in_place}, true);
    CHECK(mlp_plan.arena == 192);

    ctnn::random_generator rng(11);
    for (int k = 0; k < 2000; ++k) {
        const std::size_t n = 1 + rng.below(8);
        std::vector<std::size_t> sizes{1 + rng.below(50)};
        std::vector<sharing> shares;
        for (std::size_t i = 0; i < n; ++i) {
            const auto kind = static_cast<sharing>(rng.below(3));
            shares.push_back(kind);
            sizes.push_back(kind == sharing::none ? 1 + rng.below(50) : sizes.back());
        }
        check_chain(sizes, shares, rng.below(2) == 0, rng.below(2) == 0 ? 0 : sizes[0]);
    }
}
