// ctnn/summary.hpp: a model's per-layer figures as constexpr data, and printed as a table.
#pragma once
#include <array>
#include <cstddef>
#include <cstdio>
#include <string_view>
#include <utility>

namespace ctnn {

inline constexpr std::size_t max_summary_rank = 4;

struct layer_summary {
    std::string_view name;
    std::size_t rank;
    std::array<std::size_t, max_summary_rank> output_dims;
    std::size_t param_count;
    std::size_t flops;
    std::size_t param_bytes;   // parameters of this layer in the chosen value type
    std::size_t output_bytes;  // this layer's output activation
};

// One row per layer (index 0 = first layer after the input), all compile-time constants.
template <class Model, class T = float>
inline constexpr auto layer_table = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<layer_summary, Model::layer_count>{[]<class Bound>() {
        using out = typename Bound::output_shape;
        static_assert(out::rank <= max_summary_rank, "ctnn::layer_table: raise max_summary_rank");
        layer_summary row{Bound::layer::name, out::rank, {}, Bound::param_count, Bound::flops,
                          Bound::param_count * sizeof(T), out::size * sizeof(T)};
        for (std::size_t d = 0; d < out::rank; ++d) row.output_dims[d] = out::dims[d];
        return row;
    }.template operator()<typename Model::template layer<I>>()...};
}(std::make_index_sequence<Model::layer_count>{});

namespace detail {
template <std::size_t Rank>
void format_shape(char (&text)[48], std::size_t rank, const std::array<std::size_t, Rank>& dims) {
    int used = std::snprintf(text, sizeof text, "(");
    for (std::size_t d = 0; d < rank && used > 0 && std::size_t(used) < sizeof text; ++d)
        used += std::snprintf(text + used, sizeof text - std::size_t(used), d == 0 ? "%zu" : ", %zu", dims[d]);
    if (used > 0 && std::size_t(used) < sizeof text) std::snprintf(text + used, sizeof text - std::size_t(used), ")");
}
}  // namespace detail

// Prints a table like Keras' model.summary(), with totals and the memory a deployment needs.
template <class Model, class T = float>
void summary(std::FILE* out = stdout) {
    constexpr auto& rows = layer_table<Model, T>;
    char shape_text[48];
    std::fprintf(out, "%-4s %-14s %-18s %10s %10s %12s %12s\n", "#", "layer", "output shape", "params",
                 "FLOPs", "param bytes", "out bytes");
    detail::format_shape(shape_text, Model::input_shape::rank, Model::input_shape::dims);
    std::fprintf(out, "%-4d %-14s %-18s %10d %10d %12d %12zu\n", 0, "input", shape_text, 0, 0, 0,
                 Model::input_shape::size * sizeof(T));
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const layer_summary& row = rows[i];
        detail::format_shape(shape_text, row.rank, row.output_dims);
        std::fprintf(out, "%-4zu %-14.*s %-18s %10zu %10zu %12zu %12zu\n", i + 1, int(row.name.size()),
                     row.name.data(), shape_text, row.param_count, row.flops, row.param_bytes, row.output_bytes);
    }
    std::fprintf(out, "total: %zu parameters (%zu bytes), %zu FLOPs per inference\n", Model::param_count,
                 Model::template parameter_bytes<T>, Model::flops);
    std::fprintf(out, "inference scratch: %zu bytes; training workspace: %zu bytes (+ %zu bytes of gradients)\n",
                 Model::template inference_scratch_bytes<T>, Model::template training_workspace_bytes<T>,
                 Model::template parameter_bytes<T>);
}

}  // namespace ctnn
