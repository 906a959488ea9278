#include "plan.hpp"

#include <algorithm>
#include <stdexcept>

namespace ctnn_gen {

chain_plan plan_chain(const std::vector<std::size_t>& sizes, const std::vector<sharing>& shares,
                      bool destination_shareable, std::size_t leading_slot) {
    const std::size_t n = shares.size();
    if (sizes.size() != n + 1 || n == 0) throw std::logic_error("plan_chain: one size per tensor, one layer at least");
    chain_plan plan;
    plan.group.assign(n + 1, chain_plan::source);
    plan.emits.assign(n, true);
    int next = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const bool last = i + 1 == n;
        const int in = plan.group[i];
        int out = next;
        if (last && !destination_shareable) {
            out = next;
        } else if (shares[i] == sharing::pass_through && !(last && in == chain_plan::source)) {
            out = in;
            plan.emits[i] = false;
        } else if (shares[i] == sharing::in_place && in != chain_plan::source) {
            out = in;
        }
        if (out == next) ++next;
        plan.group[i + 1] = out;
    }
    // The last group is the destination.
    const int last_group = plan.group[n];
    for (int& g : plan.group)
        if (g == last_group) g = chain_plan::destination;
    const int arena_groups = last_group;  // groups 0 .. last_group-1 stay in the arena

    // Alternate front and back, after the optional leading slot (which sits at the front).
    std::vector<std::size_t> sequence;
    if (leading_slot > 0) sequence.push_back(leading_slot);
    plan.group_size.assign(std::size_t(arena_groups), 0);
    for (std::size_t t = 0; t <= n; ++t)
        if (plan.group[t] >= 0) plan.group_size[std::size_t(plan.group[t])] = sizes[t];
    sequence.insert(sequence.end(), plan.group_size.begin(), plan.group_size.end());
    for (std::size_t k = 0; k < sequence.size(); ++k) {
        plan.arena = std::max(plan.arena, sequence[k]);
        if (k + 1 < sequence.size()) plan.arena = std::max(plan.arena, sequence[k] + sequence[k + 1]);
    }
    const std::size_t shift = leading_slot > 0 ? 1 : 0;
    plan.group_offset.assign(std::size_t(arena_groups), 0);
    for (std::size_t k = 0; k < plan.group_size.size(); ++k)
        plan.group_offset[k] = (k + shift) % 2 == 0 ? 0 : plan.arena - plan.group_size[k];
    return plan;
}

activation_plan plan_activations(const std::vector<std::size_t>& sizes, const std::vector<ctnn::emit::layer_traits>& traits,
                                 const std::vector<bool>& needed) {
    const std::size_t n = traits.size();
    if (sizes.size() != n + 1 || needed.size() != n + 1 || n == 0)
        throw std::logic_error("plan_activations: one size and one need per tensor, one layer at least");
    activation_plan plan;
    plan.group.assign(n + 1, -1);
    plan.emits.assign(n, true);
    std::vector<bool> group_needed;  // per region: does a value stored there have to survive?
    bool input_needed = needed[0];
    for (std::size_t i = 0; i < n; ++i) {
        const bool last = i + 1 == n;
        const int in = plan.group[i];
        const bool in_needed = in < 0 ? input_needed : group_needed[std::size_t(in)];
        int out = -2;
        if (traits[i].pass_through && !(last && in < 0)) {
            out = in;
            plan.emits[i] = false;
        } else if (traits[i].forward_in_place && in >= 0 && !in_needed) {
            out = in;
        }
        if (out == -2) {
            out = int(plan.region_size.size());
            plan.region_size.push_back(sizes[i + 1]);
            group_needed.push_back(false);
        }
        plan.group[i + 1] = out;
        if (out < 0)
            input_needed = input_needed || needed[i + 1];
        else
            group_needed[std::size_t(out)] = group_needed[std::size_t(out)] || needed[i + 1];
    }
    std::size_t offset = 0;
    for (std::size_t size : plan.region_size) {
        plan.region_offset.push_back(offset);
        offset += size;
    }
    plan.size = offset;
    return plan;
}

}  // namespace ctnn_gen
