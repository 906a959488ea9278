// ctnn/emit/c.hpp: the vocabulary a layer uses to write itself as C99 for ctnn-gen.
//
// Each layer header keeps its C emitter beside its forward and backward, so the C text can be
// checked against the C++ maths in one glance. Emitters are templates over a writer type that only
// the generator (generator/, built with {fmt}) instantiates: a program that just runs models never
// pays for them, and this header needs nothing beyond <string_view>.
//
// The generated code runs one sample at a time (the header path's batch = 1) and must give the
// same bits as the header path: every emitter repeats the C++ loops and expressions token for
// token (same operand order, same parentheses, same temporaries), only with float spelled out.
#pragma once
#include <cstddef>
#include <string_view>

namespace ctnn::emit {

// A constant of the value type: the writer prints a C literal that reads back as exactly
// T(value), e.g. real{0.2} -> 0.2f for float. Stands for the C++ `T(constant)`.
struct real {
    double value;
};

// How a layer may share storage in the generated code. The generator plans buffers from these
// facts; a layer that claims nothing gets its own output buffer and keeps everything.
struct layer_traits {
    // Output equals input and dL/dx equals dL/dy, bit for bit: the layer emits no code and its
    // output shares its input's storage.
    bool pass_through = false;
    // forward may write its output over its input (same size, each value read before it is written).
    bool forward_in_place = false;
    // backward may write dL/dx over dL/dy.
    bool backward_in_place = false;
    // What backward reads besides dL/dy and the parameters: a value no backward reads need not be
    // kept after the forward pass, so the next layer may overwrite it.
    bool backward_reads_input = false;
    bool backward_reads_output = false;
    // False when training differs from inference in a way one sample cannot reproduce (batch
    // statistics, random masks): ctnn-gen then writes inference code only.
    bool per_sample_training = true;
};

// Where one layer's tensors live, as C expressions of type `float *` (or `const float *`), e.g.
// "params + 10", "scratch + 128", "x". Expressions the layer does not need may be empty.
struct forward_buffers {
    std::string_view params;  // this layer's parameter slice
    std::string_view x;       // its input
    std::string_view y;       // its output (may equal x when the layer is forward_in_place)
    std::string_view state = {};  // stream state (layers with state_size), empty: start from zeros
    std::string_view saved = {};  // training: what backward needs (layers with saved_size), else empty
};

struct backward_buffers {
    std::string_view params;   // this layer's parameter slice
    std::string_view x;        // its input, as forward saw it (empty unless backward_reads_input)
    std::string_view y;        // its output (empty unless backward_reads_output)
    std::string_view dy;       // dL/dy, read only
    std::string_view dx;       // dL/dx, overwritten (may equal dy when the layer is backward_in_place)
    std::string_view dparams;  // dL/dparams of this layer: added to (+=), never overwritten
    // dx is the caller's pointer and may be NULL at run time: skip computing it then, as the
    // header path does for the first layer.
    bool dx_optional = false;
    std::string_view saved = {};  // what the training forward saved (layers with saved_size)
};

// The parameters and locals of the generated functions. A layer declares its locals inside its
// own block, and must not reuse these names (the generated code is compiled with -Wshadow).
inline constexpr std::string_view reserved_names[] = {
    "params", "x",     "y",    "scratch", "workspace", "dy",      "grads",        "dx",           "target",
    "scale",  "state", "g_top", "loss",   "samples",   "sample",  "batch_x",      "batch_target", "batch_workspace"};

// <name>_train_batch runs the layers over the whole batch, one layer after another. A layer's
// emit_batch_forward and emit_batch_backward (optional; dense has both, conv2d the backward) get
// one sample's buffers, with an empty dx when dL/dx is not wanted, and this description of the
// batch: buffers "x" and "workspace + ..." name a sample's tensors once declare() has declared x
// and workspace for it. The backward hook WRITES the parameter gradients, the bits of adding every
// sample's to zeros. Layers without a hook run emit_forward and emit_backward in a loop over the
// samples (their parameter gradients zeroed first).
struct sample_loop {
    std::size_t input_size;      // floats between two samples of batch_x
    std::size_t workspace_size;  // and of batch_workspace

    // Declares x and workspace for sample `which` + `plus` ("sample", "sample + 1", "0"), those
    // that the expressions a block uses (`buffers`) refer to: one more would be an unused variable.
    template <class W, class... Buffers>
    void declare(W& c, std::string_view which, std::size_t plus, const Buffers&... buffers) const {
        const auto put_sample = [&] {
            if (plus == 0)
                c.put(which);
            else
                c.put("(", which, " + ", plus, ")");
        };
        if (((std::string_view(buffers) == "x") || ...)) {
            c.put("const float *x = batch_x + ");
            put_sample();
            c.line(" * ", input_size, ";");
        }
        if ((std::string_view(buffers).starts_with("workspace") || ...)) {
            c.put("float *workspace = batch_workspace + ");
            put_sample();
            c.line(" * ", workspace_size, ";");
        }
    }
    // The loop over samples `first` .. samples - 1 (first empty: from where `sample` is), its
    // body's x and workspace declared.
    template <class W, class... Buffers>
    void open(W& c, std::string_view first, const Buffers&... buffers) const {
        if (first.empty())
            c.open("for (; sample < samples; ++sample)");
        else
            c.open("for (sample = ", first, "; sample < samples; ++sample)");
        declare(c, "sample", 0, buffers...);
    }
    // Sample 0 alone, in a block (a batch holds at least one).
    template <class W, class... Buffers>
    void open_first(W& c, const Buffers&... buffers) const {
        c.open("");
        declare(c, "0", 0, buffers...);
    }
};

// What a writer offers (generator/ctnn_gen/writer.hpp is the one ctnn-gen uses):
//   w.put(parts...)   appends to the current line (indenting it first); a part is a string,
//                     an unsigned integer or a real
//   w.line(parts...)  put(parts...) and ends the line
//   w.open(parts...)  line(parts..., " {") and indents what follows
//   w.close()         closes the innermost open(): "}"
template <class W>
concept writer = requires(W& w, std::string_view text, std::size_t n, real r) {
    w.put(text, n, r);
    w.line(text);
    w.open(text);
    w.close();
};

// One C function under its include guard; `body` writes the lines inside its braces. Helpers that
// several layers call (ctnn_vector_exp, ctnn_gate_tanh) are written by each of them; the guard keeps
// one definition per translation unit.
template <writer W, class Body>
void guarded_function(W& c, std::string_view guard, std::string_view signature, Body body) {
    c.line("#ifndef ", guard);
    c.line("#define ", guard);
    c.open(signature);
    body();
    c.close();
    c.line("#endif");
}

// `#define name chosen` where the preprocessor test `condition` holds and `#define name otherwise`
// elsewhere (an empty value defines the name as nothing), unless the build defined name already:
// how the generated sources decide per compiler and target, each choice open to overruling.
template <writer W>
void define_unless_defined(W& c, std::string_view name, std::string_view condition, std::string_view chosen,
                           std::string_view otherwise) {
    const auto define = [&](std::string_view value) {
        if (value.empty())
            c.line("#define ", name);
        else
            c.line("#define ", name, " ", value);
    };
    c.line("#ifndef ", name);
    c.line("#if ", condition);
    define(chosen);
    c.line("#else");
    define(otherwise);
    c.line("#endif");
    c.line("#endif");
}

// Sets `count` floats at `buffer` to zero, as the header's std::fill. Through a volatile pointer:
// compilers turn a plain zeroing loop into a call to memset, which is not in libm, and the
// generated code promises to need nothing else.
template <writer W>
void zero_fill(W& c, std::string_view buffer, std::size_t count) {
    c.open("");
    c.line("volatile float *zero = ", buffer, ";");
    c.line("for (size_t k = 0; k < ", count, "; ++k) zero[k] = 0.0f;");
    c.close();
}

// What a convolution's dL/dx loops use: `kernels` (the layer's parameters) and `g_in` (dx, its
// input_size values zeroed, for the loops to add to).
template <writer W>
void declare_input_gradient(W& c, const backward_buffers& b, std::size_t input_size) {
    c.line("const float *kernels = ", b.params, ";");
    c.line("float *g_in = ", b.dx, ";");
    zero_fill(c, "g_in", input_size);
}

// Backward of a layer whose parameter and input gradients come from one loop nest over the
// output (conv1d, conv2d, depthwise_conv2d). nest(params, input) emits that nest computing the
// parameter gradients, the input gradient, or both (of an input of input_size values). When dx may
// be NULL, the nest is emitted twice, the input-gradient copy under one run-time test, so no test
// sits inside the loops.
template <writer W, class Nest>
void emit_shared_nest_backward(W& c, const backward_buffers& b, std::size_t input_size, Nest&& nest) {
    if (b.dx_optional) {
        nest(true, false);
        c.open("if (", b.dx, " != NULL)");
        declare_input_gradient(c, b, input_size);
        nest(false, true);
        c.close();
    } else {
        declare_input_gradient(c, b, input_size);
        nest(true, true);
    }
}

}  // namespace ctnn::emit
