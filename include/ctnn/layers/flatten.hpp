// ctnn/layers/flatten.hpp: any shape to rank 1; the values keep their (channels-last) order.
#pragma once
#include <cstddef>
#include <string_view>

#include <ctnn/layers/view.hpp>
#include <ctnn/shape.hpp>

namespace ctnn {

struct flatten {
    static constexpr std::string_view name = "flatten";

    template <class In, std::size_t Position>
    struct bind : detail::view_layer<flatten, In, shape<In::size>> {};
};

}  // namespace ctnn
