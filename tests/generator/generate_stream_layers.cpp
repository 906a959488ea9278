// Writes stream_layers.h/.c into the folder given: for each layer of stream_layers.hpp,
//   void stream_layer_<k>(const float *params, const float *x, float *y, float *state)
// whose body is the layer's emit_forward in stream mode (the state buffer set).
#include <cstdio>
#include <exception>
#include <string>
#include <utility>

#include <ctnn_gen/generate.hpp>
#include <ctnn_gen/writer.hpp>

#include "stream_layers.hpp"

namespace {

std::string signature(std::size_t k) {
    return "void stream_layer_" + std::to_string(k) + "(const float *params, const float *x, float *y, float *state)";
}

template <std::size_t K>
void write_one(ctnn_gen::writer& header, ctnn_gen::writer& source) {
    using bound = stream_layers::layer<K>;
    header.line(signature(K), ";");
    source.open(signature(K));
    if constexpr (bound::state_size == 0) source.line("(void)state;");
    bound::template emit_forward<ctnn_gen::writer>(source, {"params", "x", "y", "state"});
    source.close();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: generate_stream_layers FOLDER\n");
        return 2;
    }
    try {
        ctnn_gen::writer header, source;
        header.line("#ifndef STREAM_LAYERS_H");
        header.line("#define STREAM_LAYERS_H");
        header.line("#ifdef __cplusplus");
        header.line("extern \"C\" {");
        header.line("#endif");
        source.line("#include <stddef.h>");
        source.line("#include \"stream_layers.h\"");
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            (write_one<K>(header, source), ...);
        }(std::make_index_sequence<stream_layers::count>{});
        header.line("#ifdef __cplusplus");
        header.line("}");
        header.line("#endif");
        header.line("#endif");
        ctnn_gen::write_files_atomically(argv[1], {{"stream_layers.h", header.take()}, {"stream_layers.c", source.take()}});
    } catch (const std::exception& error) {
        std::fprintf(stderr, "generate_stream_layers: %s\n", error.what());
        return 1;
    }
    return 0;
}
