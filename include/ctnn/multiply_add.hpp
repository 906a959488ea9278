// ctnn/multiply_add.hpp: ctnn's one decision about fused multiply-add, in C++ and as C.
//
// Kernels write a multiply-add as multiply_add(a, b, c), never as a * b + c that a compiler may or
// may not contract (GCC contracts in -std=gnu++20 but not in -std=c++20 or -std=c99). On a target
// with an FMA unit it is one correctly rounded fma: twice the arithmetic per instruction and one
// rounding instead of two. Elsewhere it is a multiply then an add, because fmaf there is a slow
// library call. The generated C defines CTNN_MULTIPLY_ADD with the same test, so a header-path
// program and generated code built for the same target give the same bits. Define CTNN_FMA to 0 or
// 1 (for both) to overrule the detection.
#pragma once
#include <ctnn/emit/c.hpp>
#include <ctnn/math.hpp>
#include <ctnn/sample_lanes.hpp>
#include <ctnn/target_vector.hpp>

#ifndef CTNN_FMA
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
#define CTNN_FMA 1
#else
#define CTNN_FMA 0
#endif
#endif

namespace ctnn::detail {

inline constexpr bool fused_multiply_add = CTNN_FMA != 0;

template <class T>
inline T multiply_add(T a, T b, T c) {
    if constexpr (fused_multiply_add)
        return math::fma(a, b, c);
    else
        return a * b + c;
}

// The same on 16-float vectors (sample_lanes.hpp) and on vector_float (target_vector.hpp), lane by
// lane: kernels that hold their sums as explicit vectors compute what the scalar loops do. The
// fused forms are GCC's and clang's common builtins (what <immintrin.h>'s _mm*_fmadd_ps call),
// without that header's parsing time (math.hpp).
#if defined(CTNN_SAMPLE_LANES)
inline lanes::vec multiply_add(lanes::vec a, lanes::vec b, lanes::vec c) {
    if constexpr (fused_multiply_add)
        return __builtin_ia32_vfmaddps512_mask(a, b, c, -1, 4);  // mask -1: every lane; 4: current rounding
    else
        return a * b + c;
}
// multiply_add in the lanes of `where`; c as it is in the others.
inline lanes::vec multiply_add_where(lanes::mask where, lanes::vec a, lanes::vec b, lanes::vec c) {
    if constexpr (fused_multiply_add) {
        return __builtin_ia32_vfmaddps512_mask3(a, b, c, where, 4);
    } else {
        lanes::vec result = c;
        const lanes::vec sum = a * b + c;
        for (std::size_t l = 0; l < lanes::count; ++l)
            if ((where >> l) & 1) result[l] = sum[l];
        return result;
    }
}
#endif
// (With AVX-512 vector_float is lanes::vec, whose overload is above.)
#if defined(CTNN_NARROW_VECTORS)
inline vector_float multiply_add(vector_float a, vector_float b, vector_float c) {
    if constexpr (!fused_multiply_add) {
        return a * b + c;
    } else {
#if defined(__FMA__) && defined(__AVX__)
        return __builtin_ia32_vfmaddps256(a, b, c);
#elif defined(__FMA__)
        return __builtin_ia32_vfmaddps(a, b, c);
#else
        for (std::size_t l = 0; l < vector_floats; ++l) c[l] = math::fma(a[l], b[l], c[l]);
        return c;
#endif
    }
}
#endif

// The C side of the decision, once at the top of every generated source.
template <emit::writer W>
void emit_multiply_add_definition(W& c) {
    c.line("/* ctnn::detail::multiply_add (ctnn/multiply_add.hpp): one fused multiply-add where the");
    c.line("   target has an FMA unit, a multiply then an add elsewhere; define CTNN_FMA to overrule. */");
    emit::define_unless_defined(c, "CTNN_FMA", "defined(__FMA__) || defined(__ARM_FEATURE_FMA)", "1", "0");
    c.line("#if CTNN_FMA");
    c.line("#define CTNN_MULTIPLY_ADD(a, b, c) fmaf((a), (b), (c))");
    c.line("#else");
    c.line("#define CTNN_MULTIPLY_ADD(a, b, c) ((a) * (b) + (c))");
    c.line("#endif");
}

}  // namespace ctnn::detail
