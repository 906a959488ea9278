// ctnn/layers/flatten.hpp: any shape to rank 1; the values keep their (channels-last) order.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>

#include <ctnn/shape.hpp>

namespace ctnn {

struct flatten {
    static constexpr std::string_view name = "flatten";

    template <class In, std::size_t Position>
    struct bind {
        using layer = flatten;
        using input_shape = In;
        using output_shape = shape<In::size>;
        static constexpr std::size_t param_count = 0;
        static constexpr std::size_t flops = 0;

        template <class T>
        static void forward(const T*, const T* x, T* y, std::size_t batch) {
            std::copy(x, x + batch * In::size, y);
        }
        template <class T>
        static void backward(const T*, const T*, const T*, const T* dy, T* dx, T*, std::size_t batch) {
            if (dx != nullptr) std::copy(dy, dy + batch * In::size, dx);
        }
    };
};

}  // namespace ctnn
