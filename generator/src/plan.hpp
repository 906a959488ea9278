// Buffer planning: where each tensor of the generated functions lives.
//
// A sequential model is a chain: tensor 0 (the input) -> layer 0 -> tensor 1 -> ... -> tensor n.
// A layer either needs a fresh buffer for its output, writes over its input (in place), or is a
// pass-through whose output *is* its input. Tensors that share storage form a group; the first
// group is the chain's read-only source (x, or dL/dy), the last its destination (y, or dL/dx).
// The groups in between live in an arena. Only two of them are alive at once (a layer reads one
// and writes the next), so they alternate between the front and the back of the arena, which is
// then as large as the largest pair of consecutive groups.
#pragma once
#include <cstddef>
#include <vector>

#include <ctnn/emit/c.hpp>

namespace ctnn_gen {

enum class sharing { none, in_place, pass_through };

struct chain_plan {
    static constexpr int source = -1;
    static constexpr int destination = -2;

    std::vector<int> group;                  // per tensor: source, destination or an arena group (0, 1, ...)
    std::vector<std::size_t> group_size;     // per arena group
    std::vector<std::size_t> group_offset;   // per arena group, from the arena's start
    std::vector<bool> emits;                 // per layer: false when it is a pass-through that shares
    std::size_t arena = 0;                   // values
};

// sizes: tensor sizes 0..n; shares: per layer. The destination absorbs in-place layers when
// destination_shareable (y may be overwritten freely; dL/dx may be NULL, so it may not).
// leading_slot > 0 reserves a first arena group of that size before the chain's own, at the
// front (where the training loss leaves dL/d(top)), and shifts the alternation accordingly.
chain_plan plan_chain(const std::vector<std::size_t>& sizes, const std::vector<sharing>& shares,
                      bool destination_shareable, std::size_t leading_slot = 0);

// Training forward keeps what backward reads. Tensor t shares its storage with tensor t-1 when
// the layer between them is a pass-through, or works in place and nobody reads t-1 after the
// forward pass. Tensor 0 is the caller's x (group -1); each other group gets its own region.
struct activation_plan {
    std::vector<int> group;                 // per tensor: -1 (x) or a region index
    std::vector<std::size_t> region_offset; // per region
    std::vector<std::size_t> region_size;
    std::vector<bool> emits;                // per layer
    std::size_t size = 0;                   // values
};

// needed[t]: tensor t must survive the forward pass (a backward reads it, or the loss does).
activation_plan plan_activations(const std::vector<std::size_t>& sizes, const std::vector<ctnn::emit::layer_traits>& traits,
                                 const std::vector<bool>& needed);

}  // namespace ctnn_gen
