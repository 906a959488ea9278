// ctnn/layers/filter_sums.hpp: the running sums of one output pixel's filters, a convolution's
// innermost tile, with one loop nest for both of the forms compilers need.
//
// As a float array (AsVectors false) the compiler vectorises the filter loop. Where that loop lost
// its registers, a kernel holds the sums as whole target vectors instead (AsVectors true; floats,
// and Filters a multiple of vector_floats): the same terms in the same order, so the same bits.
#pragma once
#include <cstddef>

#include <ctnn/loop_hints.hpp>
#include <ctnn/multiply_add.hpp>
#include <ctnn/target_vector.hpp>

namespace ctnn::detail {

template <class T, std::size_t Filters, bool AsVectors>
struct filter_sums {
    static_assert(!AsVectors, "filter sums as vectors are for floats, Filters a multiple of vector_floats, on x86");

    // The weights of one tap and channel are read where they lie.
    using weights = const T*;
    static weights load_weights(const T* w) { return w; }

    T sum[Filters];

    void start(const T* bias) {
        for (std::size_t f = 0; f < Filters; ++f) sum[f] = bias[f];
    }
    void multiply_add(weights w, T x) {
        // Unrolled first, GCC 12 no longer sees this loop as one vector.
CTNN_GCC_KEEP_LOOP
        for (std::size_t f = 0; f < Filters; ++f) sum[f] = detail::multiply_add(w[f], x, sum[f]);
    }
    void store(T* out) const {
        for (std::size_t f = 0; f < Filters; ++f) out[f] = sum[f];
    }
};

#if defined(CTNN_VECTOR_FLOAT)
template <std::size_t Filters>
struct filter_sums<float, Filters, true> {
    static_assert(Filters % vector_floats == 0);
    static constexpr std::size_t vectors = Filters / vector_floats;

    // Loaded once for all the pixels of a block.
    struct weights {
        vector_float v[vectors];
    };
    static weights load_weights(const float* w) {
        weights loaded;
#pragma GCC unroll 8
        for (std::size_t v = 0; v < vectors; ++v) loaded.v[v] = load_vector(w + v * vector_floats);
        return loaded;
    }

    vector_float sum[vectors];

    void start(const float* bias) {
        for (std::size_t v = 0; v < vectors; ++v) sum[v] = load_vector(bias + v * vector_floats);
    }
    void multiply_add(const weights& w, float x) {
        const vector_float xv = broadcast_vector(x);
#pragma GCC unroll 8
        for (std::size_t v = 0; v < vectors; ++v) sum[v] = detail::multiply_add(w.v[v], xv, sum[v]);
    }
    void store(float* out) const {
        for (std::size_t v = 0; v < vectors; ++v) store_vector(out + v * vector_floats, sum[v]);
    }
};
#endif

}  // namespace ctnn::detail
