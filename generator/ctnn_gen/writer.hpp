// ctnn_gen/writer.hpp: the text sink that layer emitters write C into (see ctnn/emit/c.hpp).
#pragma once
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <ctnn/emit/c.hpp>

namespace ctnn_gen {

// A C99 float literal that reads back as exactly `value` (shortest round-trip digits, "f" suffix).
std::string c_float_literal(float value);

// Collects lines of C, four spaces per open block.
class writer {
public:
    template <class... Parts>
    void put(const Parts&... parts) {
        (put_part(parts), ...);
    }
    template <class... Parts>
    void line(const Parts&... parts) {
        put(parts...);
        end_line();
    }
    // line(parts..., " {"), or "{" alone, and indents what follows.
    template <class... Parts>
    void open(const Parts&... parts) {
        put(parts...);
        put_part(at_line_start_ ? "{" : " {");
        end_line();
        ++depth_;
    }
    // Closes the innermost open(): "}" followed by `after` (e.g. " name;" for a typedef).
    void close(std::string_view after = {});
    void end_line();
    // A line that is not C: written as-is (still indented), for comments.
    void comment(std::string_view text);

    const std::string& text() const { return text_; }
    std::string take() { return std::move(text_); }
    int depth() const { return depth_; }

private:
    void begin_line();
    void put_part(std::string_view text);
    void put_part(const char* text) { put_part(std::string_view(text)); }
    void put_part(const std::string& text) { put_part(std::string_view(text)); }
    void put_part(ctnn::emit::real value);
    template <std::unsigned_integral U>
    void put_part(U value) {
        put_part(std::string_view(std::to_string(std::uint64_t(value))));
    }
    template <std::signed_integral I>
    void put_part(I value) {
        put_part(std::string_view(std::to_string(std::int64_t(value))));
    }

    std::string text_;
    int depth_ = 0;
    bool at_line_start_ = true;
};

static_assert(ctnn::emit::writer<writer>, "ctnn_gen::writer must provide what ctnn/emit/c.hpp asks of a writer");

}  // namespace ctnn_gen
