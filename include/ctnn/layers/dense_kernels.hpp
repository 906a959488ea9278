// ctnn/layers/dense_kernels.hpp: the loops of ctnn::dense, written so that compilers vectorise
// them without reassociating any sum (ctnn never relies on -ffast-math).
//
// Forward: a dot product over at least dense_lanes inputs is split into dense_lanes partial sums
// (input i goes to lane i % dense_lanes; a lane starts with its first product, then adds the
// others in input order), the lanes are added by
// halving (lane l += lane l + half, half = 8, 4, 2, 1), and the bias comes last. That order is one
// vector of accumulators and a fixed reduction, identical in the generated C (dense.hpp emits it),
// so both paths give the same bits. Narrow layers keep the plain order: bias, then inputs in order.
// Backward: every sum keeps the order of the one-sample loops (weight gradients add the samples in
// order; dL/dx adds the units in order); only the loop nesting changes, so that the innermost loop
// runs over contiguous memory.
#pragma once
#include <cstddef>
#include <type_traits>
#include <utility>

#include <ctnn/loop_hints.hpp>
#include <ctnn/multiply_add.hpp>
#include <ctnn/optim/in_place_descent.hpp>
#include <ctnn/sample_lanes.hpp>
#include <ctnn/target_vector.hpp>

namespace ctnn::detail {

inline constexpr std::size_t dense_lanes = 16;

// True when a layer with this many inputs uses the split sum.
constexpr bool dense_splits(std::size_t inputs) { return inputs >= dense_lanes; }

// A batched forward computes dense_forward_units units x dense_forward_samples samples together:
// each vector of W meets four samples and each vector of x four units, 8 to 11 vector loads (GCC 12
// reloads some) for 16 multiply-adds, where 1 unit x 8 samples needs 9 for 8 and two loads per cycle
// bound it. Measured on a 784x128 layer, batch 64: 4 x 4 192 GFLOP/s, 1 x 8 177 (Zen 5, peak 219).
// Wider tiles lose under GCC 12, which then reads the shared vector from memory in each
// multiply-add (4 x 6: 28 loads for 24): in one run 4 x 4 206, 8 x 3 175, 2 x 8 170, 4 x 6 146
// (peak 233). Nor is L2 the limit: the same tile on data all in L1 runs 4% faster, and keeping a
// W tile in L1 for 8 samples (or for all 64, x streaming instead) gained nothing.
// x86 without AVX-512 (CTNN_NARROW_VECTORS): dense_split_block computes a batch's 16 lanes in
// passes of one vector (8 floats with AVX, 4 with SSE2), 2 units x 6 samples at a time: 12
// accumulators, two registers for W and one for x. As 16-float arrays, 4 x 4 spilled. Batch 64,
// 784x128, GFLOP/s, 4 x 4 arrays against 2 x 6 in passes: AVX2 g++ -O3 55 -> 78 (-O2 52 -> 84);
// SSE2 -O2 27 -> 45 (-O3 24 -> 51); other tiles in passes: 3 x 4 72, 2 x 5 76, 1 x 8 73 (AVX2 -O3).
#if defined(CTNN_NARROW_VECTORS)
inline constexpr std::size_t dense_forward_samples = 6;
inline constexpr std::size_t dense_forward_units = 2;
#else
inline constexpr std::size_t dense_forward_samples = 4;
inline constexpr std::size_t dense_forward_units = 4;
#endif

// Units computed together for a sample alone: their sums are independent chains (one chain of
// multiply-adds waits for each result). With AVX-512's 32 vector registers 8 chains fit (M2
// one-sample inference 4.0 -> 3.8 us); with 16, 8 lost (AVX2, 128x64: 0.19 -> 0.22 us). Which
// units go together changes no sum, so the generated C, built for targets unknown here (and
// small stacks), keeps blocks of dense_emitted_rows_alone whatever ctnn-gen was compiled for.
#if defined(__AVX512F__)
inline constexpr std::size_t dense_forward_rows_alone = 8;
#else
inline constexpr std::size_t dense_forward_rows_alone = 4;
#endif
inline constexpr std::size_t dense_emitted_rows_alone = 4;

// The batched backward kernels keep a tile of sums in vector registers, so their tiles follow the
// target's register file (target_vector.hpp). Tiles sized for AVX-512's 32 registers spilled
// under AVX2's 16: M2's step with -march=haswell took 620 us, its first layer's weight gradients
// running at 44 GFLOP/s of the 118 AVX2 peak.
//
// A block of dW whose gradients stay in registers while the batch streams by: units x inputs,
// two vectors of inputs per unit. 32 registers: 8 units x 32 inputs (16 accumulators); on 784x128,
// batch 64: 4 x 32 117 GFLOP/s, 8 x 32 183 (AVX-512). 16 registers: 6 units (12 accumulators, two
// registers for x and one for the broadcast); same layer, g++ -O3: AVX2 8 x 32 44 GFLOP/s, 6 x 16
// 113, 4 x 16 107; SSE2 8 x 32 24, 6 x 8 40 (-O2: 24 and 38).
inline constexpr std::size_t dense_gradient_units = vector_registers >= 32 ? 8 : 6;
// A layer's units in equal blocks of at most dense_gradient_units: 10 units as two blocks of 5,
// where blocks of 8 (the second overlapping the first) computed 16 (M3's and M2's last layers).
// One kernel per layer either way.
template <std::size_t Units>
inline constexpr std::size_t dense_gradient_block_units = [] {
    const std::size_t blocks = (Units + dense_gradient_units - 1) / dense_gradient_units;
    return (Units + blocks - 1) / blocks;
}();
inline constexpr std::size_t dense_gradient_width = 2 * vector_floats;
// The generated C's batch forward and backward (<name>_train_batch) use one tile each whatever
// they are built for: the header path's with AVX-512.
inline constexpr std::size_t dense_emitted_gradient_units = 8;
inline constexpr std::size_t dense_emitted_gradient_width = 32;
inline constexpr std::size_t dense_emitted_forward_samples = 4;
inline constexpr std::size_t dense_emitted_forward_units = 4;

// Samples whose dL/dx share each row of W, times a chunk of inputs. AVX-512: 8 samples x 32
// inputs, 16 vectors of accumulators; batch 64, 128x64: 8 x 32 191 GFLOP/s, 4 x 64 152, 4 x 32
// 132; 64x10: 8 x 32 141, 4 x 64 78. AVX2, 784x128: 8 x 32 57, 6 x 16 59, 6 x 8 93 (-O2 the
// same). SSE2 found no better tile than AVX-512's (-O2: 8 x 32 31, 6 x 8 21; -O3: 37 and 31).
inline constexpr std::size_t dense_input_gradient_samples = vector_floats == 8 ? 6 : 8;
inline constexpr std::size_t dense_input_gradient_width = vector_floats == 8 ? 8 : 2 * dense_lanes;

// Covers [0, Extent) in blocks of Block: step.template operator()<Width>(start) per block. A
// remainder is one narrower block, or with Overlap (for results that are written, not added to)
// a full block ending at Extent that overlaps the one before it: those results are written twice
// with the same bits, and no kernel of another width is compiled. Fewer than Block is one block.
template <std::size_t Extent, std::size_t Block, bool Overlap, class Step>
inline void dense_for_each_block(Step step) {
    constexpr std::size_t full = Extent / Block * Block;
    for (std::size_t start = 0; start < full; start += Block) step.template operator()<Block>(start);
    if constexpr (full < Extent && Overlap && full > 0)
        step.template operator()<Block>(Extent - Block);
    else if constexpr (full < Extent)
        step.template operator()<Extent - full>(full);
}

// Each of Count rows of `lanes` (Width values) to Width / 2 values: lane l plus lane l + Width / 2.
template <std::size_t Count, std::size_t Width, class T>
inline void dense_halve(const T* lanes, T* halves) {
    constexpr std::size_t half = Width / 2;
    for (std::size_t o = 0; o < Count; ++o)
        for (std::size_t l = 0; l < half; ++l) halves[o * half + l] = lanes[o * Width + l] + lanes[o * Width + l + half];
}

// Count sums of dense_lanes lanes each, by halving: lane l += lane l + half, half = 8, 4, 2, 1.
// All sums go through each level together, so that GCC 12 adds whole vectors (15 additions and a
// few shuffles for 16 sums); reduced one by one they cost about 100 instructions each, more than
// the multiply-adds of a 128-input sum. The generated C takes a block of units through the same
// levels together.
template <std::size_t Count, class T>
[[gnu::always_inline]] inline void dense_reduce_lanes(const T* lanes, T* sums) {
    static_assert(dense_lanes == 16, "the levels below are written for 16 lanes");
    T by8[Count * 8], by4[Count * 4], by2[Count * 2];
    dense_halve<Count, dense_lanes>(lanes, by8);
    dense_halve<Count, 8>(by8, by4);
    dense_halve<Count, 4>(by4, by2);
    dense_halve<Count, 2>(by2, sums);
}

// With AVX-512 some kernels hold their accumulators as explicit 16-float vectors (sample_lanes.hpp's
// vector type, with multiply_add.hpp's vector overload): as float arrays, clang 14 kept them on the
// stack, where GCC 12 keeps them in registers.
// dense_reduce_lanes on vectors of dense_lanes floats, one sum per vector: each level halves every
// sum (lane l plus lane l + half, as dense_halve) and packs two vectors' sums into one, so that 16
// sums take 15 additions and 30 shuffles, and lane k of the last vector holds sum k. The lane of
// the pair (p, q) that lane `lane` of the level's lower (upper) addend comes from, q's lanes
// counted from dense_lanes; the generated C (dense.hpp) shuffles by it too.
constexpr std::size_t halving_source(std::size_t group, bool upper, std::size_t lane) {
    const std::size_t half = group / 2, per_vector = dense_lanes / group;
    const std::size_t sum = lane / half, offset = lane % half + (upper ? half : 0);
    return sum < per_vector ? sum * group + offset : dense_lanes + (sum - per_vector) * group + offset;
}
#if defined(CTNN_SAMPLE_LANES)
// acc[a] += coefficient[a * stride] * row (Vectors vectors of 16 floats): one rank-1 update of a
// tile of sums held in registers, each sum one chain in the order of the calls. Every loop is
// unrolled by pragma: g++ -O2 does not unroll them itself and then kept acc in memory, a store
// after every multiply-add (M2's step at -O2: 304 us with its weight-gradient tiles so, 198
// without; its 128x64 dL/dx took twice its -O3 time).
template <std::size_t Count, std::size_t Vectors>
[[gnu::always_inline]] inline void lanes_add_outer(lanes::vec (&acc)[Count][Vectors], const float* row,
                                                   const float* coefficient, std::size_t stride) {
    lanes::vec rv[Vectors];
#pragma GCC unroll 8
    for (std::size_t v = 0; v < Vectors; ++v) rv[v] = lanes::load(row + v * lanes::count);
#pragma GCC unroll 16
    for (std::size_t a = 0; a < Count; ++a) {
        const lanes::vec c = lanes::broadcast(coefficient[a * stride]);
#pragma GCC unroll 8
        for (std::size_t v = 0; v < Vectors; ++v) acc[a][v] = multiply_add(c, rv[v], acc[a][v]);
    }
}

template <std::size_t Group, bool Upper, std::size_t... L>
inline lanes::vec halving_pick(lanes::vec p, lanes::vec q, std::index_sequence<L...>) {
    return __builtin_shufflevector(p, q, halving_source(Group, Upper, L)...);
}
template <std::size_t Group, std::size_t Count>
inline lanes::vec reduce_vectors(const lanes::vec (&v)[Count]) {
    if constexpr (Group == 1) {
        static_assert(Count == 1);
        return v[0];
    } else {
        constexpr std::size_t pairs = (Count + 1) / 2;
        lanes::vec next[pairs];
        for (std::size_t i = 0; i < pairs; ++i) {
            const lanes::vec p = v[2 * i], q = 2 * i + 1 < Count ? v[2 * i + 1] : v[2 * i];
            next[i] = halving_pick<Group, false>(p, q, std::make_index_sequence<lanes::count>{}) +
                      halving_pick<Group, true>(p, q, std::make_index_sequence<lanes::count>{});
        }
        return reduce_vectors<Group / 2, pairs>(next);
    }
}
#endif

// y[s][r] = bias[r] + sums[s * Rows + r] for a block of Samples x Rows. The bias goes to a local
// first: y may alias it as far as GCC 12 knows, and it then tested the overlap and added the sums
// of a 4 x 4 block one unit at a time, 4 samples to a vector (about 30 shuffles and extracts); now
// one add and a store per sample. Batch 64: 784x128 205 -> 212 GFLOP/s, 128x64 172 -> 209; one
// sample 128x64 0.125 -> 0.105 us.
template <std::size_t Rows, std::size_t Samples, std::size_t Units, class T>
[[gnu::always_inline]] inline void dense_add_bias(const T* bias, const T* sums, T* y) {
    T b[Rows];
    for (std::size_t r = 0; r < Rows; ++r) b[r] = bias[r];
    for (std::size_t s = 0; s < Samples; ++s)
        for (std::size_t r = 0; r < Rows; ++r) y[s * Units + r] = b[r] + sums[s * Rows + r];
}

// Whether dense_split_block holds its lanes as vector_float, in passes of vector_floats lanes,
// rather than as float loops. GCC 12 with AVX-512 vectorises the loops whole (as vectors it ran
// M2's step 12% slower, B/A 1.12 twice); clang 14 kept their lanes on the stack and reduced them
// through memory (M2's step, batch 64, clang++ -O3: 224 -> 154 us as vectors). With 16 registers
// the loops spilled (figures above), but not for a sample alone: with AVX2 at -O3 its 4 units x 16
// lanes as loops ran M2's inference 5-20% faster than in passes (at -O2 and with SSE2 slower, by
// 25-35%).
template <class T, std::size_t Samples>
inline constexpr bool dense_block_in_passes =
#if defined(CTNN_NARROW_VECTORS)
    std::is_same_v<T, float> && Samples > 1;
#elif defined(CTNN_VECTOR_FLOAT) && defined(__clang__)
    std::is_same_v<T, float>;
#else
    false;
#endif

// Units j .. j + Rows - 1 of Samples rows of x: each vector of W and of x is loaded once for all
// of them. As loops, the lane loop is the outer one and the samples and units are unrolled inside
// it, so that each x value is loaded once for the Rows units it meets (GCC 12 then vectorises the
// lane loop whole; with the lane loop innermost it loaded x again for every unit).
template <std::size_t Rows, std::size_t Samples, std::size_t Inputs, std::size_t Units, class T>
inline void dense_split_block(const T* w, const T* x, const T* bias, T* y) {
    constexpr std::size_t full = Inputs / dense_lanes * dense_lanes;
    alignas(64) T lanes[Samples][Rows][dense_lanes];
#if defined(CTNN_VECTOR_FLOAT)
    if constexpr (dense_block_in_passes<T, Samples>) {
        // Lanes [h, h + vector_floats) of every sum in pass h: the same chains, fewer at a time.
        for (std::size_t h = 0; h < dense_lanes; h += vector_floats) {
            vector_float acc[Samples * Rows];
            for (std::size_t s = 0; s < Samples; ++s)
                for (std::size_t r = 0; r < Rows; ++r)
                    acc[s * Rows + r] = load_vector(w + r * Inputs + h) * load_vector(x + s * Inputs + h);
            for (std::size_t i0 = dense_lanes + h; i0 < full; i0 += dense_lanes) {
                vector_float wv[Rows];
#pragma GCC unroll 8
                for (std::size_t r = 0; r < Rows; ++r) wv[r] = load_vector(w + r * Inputs + i0);
#pragma GCC unroll 8
                for (std::size_t s = 0; s < Samples; ++s) {
                    const vector_float xv = load_vector(x + s * Inputs + i0);
#pragma GCC unroll 8
                    for (std::size_t r = 0; r < Rows; ++r) acc[s * Rows + r] = multiply_add(wv[r], xv, acc[s * Rows + r]);
                }
            }
#if defined(CTNN_SAMPLE_LANES)
            if constexpr (vector_floats == dense_lanes) {
                // One pass holds every lane: reduced in registers (through memory, clang ran M2's
                // step 1.45x slower).
                for (std::size_t s = 0; s < Samples; ++s)
                    for (std::size_t r = 0; r < Rows; ++r)
                        for (std::size_t l = 0; l < Inputs - full; ++l)
                            acc[s * Rows + r][l] =
                                multiply_add(w[r * Inputs + full + l], x[s * Inputs + full + l], acc[s * Rows + r][l]);
                alignas(64) T sums[lanes::count];
                lanes::store(sums, reduce_vectors<lanes::count, Samples * Rows>(acc));
                dense_add_bias<Rows, Samples, Units>(bias, sums, y);
                return;
            }
#endif
            for (std::size_t s = 0; s < Samples; ++s)
                for (std::size_t r = 0; r < Rows; ++r)
                    __builtin_memcpy(&lanes[s][r][h], &acc[s * Rows + r], sizeof acc[s * Rows + r]);
        }
    } else
#endif
    {
        for (std::size_t l = 0; l < dense_lanes; ++l)
#pragma GCC unroll 8
            for (std::size_t s = 0; s < Samples; ++s) {
                const T xs = x[s * Inputs + l];
#pragma GCC unroll 8
                for (std::size_t r = 0; r < Rows; ++r) lanes[s][r][l] = w[r * Inputs + l] * xs;
            }
        for (std::size_t i0 = dense_lanes; i0 < full; i0 += dense_lanes)
            for (std::size_t l = 0; l < dense_lanes; ++l)
#pragma GCC unroll 8
                for (std::size_t s = 0; s < Samples; ++s) {
                    const T xs = x[s * Inputs + i0 + l];
#pragma GCC unroll 8
                    for (std::size_t r = 0; r < Rows; ++r)
                        lanes[s][r][l] = multiply_add(w[r * Inputs + i0 + l], xs, lanes[s][r][l]);
                }
    }
    for (std::size_t s = 0; s < Samples; ++s)
        for (std::size_t r = 0; r < Rows; ++r)
            for (std::size_t l = 0; l < Inputs - full; ++l)
                lanes[s][r][l] = multiply_add(w[r * Inputs + full + l], x[s * Inputs + full + l], lanes[s][r][l]);
    T sums[Samples * Rows];
    dense_reduce_lanes<Samples * Rows>(&lanes[0][0][0], sums);
    dense_add_bias<Rows, Samples, Units>(bias, sums, y);
}

// Samples rows of x (Inputs values each) to Samples rows of y (Units values each). Out of line:
// inlined into a whole training step, GCC 12 left most lanes of a 128-input layer in memory and
// ran them one float at a time (5x slower).
template <std::size_t Samples, std::size_t Inputs, std::size_t Units, class T>
[[gnu::noinline]] void dense_split_samples(const T* w, const T* bias, const T* x, T* y) {
    constexpr std::size_t rows = Samples == 1 ? dense_forward_rows_alone : dense_forward_units;
    dense_for_each_block<Units, rows, true>([&]<std::size_t Rows>(std::size_t j) {
        dense_split_block<Rows, Samples, Inputs, Units>(w + j * Inputs, x, bias + j, y + j);
    });
}

// y = W x + b for `count` rows x of Inputs values; W is [Units][Inputs].
template <std::size_t Inputs, std::size_t Units, class T>
inline void dense_forward_rows(const T* w, const T* bias, const T* x, T* y, std::size_t count) {
    if constexpr (!dense_splits(Inputs)) {
        // The sums go to a local block first. y may alias x and W as far as the compiler knows,
        // so sums stored straight to y stay scalar, each followed by reloads; XOR's hidden
        // layer then stored five floats one by one and its sigmoid read four of them as one
        // vector, which store-to-load forwarding cannot serve. XOR forward 42 -> 16 ns.
        constexpr std::size_t block = Units < dense_lanes ? Units : dense_lanes;
        for (std::size_t s = 0; s < count; ++s, x += Inputs, y += Units)
            for (std::size_t j0 = 0; j0 < Units; j0 += block) {
                const std::size_t width = Units - j0 < block ? Units - j0 : block;
                T sums[block];
                for (std::size_t j = 0; j < width; ++j) {
                    T acc = bias[j0 + j];
                    for (std::size_t i = 0; i < Inputs; ++i) acc += w[(j0 + j) * Inputs + i] * x[i];
                    sums[j] = acc;
                }
                for (std::size_t j = 0; j < width; ++j) y[j0 + j] = sums[j];
            }
    } else {
        constexpr std::size_t samples = dense_forward_samples;
        const std::size_t blocked = count / samples;
        for (std::size_t b = 0; b < blocked; ++b, x += samples * Inputs, y += samples * Units)
            dense_split_samples<samples, Inputs, Units>(w, bias, x, y);
        for (std::size_t s = 0; s < count % samples; ++s, x += Inputs, y += Units)
            dense_split_samples<1, Inputs, Units>(w, bias, x, y);
    }
}

// dW += dy^T x and db += sum of dy over `rows` rows, each element adding the rows in order (as a
// loop over rows outside would). A block of dW stays in registers while the rows stream by.
// Assign: dW starts from zeros in registers instead of its values in memory, the same sums as
// zeroing dW first (the trainer then skips that pass).
// The block's sums go to `put` (in_place_descent.hpp): into dW, or into the weights they descend.
// Out of line, as dense_split_samples: inlined into a training step GCC 12 may run it scalar.
// `layer_put` comes by reference and the block's copy is made here: by value, GCC 12 built each
// block's copy field by field just before the call and read it back whole (a store-forwarding
// stall at each of M2's 400 calls). 784x128, batch 64: B/A 0.981-0.987.
template <bool Assign, std::size_t Block, std::size_t Width, std::size_t Inputs, std::size_t Units, class T, class Put>
[[gnu::noinline]] void dense_gradient_block(const T* x, const T* dy, T* dw, std::size_t i0, std::size_t rows,
                                            const Put& layer_put, std::size_t skipped_rows, std::size_t skipped_columns) {
    const Put put = layer_put.skipping(skipped_rows, skipped_columns);
    // As vectors for both compilers (GCC 12 the same speed either way). M2's step, batch 64, clang
    // 14 -O3: 489 -> 235 us with this, 227 with dense_split_block's vectors too.
#if defined(CTNN_SAMPLE_LANES)
    if constexpr (std::is_same_v<T, float> && Width % lanes::count == 0) {
        // Every loop over the block unrolled: with the put loop rolled, GCC 12 kept acc on the
        // stack, zeroed it there, stored the sums to it and put them one by one from memory (about
        // 300 instructions a block). 784x128, batch 64: -O3 61.4 -> 59.1 us, -O2 65.1 -> 60.1.
        constexpr std::size_t vectors = Width / lanes::count;
        lanes::vec acc[Block][vectors];
#pragma GCC unroll 16
        for (std::size_t r = 0; r < Block; ++r)
#pragma GCC unroll 8
            for (std::size_t v = 0; v < vectors; ++v)
                acc[r][v] = Assign ? lanes::vec{} : lanes::load(dw + r * Inputs + i0 + v * lanes::count);
        for (std::size_t s = 0; s < rows; ++s) lanes_add_outer(acc, x + s * Inputs + i0, dy + s * Units, 1);
        if constexpr (Put::in_place)
            if (put.descends_all()) {
                // Most blocks: each sum descends its weight, with no test per vector (put's tests,
                // with their reloads, were a tenth of M2's first layer's weight gradients).
                const lanes::vec rate = lanes::broadcast(put.descent.rate);
#pragma GCC unroll 16
                for (std::size_t r = 0; r < Block; ++r)
#pragma GCC unroll 8
                    for (std::size_t v = 0; v < vectors; ++v) {
                        float* p = put.descent.parameter_of(dw + r * Inputs + i0 + v * lanes::count);
                        lanes::store(p, lanes::load(p) - rate * acc[r][v]);
                    }
                return;
            }
#pragma GCC unroll 16
        for (std::size_t r = 0; r < Block; ++r)
#pragma GCC unroll 8
            for (std::size_t v = 0; v < vectors; ++v) put(dw + r * Inputs + i0 + v * lanes::count, acc[r][v], r, v * lanes::count);
        return;
    }
#endif
    constexpr std::size_t width = Width;
    T acc[Block][Width];
    std::size_t first = 0;
    if (Assign && rows > 0) {
        // 0 + the first row's products, without zeroing acc: GCC 12 makes that a call to memset
        // and reloads the block from the stack.
#pragma GCC unroll 8
        for (std::size_t r = 0; r < Block; ++r) {
            const T g = dy[r];
CTNN_GCC_KEEP_LOOP
            for (std::size_t l = 0; l < width; ++l) acc[r][l] = multiply_add(g, x[i0 + l], T(0));
        }
        first = 1;
    } else {
        for (std::size_t r = 0; r < Block; ++r)
            for (std::size_t l = 0; l < width; ++l) acc[r][l] = Assign ? T(0) : dw[r * Inputs + i0 + l];
    }
    for (std::size_t s = first; s < rows; ++s) {
        const T* xs = x + s * Inputs + i0;
        // Without these GCC 12 vectorises across units (shuffling dy), 10x slower for Width 16.
#pragma GCC unroll 8
        for (std::size_t r = 0; r < Block; ++r) {
            const T g = dy[s * Units + r];
CTNN_GCC_KEEP_LOOP
            for (std::size_t l = 0; l < width; ++l) acc[r][l] = multiply_add(g, xs[l], acc[r][l]);
        }
    }
    for (std::size_t r = 0; r < Block; ++r)
        for (std::size_t l = 0; l < width; ++l) put(dw + r * Inputs + i0 + l, acc[r][l], r, l);
}

// Assign: dW and db are written as if they were zeroed first (0 + the first row + ...), so
// their blocks may overlap (dense_for_each_block); accumulated (+=), they must not. Descending
// the weights in place (Put), an overlapping block skips what the blocks before it covered: one
// kernel fewer to compile than narrower blocks (M2's compile: 7% more instructions with them).
// db is written and then descends the biases (and dW the weights, when Put stored it).
template <bool Assign, std::size_t Inputs, std::size_t Units, class T, class Put = store_gradient>
inline void dense_parameter_gradients(const T* x, const T* dy, T* dw, T* db, std::size_t rows, Put put = {}) {
    static_assert(Assign || !Put::in_place, "ctnn: only final gradients descend in place");
    constexpr bool overlap = Assign;
    // The columns (rows) of a block at i0 (j) that a block before it covered: none, except in
    // the overlapping last one, which does not start on the grid of whole blocks.
    constexpr auto covered = [](std::size_t start, std::size_t block, std::size_t extent) -> std::size_t {
        return start % block == 0 ? 0 : extent / block * block - start;
    };
    if constexpr (Assign)
        for (std::size_t j = 0; j < Units; ++j) db[j] = T(0);
    // Samples outside: each db[j] still adds them in order, and the units are one vector.
    for (std::size_t s = 0; s < rows; ++s)
        for (std::size_t j = 0; j < Units; ++j) db[j] += dy[s * Units + j];
    dense_for_each_block<Inputs, dense_gradient_width, overlap>([&]<std::size_t Width>(std::size_t i0) {
        constexpr std::size_t units = dense_gradient_block_units<Units>;
        dense_for_each_block<Units, units, overlap>([&]<std::size_t Block>(std::size_t j) {
            dense_gradient_block<Assign, Block, Width, Inputs, Units>(
                x, dy + j, dw + j * Inputs, i0, rows, put, covered(j, units, Units),
                covered(i0, dense_gradient_width, Inputs));
        });
    });
    if constexpr (Put::in_place) {
        if (put.stores()) put.descent.descend(dw, Inputs * Units);
        put.descent.descend(db, Units);
    }
}

// dx[i0, i0 + Width) of Samples rows: each dx[i] is 0 + w[0][i] dy[0] + w[1][i] dy[1] + ... in
// unit order, the chunk in registers while the rows of W stream by. The lane loop is outside the
// samples, as in dense_split_block, so that each vector of W is loaded once for all samples.
template <std::size_t Samples, std::size_t Width, std::size_t Inputs, std::size_t Units, class T>
inline void dense_input_gradient_chunk(const T* w, const T* dy, T* dx, std::size_t i0) {
#if defined(CTNN_SAMPLE_LANES)
    // As vectors (lanes_add_outer): as float loops g++ -O2 kept the sums in memory, a store after
    // each multiply-add (M2's 128x64 layer: 2x its -O3 time).
    if constexpr (std::is_same_v<T, float> && Width % lanes::count == 0) {
        constexpr std::size_t vectors = Width / lanes::count;
        lanes::vec acc[Samples][vectors];
#pragma GCC unroll 16
        for (std::size_t s = 0; s < Samples; ++s)
#pragma GCC unroll 8
            for (std::size_t v = 0; v < vectors; ++v) acc[s][v] = lanes::vec{};
        for (std::size_t j = 0; j < Units; ++j) lanes_add_outer(acc, w + j * Inputs + i0, dy + j, Units);
#pragma GCC unroll 16
        for (std::size_t s = 0; s < Samples; ++s)
#pragma GCC unroll 8
            for (std::size_t v = 0; v < vectors; ++v) lanes::store(dx + s * Inputs + i0 + v * lanes::count, acc[s][v]);
        return;
    }
#endif
    T acc[Samples][Width];
    for (std::size_t l = 0; l < Width; ++l)
#pragma GCC unroll 16
        for (std::size_t s = 0; s < Samples; ++s) acc[s][l] = T(0);
    for (std::size_t j = 0; j < Units; ++j) {
        const T* wj = w + j * Inputs + i0;
        T g[Samples];
#pragma GCC unroll 16
        for (std::size_t s = 0; s < Samples; ++s) g[s] = dy[s * Units + j];
        for (std::size_t l = 0; l < Width; ++l) {
            const T wl = wj[l];
#pragma GCC unroll 16
            for (std::size_t s = 0; s < Samples; ++s) acc[s][l] = multiply_add(wl, g[s], acc[s][l]);
        }
    }
    for (std::size_t s = 0; s < Samples; ++s)
        for (std::size_t l = 0; l < Width; ++l) dx[s * Inputs + i0 + l] = acc[s][l];
}

// dx = W^T dy for Samples rows, chunk by chunk. A lone sample takes wider chunks, for enough
// independent sums. dx is written, not added to, so its chunks may overlap.
template <std::size_t Samples, std::size_t Inputs, std::size_t Units, class T>
[[gnu::noinline]] void dense_input_gradient_rows(const T* w, const T* dy, T* dx) {
    constexpr std::size_t chunk = Samples == 1 ? 8 * dense_lanes : dense_input_gradient_width;
    dense_for_each_block<Inputs, chunk, true>([&]<std::size_t Width>(std::size_t i0) {
        dense_input_gradient_chunk<Samples, Width, Inputs, Units>(w, dy, dx, i0);
    });
}

// dx for `count` rows, dense_input_gradient_samples at a time.
template <std::size_t Inputs, std::size_t Units, class T>
inline void dense_input_gradients(const T* w, const T* dy, T* dx, std::size_t count) {
    constexpr std::size_t samples = dense_input_gradient_samples;
    for (std::size_t b = 0; b < count / samples; ++b, dy += samples * Units, dx += samples * Inputs)
        dense_input_gradient_rows<samples, Inputs, Units>(w, dy, dx);
    for (std::size_t s = 0; s < count % samples; ++s, dy += Units, dx += Inputs)
        dense_input_gradient_rows<1, Inputs, Units>(w, dy, dx);
}

}  // namespace ctnn::detail
