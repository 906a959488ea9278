// ctnn/tensor.hpp: a fixed-size tensor, an aggregate over a plain array.
#pragma once
#include <cstddef>
#include <span>

#include <ctnn/shape.hpp>

namespace ctnn {

// Alignment of the library's large buffers (parameters, workspaces): full-width SIMD loads on any
// x86 or ARM core.
inline constexpr std::size_t tensor_alignment = 64;

// An aggregate, so `tensor<float, shape<2>> x{{0.f, 1.f}}` works and copying is a memcpy.
// No heap, no constructor: it can live in .bss, on the stack or in a caller's array. It is not
// over-aligned, so an array of tensors is a dense array of values (no padding between samples).
template <class T, shape_type Shape>
struct tensor {
    using value_type = T;
    using shape_type = Shape;
    static constexpr std::size_t size = Shape::size;

    T values[Shape::size];

    constexpr T& operator[](std::size_t i) { return values[i]; }
    constexpr const T& operator[](std::size_t i) const { return values[i]; }
    constexpr T* data() { return values; }
    constexpr const T* data() const { return values; }
    constexpr T* begin() { return values; }
    constexpr T* end() { return values + size; }
    constexpr const T* begin() const { return values; }
    constexpr const T* end() const { return values + size; }
    constexpr std::span<T, size> span() { return std::span<T, size>(values); }
    constexpr std::span<const T, size> span() const { return std::span<const T, size>(values); }

    friend constexpr bool operator==(const tensor&, const tensor&) = default;
};

}  // namespace ctnn
