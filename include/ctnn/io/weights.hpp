// ctnn/io/weights.hpp: saving and loading a model's parameters, checked and atomic.
//
// File format, version 1; every integer and value little-endian:
//   offset  bytes  field
//   0       8      magic "CTNNWGT" followed by a zero byte
//   8       4      format version (1)
//   12      4      value type: 1 = float32, 2 = float64 (IEEE 754)
//   16      8      architecture signature (ctnn::architecture_signature<Model>)
//   24      8      parameter count
//   32      N*s    the parameters, in the model's flat layout (Model::param_offsets)
//   32+N*s  4      CRC-32 (IEEE 802.3, as in zlib) of every byte before it
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <type_traits>

#include <ctnn/math.hpp>
#include <ctnn/parameters.hpp>
#include <ctnn/signature.hpp>
#include <ctnn/status.hpp>

namespace ctnn {

inline constexpr std::uint32_t weights_format_version = 1;
inline constexpr std::size_t weights_header_bytes = 32;

template <class Model, class T = float>
inline constexpr std::size_t weights_file_bytes = weights_header_bytes + Model::param_count * sizeof(T) + 4;

namespace detail {

inline constexpr unsigned char weights_magic[8] = {'C', 'T', 'N', 'N', 'W', 'G', 'T', 0};

inline constexpr std::array<std::uint32_t, 256> crc32_table = [] {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}();

// Running CRC-32; start from 0, feed chunks, the result is the CRC of their concatenation.
constexpr std::uint32_t crc32_update(std::uint32_t crc, const unsigned char* bytes, std::size_t count) {
    crc = ~crc;
    for (std::size_t i = 0; i < count; ++i) crc = crc32_table[(crc ^ bytes[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

template <class T>
struct value_encoding;
template <>
struct value_encoding<float> {
    using bits = std::uint32_t;
    static constexpr std::uint32_t code = 1;
};
template <>
struct value_encoding<double> {
    using bits = std::uint64_t;
    static constexpr std::uint32_t code = 2;
};

template <class Unsigned>
void put_le(unsigned char* out, Unsigned v) {
    for (std::size_t i = 0; i < sizeof(Unsigned); ++i) out[i] = static_cast<unsigned char>(v >> (8 * i));
}
template <class Unsigned>
Unsigned get_le(const unsigned char* in) {
    Unsigned v = 0;
    for (std::size_t i = 0; i < sizeof(Unsigned); ++i) v |= Unsigned(in[i]) << (8 * i);
    return v;
}

template <class T>
void encode_value(unsigned char* out, T value) {
    typename value_encoding<T>::bits bits;
    std::memcpy(&bits, &value, sizeof bits);
    put_le(out, bits);
}
template <class T>
T decode_value(const unsigned char* in) {
    const auto bits = get_le<typename value_encoding<T>::bits>(in);
    T value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

template <class Model, class T>
void encode_header(unsigned char (&header)[weights_header_bytes]) {
    std::memcpy(header, weights_magic, sizeof weights_magic);
    put_le<std::uint32_t>(header + 8, weights_format_version);
    put_le<std::uint32_t>(header + 12, value_encoding<T>::code);
    put_le<std::uint64_t>(header + 16, architecture_signature<Model>);
    put_le<std::uint64_t>(header + 24, Model::param_count);
}

// Closes the file whatever path the function takes.
struct file_closer {
    std::FILE* file;
    ~file_closer() {
        if (file != nullptr) std::fclose(file);
    }
};

// Values travel through a small stack buffer: no heap, whatever the model's size.
inline constexpr std::size_t io_chunk_values = 64;

}  // namespace detail

// Writes "<path>.tmp" and renames it over `path`, so a reader sees the old file or the new one,
// never half of one. Refuses non-finite values: a file that cannot be loaded is not worth writing.
template <class Model, class T>
result save_weights(const char* path, const parameters<Model, T>& params) {
    for (T v : params.values)
        if (!math::isfinite(v)) return {status::non_finite_value, "refusing to save NaN or infinite parameters"};

    char temporary[4096];
    const int length = std::snprintf(temporary, sizeof temporary, "%s.tmp", path);
    if (length < 0 || std::size_t(length) >= sizeof temporary) return {status::invalid_argument, "path too long"};

    std::FILE* file = std::fopen(temporary, "wb");
    if (file == nullptr) return {status::cannot_open, "cannot create the temporary file beside the target"};

    unsigned char header[weights_header_bytes];
    detail::encode_header<Model, T>(header);
    bool ok = std::fwrite(header, 1, sizeof header, file) == sizeof header;
    std::uint32_t crc = detail::crc32_update(0, header, sizeof header);

    unsigned char chunk[detail::io_chunk_values * sizeof(T)];
    for (std::size_t start = 0; ok && start < Model::param_count; start += detail::io_chunk_values) {
        const std::size_t count = std::min(detail::io_chunk_values, Model::param_count - start);
        for (std::size_t k = 0; k < count; ++k) detail::encode_value(chunk + k * sizeof(T), params.values[start + k]);
        crc = detail::crc32_update(crc, chunk, count * sizeof(T));
        ok = std::fwrite(chunk, sizeof(T), count, file) == count;
    }
    unsigned char trailer[4];
    detail::put_le(trailer, crc);
    ok = ok && std::fwrite(trailer, 1, 4, file) == 4;
    ok = ok && std::fflush(file) == 0;
    ok = (std::fclose(file) == 0) && ok;
    if (!ok || std::rename(temporary, path) != 0) {
        std::remove(temporary);
        return {status::write_failed, "could not write and rename the weights file"};
    }
    return {};
}

// Checks the whole file (magic, version, value type, architecture, size, checksum, finiteness)
// before touching `params`: on any error they keep their previous values.
template <class Model, class T>
result load_weights(const char* path, parameters<Model, T>& params) {
    detail::file_closer file{std::fopen(path, "rb")};
    if (file.file == nullptr) return {status::cannot_open, "cannot open the weights file for reading"};

    unsigned char header[weights_header_bytes];
    const std::size_t header_read = std::fread(header, 1, sizeof header, file.file);
    if (header_read < sizeof detail::weights_magic ||
        std::memcmp(header, detail::weights_magic, sizeof detail::weights_magic) != 0)
        return {status::bad_magic, "the file does not start with the ctnn weights magic"};
    if (header_read < sizeof header) return {status::truncated, "the header is incomplete"};
    if (detail::get_le<std::uint32_t>(header + 8) != weights_format_version)
        return {status::unsupported_version, "this build reads format version 1 only"};
    if (detail::get_le<std::uint32_t>(header + 12) != detail::value_encoding<T>::code)
        return {status::wrong_value_type, "the values are stored in another floating-point type"};
    if (detail::get_le<std::uint64_t>(header + 16) != architecture_signature<Model> ||
        detail::get_le<std::uint64_t>(header + 24) != Model::param_count)
        return {status::wrong_architecture, "the architecture signature differs from the model's"};

    // First pass: verify without storing anything.
    std::uint32_t crc = detail::crc32_update(0, header, sizeof header);
    bool finite = true;
    unsigned char chunk[detail::io_chunk_values * sizeof(T)];
    for (std::size_t start = 0; start < Model::param_count; start += detail::io_chunk_values) {
        const std::size_t count = std::min(detail::io_chunk_values, Model::param_count - start);
        if (std::fread(chunk, sizeof(T), count, file.file) != count)
            return {status::truncated, "the file ends inside the parameter block"};
        crc = detail::crc32_update(crc, chunk, count * sizeof(T));
        for (std::size_t k = 0; k < count; ++k) finite = finite && math::isfinite(detail::decode_value<T>(chunk + k * sizeof(T)));
    }
    unsigned char trailer[4];
    if (std::fread(trailer, 1, 4, file.file) != 4) return {status::truncated, "the checksum is missing"};
    if (std::fgetc(file.file) != EOF) return {status::trailing_data, "bytes follow the checksum"};
    if (detail::get_le<std::uint32_t>(trailer) != crc) return {status::bad_checksum, "CRC-32 mismatch"};
    if (!finite) return {status::non_finite_value, "a parameter is NaN or infinite"};

    // Second pass: the content is known good, copy it in.
    if (std::fseek(file.file, long(weights_header_bytes), SEEK_SET) != 0)
        return {status::cannot_open, "cannot seek in the weights file"};
    for (std::size_t start = 0; start < Model::param_count; start += detail::io_chunk_values) {
        const std::size_t count = std::min(detail::io_chunk_values, Model::param_count - start);
        if (std::fread(chunk, sizeof(T), count, file.file) != count)
            return {status::truncated, "the file shrank while it was being read"};
        for (std::size_t k = 0; k < count; ++k) params.values[start + k] = detail::decode_value<T>(chunk + k * sizeof(T));
    }
    return {};
}

}  // namespace ctnn
