// ctnn/layers/dense.hpp: fully connected layer, y = W x + b.
//
// A rank-2 input (steps, features) is a sequence: the same W and b apply to every row, as
// PyTorch's nn.Linear does over its last dimension, giving (steps, units). That is how a
// recurrent layer's hidden states become one output per time step.
#pragma once
#include <cstddef>
#include <string_view>
#include <type_traits>

#include <ctnn/emit/c.hpp>
#include <ctnn/error.hpp>
#include <ctnn/initializer.hpp>
#include <ctnn/layers/dense_kernels.hpp>
#include <ctnn/shape.hpp>

namespace ctnn {

// Parameter layout, matching PyTorch's nn.Linear one to one:
// W as [Units][In::size] row-major, then b as [Units].
template <std::size_t Units>
struct dense {
    static constexpr std::string_view name = "dense";

    template <class In, std::size_t Position>
    struct bind {
        struct requirements {
            static_assert(error::check<Units != 0, error::at_layer<Position>>,
                          "ctnn::dense<0> has no outputs: give it at least one unit");
            static_assert(error::check<In::rank == 1 || In::rank == 2, error::at_layer<Position>,
                                       error::expects_rank<1>, error::got_shape<In>>,
                          "ctnn::dense needs a rank-1 input, or rank 2 for a sequence of rows: insert ctnn::flatten "
                          "before it");
        };

        using layer = dense;
        using input_shape = In;
        static constexpr bool sequence = In::rank == 2;
        using output_shape = std::conditional_t<sequence, shape<In::dims[0], Units>, shape<Units>>;
        static constexpr std::size_t inputs = sequence ? In::dims[In::rank - 1] : In::size;
        static constexpr std::size_t rows = In::size / inputs;  // time steps of a sequence, else 1
        static constexpr std::size_t param_count = inputs * Units + Units;
        static constexpr std::size_t flops = 2 * inputs * Units * rows;
        static constexpr bool time_local = sequence;  // row by row: it streams

        template <class T>
        static void initialize(T* params, random_generator& rng, initializer scheme) {
            draw_weights(params, inputs * Units, rng, scheme, inputs, Units);
            for (std::size_t j = 0; j < Units; ++j) params[inputs * Units + j] = T(0);
        }

        // The order of every sum is dense_kernels.hpp's (the generated C keeps it): for 16 or more
        // inputs, 16 partial sums added by halving, then the bias; for fewer, the bias, then the
        // products in input order.
        template <class T>
        static void forward(const T* params, const T* x, T* y, std::size_t batch) {
            const T* w = params;
            const T* b = params + inputs * Units;
            detail::dense_forward_rows<inputs, Units>(w, b, x, y, batch * rows);
        }

        // Parameter gradients accumulate (+=), row after row in order, so a batch gives the same sums
        // as one call per sample. dx is overwritten, and skipped when null (the first layer has
        // nobody to pass it to).
        template <class T>
        static void backward(const T* params, const T* x, const T* /*y*/, const T* dy, T* dx, T* dparams,
                             std::size_t batch) {
            gradients<false>(params, x, dy, dx, dparams, batch);
        }

        // backward() onto gradients that would be zero: they are written, not read (the same sums),
        // and the trainer need not zero them first.
        template <class T>
        static void backward_assign(const T* params, const T* x, const T* /*y*/, const T* dy, T* dx, T* dparams,
                                    std::size_t batch) {
            gradients<true>(params, x, dy, dx, dparams, batch);
        }

        // backward_assign, then the parameters descend by their gradients (in_place_descent.hpp):
        // without momentum the weights straight from the kernel's registers, their gradients not
        // stored. dL/dx comes first, while W is unchanged.
        template <class T>
        static void backward_descend(const T* params, const T* x, const T* /*y*/, const T* dy, T* dx, T* dparams,
                                     std::size_t batch, const detail::in_place_descent<T>& descent) {
            gradients<true>(params, x, dy, dx, dparams, batch, detail::descend_parameter<T>{descent});
        }

        template <bool Assign, class T, class Put = detail::store_gradient>
        static void gradients(const T* params, const T* x, const T* dy, T* dx, T* dparams, std::size_t batch,
                              Put put = {}) {
            if (dx != nullptr) detail::dense_input_gradients<inputs, Units>(params, dy, dx, batch * rows);
            detail::dense_parameter_gradients<Assign, inputs, Units>(x, dy, dparams, dparams + inputs * Units,
                                                                     batch * rows, put);
        }

        // Generated C (ctnn-gen), one sample: the loops of forward and backward above, in the same
        // order, so both paths give the same bits. A sequence repeats the one-row code per row.
        static constexpr emit::layer_traits emit_traits{.backward_reads_input = true};

        template <emit::writer W>
        static void emit_forward(W& c, const emit::forward_buffers& b) {
            if constexpr (rows == 1) {
                emit_row_forward(c, b, {b.x}, {b.y});
            } else {
                c.open("for (size_t t = 0; t < ", rows, "; ++t)");
                emit_row_forward(c, b, {b.x, inputs}, {b.y, Units});
                c.close();
            }
        }

        // A sequence: the parameter gradients of every row, then dL/dx of every row (under one
        // test when dx may be NULL). The two sets of sums are independent, so the bits are the
        // header path's, which interleaves them row by row.
        template <emit::writer W>
        static void emit_backward(W& c, const emit::backward_buffers& b) {
            if constexpr (rows == 1) {
                emit_row_parameter_gradients(c, {b.x}, {b.dy}, b.dparams);
                if (b.dx_optional) c.open("if (", b.dx, " != NULL)");
                emit_row_input_gradient(c, b.params, {}, {b.dx});
                if (b.dx_optional) c.close();
            } else {
                c.open("for (size_t t = 0; t < ", rows, "; ++t)");
                emit_row_parameter_gradients(c, {b.x, inputs}, {b.dy, Units}, b.dparams);
                c.close();
                if (b.dx_optional) c.open("if (", b.dx, " != NULL)");
                c.open("for (size_t t = 0; t < ", rows, "; ++t)");
                emit_row_input_gradient(c, b.params, {b.dy, Units}, {b.dx, inputs});
                c.close();
                if (b.dx_optional) c.close();
            }
        }

        // <name>_train_batch's forward: dense_split_samples' blocks of units x samples, each vector
        // of W loaded once for all the block's samples, then the samples left one at a time. Each
        // sum keeps the one-sample order (lanes, halving, bias), so the bits are emit_forward's.
        // Sequences and narrow layers have no such blocks: ctnn-gen runs emit_forward per sample.
        template <emit::writer W>
            requires(rows == 1 && detail::dense_splits(inputs))
        static void emit_batch_forward(W& c, const emit::forward_buffers& b, const emit::sample_loop& each) {
            constexpr std::size_t together = detail::dense_emitted_forward_samples;
            constexpr std::size_t units = detail::dense_emitted_forward_units;
            constexpr std::size_t whole_units = Units / units * units;
            c.open("for (sample = 0; sample + ", together, " <= samples; sample += ", together, ")");
            c.line("const float *w = ", b.params, ";");
            c.line("const float *bias = w + ", inputs * Units, ";");
            c.line("const float *src[", together, "];");
            c.line("float *dst[", together, "];");
            for (std::size_t q = 0; q < together; ++q) {
                c.open("");
                each.declare(c, "sample", q, b.x, b.y);
                c.line("src[", q, "] = ", b.x, ";");
                c.line("dst[", q, "] = ", b.y, ";");
                c.close();
            }
            if constexpr (whole_units > 0) {
                c.open("for (size_t j = 0; j < ", whole_units, "; j += ", units, ")");
                emit_split_samples(c, units, together);
                c.close();
            }
            if constexpr (Units > whole_units) {
                c.open("for (size_t j = ", whole_units, "; j < ", Units, "; ++j)");
                emit_split_samples(c, 1, together);
                c.close();
            }
            c.close();
            each.open(c, "", b.x, b.y);
            emit_row_forward(c, b, {b.x}, {b.y});
            c.close();
        }

        // dense_split_block: units j .. j + rows_together - 1 of samples src[0 .. samples) to dst.
        template <emit::writer W>
        static void emit_split_samples(W& c, std::size_t rows_together, std::size_t samples) {
            constexpr std::size_t lanes = detail::dense_lanes, full = inputs / lanes * lanes;
            c.line("float lanes[", samples, "][", rows_together, "][", lanes, "];");
            auto lane_loop = [&](std::string_view i0, bool first) {
                c.open("for (size_t l = 0; l < ", lanes, "; ++l)");
                c.line("#pragma GCC unroll 8");
                c.open("for (size_t s = 0; s < ", samples, "; ++s)");
                c.line("const float xs = src[s][", i0, " + l];");
                c.line("#pragma GCC unroll 8");
                if (first)
                    c.line("for (size_t r = 0; r < ", rows_together, "; ++r) lanes[s][r][l] = w[(j + r) * ", inputs, " + ",
                           i0, " + l] * xs;");
                else
                    c.line("for (size_t r = 0; r < ", rows_together, "; ++r) lanes[s][r][l] = CTNN_MULTIPLY_ADD(w[(j + r) * ",
                           inputs, " + ", i0, " + l], xs, lanes[s][r][l]);");
                c.close();
                c.close();
            };
            lane_loop("0", true);
            if constexpr (full > lanes) {
                c.open("for (size_t i0 = ", lanes, "; i0 < ", full, "; i0 += ", lanes, ")");
                lane_loop("i0", false);
                c.close();
            }
            if constexpr (inputs > full)
                c.line("CTNN_OUTER_LOOP for (size_t s = 0; s < ", samples, "; ++s) for (size_t r = 0; r < ", rows_together,
                       "; ++r) for (size_t l = 0; l < ", inputs - full, "; ++l) lanes[s][r][l] = CTNN_MULTIPLY_ADD(w[(j + r) * ",
                       inputs, " + ", full, " + l], src[s][", full, " + l], lanes[s][r][l]);");
            c.line("#if CTNN_LANE_VECTORS");
            emit_vector_halving(c, samples * rows_together, [&] {
                c.line("for (size_t s = 0; s < ", samples, "; ++s) for (size_t r = 0; r < ", rows_together,
                       "; ++r) dst[s][j + r] = bias[j + r] + sums[s * ", rows_together, " + r];");
            });
            c.line("#else");
            for (std::size_t half = lanes / 2; half > 0; half /= 2)
                c.line("CTNN_OUTER_LOOP for (size_t s = 0; s < ", samples, "; ++s) for (size_t r = 0; r < ", rows_together,
                       "; ++r) for (size_t l = 0; l < ", half, "; ++l) lanes[s][r][l] += lanes[s][r][l + ", half, "];");
            c.line("for (size_t s = 0; s < ", samples, "; ++s) for (size_t r = 0; r < ", rows_together,
                   "; ++r) dst[s][j + r] = bias[j + r] + lanes[s][r][0];");
            c.line("#endif");
        }

        // <name>_train_batch: dense_parameter_gradients' blocks over the whole batch, each block of
        // dW in registers while the samples stream by (one sample at a time, all of dW is read and
        // written per sample), then db and dL/dx sample by sample. Every sum still adds the samples
        // in order onto zero, the bits of emit_backward per sample into zeroed gradients. The first
        // sample's terms are added to 0.0f rather than to zeroed blocks: compilers may zero a block
        // by calling memset, which the generated code must not need. Sequences: emit_backward per
        // sample, as ctnn-gen runs it for layers without this hook.
        template <emit::writer W>
            requires(rows == 1)
        static void emit_batch_backward(W& c, const emit::backward_buffers& b, const emit::sample_loop& each) {
            constexpr std::size_t units = detail::dense_emitted_gradient_units;
            constexpr std::size_t width = detail::dense_emitted_gradient_width;
            constexpr std::size_t whole_units = Units / units * units, whole_inputs = inputs / width * width;
            c.line("float *g_w = ", b.dparams, ";");
            c.line("float *g_b = g_w + ", inputs * Units, ";");
            auto blocks = [&](std::size_t block_units) {
                if constexpr (whole_inputs > 0) {
                    c.open("for (size_t i0 = 0; i0 < ", whole_inputs, "; i0 += ", width, ")");
                    emit_gradient_block(c, b, each, block_units, std::string_view("i0"), width);
                    c.close();
                }
                if constexpr (inputs > whole_inputs) {
                    c.open("");
                    emit_gradient_block(c, b, each, block_units, whole_inputs, inputs - whole_inputs);
                    c.close();
                }
            };
            if constexpr (whole_units > 0) {
                c.open("for (size_t j0 = 0; j0 < ", whole_units, "; j0 += ", units, ")");
                blocks(units);
                c.close();
            }
            if constexpr (Units > whole_units) {
                c.open("");
                c.line("const size_t j0 = ", whole_units, ";");
                blocks(Units - whole_units);
                c.close();
            }
            each.open_first(c, b.dy);
            declare_row(c, "const float *g_out = ", {b.dy});
            c.line("for (size_t j = 0; j < ", Units, "; ++j) g_b[j] = 0.0f + g_out[j];");
            c.close();
            each.open(c, "1", b.dy);
            declare_row(c, "const float *g_out = ", {b.dy});
            c.line("for (size_t j = 0; j < ", Units, "; ++j) g_b[j] += g_out[j];");
            c.close();
            if (!b.dx.empty()) {
                each.open(c, "0", b.dy, b.dx);
                emit_row_input_gradient(c, b.params, {b.dy}, {b.dx});
                c.close();
            }
        }

        // dW[j0, j0 + block_units)[i0, i0 + width) of the batch, as dense_gradient_block<true>.
        template <emit::writer W, class Offset>
        static void emit_gradient_block(W& c, const emit::backward_buffers& b, const emit::sample_loop& each,
                                        std::size_t block_units, const Offset& i0, std::size_t width) {
            c.line("float acc[", block_units, "][", width, "];");
            for (bool first : {true, false}) {
                if (first)
                    each.open_first(c, b.x, b.dy);
                else
                    each.open(c, "1", b.x, b.dy);
                declare_row(c, "const float *src = ", {b.x});
                // dy of the block's units from one pointer: indexed as g_out[j0 + r], GCC 12 kept
                // an address per unit, reloaded each time (M2's step 1.07x slower).
                c.line("const float *g_units = ", b.dy, " + j0;");
                c.line("#pragma GCC unroll 8");
                c.open("for (size_t r = 0; r < ", block_units, "; ++r)");
                c.line("const float g = g_units[r];");
                c.line("CTNN_GCC_KEEP_LOOP");
                c.line("for (size_t l = 0; l < ", width, "; ++l) acc[r][l] = CTNN_MULTIPLY_ADD(g, src[", i0, " + l], ",
                       first ? "0.0f" : "acc[r][l]", ");");
                c.close();
                c.close();
            }
            c.line("for (size_t r = 0; r < ", block_units, "; ++r) for (size_t l = 0; l < ", width, "; ++l) g_w[(j0 + r) * ",
                   inputs, " + ", i0, " + l] = acc[r][l];");
        }

        // A buffer as the row emitters see it: the whole buffer, or inside the loop over rows its
        // row t, whose rows hold `length` values ("x + t * 16"). Put as parts, not built as a
        // string, so that this header needs no <string>.
        struct row_of {
            std::string_view buffer;
            std::size_t length = 0;  // 0: the buffer itself
        };
        template <emit::writer W>
        static void put_row(W& c, const row_of& r) {
            c.put(r.buffer);
            if (r.length != 0) c.put(" + t * ", r.length);
        }
        // "<declaration><row>;" on one line.
        template <emit::writer W>
        static void declare_row(W& c, std::string_view declaration, const row_of& r) {
            c.put(declaration);
            put_row(c, r);
            c.line(";");
        }

        template <emit::writer W>
        static void emit_row_forward(W& c, const emit::forward_buffers& b, const row_of& x, const row_of& y) {
            c.line("const float *w = ", b.params, ";");
            c.line("const float *bias = w + ", inputs * Units, ";");
            declare_row(c, "const float *src = ", x);
            declare_row(c, "float *dst = ", y);
            if constexpr (!detail::dense_splits(inputs)) {
                c.open("for (size_t j = 0; j < ", Units, "; ++j)");
                c.line("float acc = bias[j];");
                c.line("for (size_t i = 0; i < ", inputs, "; ++i) acc += w[j * ", inputs, " + i] * src[i];");
                c.line("dst[j] = acc;");
                c.close();
            } else {
                // dense_split_samples for one sample, with units in blocks of dense_emitted_rows_alone.
                constexpr std::size_t together = detail::dense_emitted_rows_alone;
                constexpr std::size_t blocked = Units / together * together;
                if constexpr (blocked > 0) {
                    c.open("for (size_t j = 0; j < ", blocked, "; j += ", together, ")");
                    emit_split_units(c, together);
                    c.close();
                }
                if constexpr (Units > blocked) {
                    c.open("for (size_t j = ", blocked, "; j < ", Units, "; ++j)");
                    emit_split_units(c, 1);
                    c.close();
                }
            }
        }

        // dense_split_block for one sample: units j .. j + rows - 1, their lanes filled in input
        // order, halved, then the bias. Each lane starts with its first product (no zero fill: that
        // would call memset). CTNN_OUTER_LOOP (loop_hints.hpp) keeps clang from vectorising the
        // short nests across the units.
        template <emit::writer W>
        static void emit_split_units(W& c, std::size_t rows_together) {
            constexpr std::size_t lanes = detail::dense_lanes, full = inputs / lanes * lanes;
            c.line("float lanes[", rows_together, "][", lanes, "];");
            c.line("CTNN_OUTER_LOOP for (size_t r = 0; r < ", rows_together, "; ++r) for (size_t l = 0; l < ", lanes,
                   "; ++l) lanes[r][l] = w[(j + r) * ", inputs, " + l] * src[l];");
            if constexpr (full > lanes) {
                c.open("for (size_t i0 = ", lanes, "; i0 < ", full, "; i0 += ", lanes, ")");
                c.line("#pragma GCC unroll 8");
                c.open("for (size_t r = 0; r < ", rows_together, "; ++r)");
                c.line("CTNN_GCC_KEEP_LOOP");
                c.line("for (size_t l = 0; l < ", lanes, "; ++l) lanes[r][l] = CTNN_MULTIPLY_ADD(w[(j + r) * ", inputs,
                       " + i0 + l], src[i0 + l], lanes[r][l]);");
                c.close();
                c.close();
            }
            if constexpr (inputs > full)
                c.line("CTNN_OUTER_LOOP for (size_t r = 0; r < ", rows_together, "; ++r) for (size_t l = 0; l < ",
                       inputs - full, "; ++l) lanes[r][l] = CTNN_MULTIPLY_ADD(w[(j + r) * ", inputs, " + ", full,
                       " + l], src[", full, " + l], lanes[r][l]);");
            // The rows go through each halving level together, as in dense_reduce_lanes: as whole
            // vectors where the compiler has them (emit_prelude), else as loops. Row by row, M2's
            // one-sample inference took about 3% longer with AVX-512 (one process, alternating;
            // the same bits); into fresh arrays per level, as the header path does, it gained
            // nothing more.
            c.line("#if CTNN_LANE_VECTORS");
            emit_vector_halving(c, rows_together, [&] {
                c.line("for (size_t r = 0; r < ", rows_together, "; ++r) dst[j + r] = bias[j + r] + sums[r];");
            });
            c.line("#else");
            for (std::size_t half = lanes / 2; half > 0; half /= 2)
                c.line("CTNN_OUTER_LOOP for (size_t r = 0; r < ", rows_together, "; ++r) for (size_t l = 0; l < ", half,
                       "; ++l) lanes[r][l] += lanes[r][l + ", half, "];");
            c.line("for (size_t r = 0; r < ", rows_together, "; ++r) dst[j + r] = bias[j + r] + lanes[r][0];");
            c.line("#endif");
        }

        // Where GNU C has vectors of 16 floats and __builtin_shufflevector (GCC 12, clang) on
        // AVX-512, the halving levels take whole vectors, as the header's reduce_vectors does with
        // clang. GCC 12 ran the loops one float at a time, about 45 instructions per sum: with the
        // vectors M2's one-sample inference B/A 0.79, its train_batch 0.91 (Xeon, one process,
        // alternating). A build may define CTNN_LANE_VECTORS as 0 to keep the loops.
        template <emit::writer W>
            requires(detail::dense_splits(inputs))
        static void emit_prelude(W& c) {
            c.line("/* ctnn::detail::reduce_vectors (ctnn/layers/dense_kernels.hpp): a dense block's lane sums halved");
            c.line("   as whole vectors of 16 floats, the additions of the loops used elsewhere. */");
            emit::define_unless_defined(c, "CTNN_LANE_VECTORS",
                                        "defined(__AVX512F__) && (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12))",
                                        "1", "0");
            c.line("#if CTNN_LANE_VECTORS && !defined(CTNN_LANES_TYPE)");
            c.line("#define CTNN_LANES_TYPE");
            c.line("typedef float ctnn_lanes __attribute__((vector_size(64)));");
            c.line("#endif");
        }

        // The `count` rows of 16 lanes in `lanes` through reduce_vectors' levels: level `group`
        // packs the sums of two vectors of the level before into one, so that sums[k] holds sum k
        // when `store` emits the lines that read them.
        template <emit::writer W, class Store>
        static void emit_vector_halving(W& c, std::size_t count, Store store) {
            constexpr std::size_t lanes = detail::dense_lanes;
            static_assert(detail::dense_emitted_rows_alone <= lanes &&
                              detail::dense_emitted_forward_samples * detail::dense_emitted_forward_units <= lanes,
                          "the last level holds one sum per lane");
            c.open("");
            c.put("ctnn_lanes h", lanes, "[", count, "]");
            for (std::size_t group = lanes, n = count; group > 1; group /= 2) {
                n = (n + 1) / 2;
                c.put(", h", group / 2, "[", n, "]");
            }
            c.line(";");
            c.line("float sums[", lanes, "];");
            c.line("__builtin_memcpy(h", lanes, ", lanes, sizeof h", lanes, ");");
            for (std::size_t group = lanes, n = count; group > 1; group /= 2) {
                const std::size_t pairs = (n + 1) / 2;
                for (std::size_t i = 0; i < pairs; ++i) {
                    const std::size_t q = 2 * i + 1 < n ? 2 * i + 1 : 2 * i;
                    c.put("h", group / 2, "[", i, "] = ");
                    for (const bool upper : {false, true}) {
                        c.put(upper ? " + " : "", "__builtin_shufflevector(h", group, "[", 2 * i, "], h", group, "[", q, "]");
                        for (std::size_t l = 0; l < lanes; ++l) c.put(", ", detail::halving_source(group, upper, l));
                        c.put(")");
                    }
                    c.line(";");
                }
                n = pairs;
            }
            c.line("__builtin_memcpy(sums, h1, sizeof sums);");
            store();
            c.close();
        }

        // Declares g_out, which the input gradient reuses when it follows in the same block. For one
        // row, dense_parameter_gradients' blocks reduce to this loop (dW stays in memory either way).
        template <emit::writer W>
        static void emit_row_parameter_gradients(W& c, const row_of& x, const row_of& dy, std::string_view dparams) {
            declare_row(c, "const float *src = ", x);
            declare_row(c, "const float *g_out = ", dy);
            c.line("float *g_w = ", dparams, ";");
            c.line("float *g_b = g_w + ", inputs * Units, ";");
            c.open("for (size_t j = 0; j < ", Units, "; ++j)");
            c.line("g_b[j] += g_out[j];");
            c.line("for (size_t i = 0; i < ", inputs, "; ++i) g_w[j * ", inputs, " + i] = CTNN_MULTIPLY_ADD(g_out[j], src[i], g_w[j * ",
                   inputs, " + i]);");
            c.close();
        }

        // dy empty: g_out is already declared. dense_input_gradient_rows' loops for one row: a chunk of dx
        // stays in registers while the rows of W stream by, each dx adding the units in order.
        template <emit::writer W>
        static void emit_row_input_gradient(W& c, std::string_view params, const row_of& dy, const row_of& dx) {
            constexpr std::size_t chunk = 4 * detail::dense_lanes, full = inputs / chunk * chunk;
            c.line("const float *w = ", params, ";");
            if (!dy.buffer.empty()) declare_row(c, "const float *g_out = ", dy);
            declare_row(c, "float *g_in = ", dx);
            if constexpr (full > 0) {
                c.open("for (size_t i0 = 0; i0 < ", full, "; i0 += ", chunk, ")");
                emit_input_gradient_chunk(c, std::string_view("i0"), chunk);
                c.close();
            }
            if constexpr (inputs > full) {
                c.open("");
                emit_input_gradient_chunk(c, full, inputs - full);
                c.close();
            }
        }

        // dx[i0, i0 + width): starting at 0 as the header's `T acc[chunk] = {}` (a loop, not an
        // initialiser, which compilers may turn into a call to memset). i0 is the loop's name or a number.
        template <emit::writer W, class Offset>
        static void emit_input_gradient_chunk(W& c, const Offset& i0, std::size_t width) {
            c.line("float acc[", width, "];");
            c.line("for (size_t l = 0; l < ", width, "; ++l) acc[l] = 0.0f;");
            c.open("for (size_t j = 0; j < ", Units, "; ++j)");
            c.line("const float g = g_out[j];");
            c.line("const float *wj = w + j * ", inputs, " + ", i0, ";");
            c.line("for (size_t l = 0; l < ", width, "; ++l) acc[l] = CTNN_MULTIPLY_ADD(wj[l], g, acc[l]);");
            c.close();
            c.line("for (size_t l = 0; l < ", width, "; ++l) g_in[", i0, " + l] = acc[l];");
        }

        // One line per parameter block, for the generated header's documentation.
        template <emit::writer W>
        static void emit_param_layout(W& c, std::size_t offset) {
            c.line("[", offset, ", ", offset + inputs * Units, ")  W[", Units, "][", inputs,
                   "], row-major: W[j][i] weighs input i in unit j");
            c.line("[", offset + inputs * Units, ", ", offset + param_count, ")  b[", Units, "]");
        }
    };
};

}  // namespace ctnn
