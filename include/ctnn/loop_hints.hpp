// ctnn/loop_hints.hpp: loop pragmas that only one compiler should see, in C++ and as C.
#pragma once
#include <ctnn/emit/c.hpp>

// GCC 12 unrolls some small fixed loops fully and then fails to vectorise them; "GCC unroll 1"
// keeps such a loop a loop, which it vectorises. Clang 14 honours the same pragma but then keeps
// some loops' accumulators in memory. Without it in the dense kernels and the convolution's
// forward and dL/dx (clang++-14 -O3): M2 batch-64 SGD step 415 -> 350 us, M3 batch-32 step
// 1.83 -> 1.08 ms, M3 one-image inference 22.7 -> 9.7 us; in the convolution's kernel gradients,
// once their per-pixel helper was always inlined, M3 step 0.84 -> 0.54 ms (-O3), 1.2 -> 0.53 (-O2).
// Where clang did as well or better with the pragma, the kernels write "#pragma GCC unroll 1".
#if defined(__clang__)
#define CTNN_GCC_KEEP_LOOP
#else
#define CTNN_GCC_KEEP_LOOP _Pragma("GCC unroll 1")
#endif

// GCC 12 keeps a loop's accumulators in registers by store motion; when some path through the loop
// leaves an accumulator alone (a tap in the padding), it also keeps a flag per accumulator saying
// whether to store it at the end, set on every path that does. With 24 accumulators those flags
// went to the stack, stored in the hot loop (M3's second convolution's kernel gradients, batch 32:
// 82 -> 72 us without them). Storing an unchanged local value back is harmless, which this permits.
#if defined(__GNUC__) && !defined(__clang__)
#define CTNN_GCC_ALLOW_STORE_DATA_RACES __attribute__((optimize("allow-store-data-races")))
#else
#define CTNN_GCC_ALLOW_STORE_DATA_RACES
#endif

namespace ctnn::detail {

// The generated C makes the same choice, loop by loop: it writes CTNN_GCC_KEEP_LOOP where clang
// ran the loop faster without the pragma and "#pragma GCC unroll 1" where with it. Generated code
// built by clang 14 -O3 -march=native, one process against the pragma everywhere, per sample: M2
// inference 11.0 -> 6.6 us, training 17.5 -> 12.1 us; M3 35.7 -> 18.6 and 140 -> 66 us (AVX2
// alike). The convolution's kernel gradients keep the pragma: without it they ran 2x slower.
// GCC's object code is unchanged.
// CTNN_OUTER_LOOP marks the outer loop of a small nest whose inner loop runs over contiguous
// values: clang 14 vectorised some such nests across the outer loop instead, with a gather and a
// scatter per vector (a dense block's first products and halving levels). With it, the generated
// M2's one-sample inference built by clang -O3 -march=native took 4.6 us instead of 6.8 (0.68x),
// training 0.79x; GCC ignores it (the same object code).
// CTNN_UNROLL_BLOCK unrolls the loops of a block of pixels whose sums the compiler should keep in
// registers, and the taps whose tests then have constant operands (conv2d's generated forward);
// when optimising for size (GCC's and clang's -Os) it asks for nothing, as the code for a
// microcontroller without vector registers gains little by it.
template <emit::writer W>
void emit_loop_hint_definitions(W& c) {
    c.line("/* ctnn/loop_hints.hpp: \"GCC unroll 1\" keeps a loop that GCC 12 would unroll whole and then");
    c.line("   leave scalar; clang honours it too, and runs some of these loops faster without it. */");
    emit::define_unless_defined(c, "CTNN_GCC_KEEP_LOOP", "defined(__GNUC__) && !defined(__clang__)",
                                "_Pragma(\"GCC unroll 1\")", "");
    c.line("/* On the outer loop of a nest whose inner loop is contiguous: clang would vectorise some such");
    c.line("   nests across the outer loop, with gathers and scatters. */");
    emit::define_unless_defined(c, "CTNN_OUTER_LOOP", "defined(__clang__)",
                                "_Pragma(\"clang loop vectorize(disable)\")", "");
    c.line("/* A block's loops unrolled (up to 16 iterations), except when optimising for size. */");
    emit::define_unless_defined(c, "CTNN_UNROLL_BLOCK", "defined(__GNUC__) && !defined(__OPTIMIZE_SIZE__)",
                                "_Pragma(\"GCC unroll 16\")", "");
}

}  // namespace ctnn::detail
