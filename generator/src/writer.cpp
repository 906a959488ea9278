// The writer's non-template half, and how constants are spelled in C.
#include <ctnn_gen/writer.hpp>

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace ctnn_gen {

std::string c_float_literal(float value) {
    if (!std::isfinite(value)) throw std::invalid_argument("a non-finite constant has no C literal");
    // {fmt} prints the shortest digits that convert back to the same float; C compilers round
    // decimal literals correctly, so "<digits>f" is that float again.
    std::string text = fmt::format("{}", value);
    if (text.find_first_of(".e") == std::string::npos) text += ".0";
    return text + "f";
}

void writer::begin_line() {
    if (at_line_start_) {
        text_.append(std::size_t(depth_) * 4, ' ');
        at_line_start_ = false;
    }
}

void writer::put_part(std::string_view text) {
    if (text.empty()) return;
    begin_line();
    text_.append(text);
}

void writer::put_part(ctnn::emit::real value) { put_part(std::string_view(c_float_literal(float(value.value)))); }

void writer::end_line() {
    // Lines are never left with trailing blanks: golden files stay stable under editors.
    while (!text_.empty() && text_.back() == ' ') text_.pop_back();
    text_ += '\n';
    at_line_start_ = true;
}

void writer::close(std::string_view after) {
    if (depth_ == 0) throw std::logic_error("writer::close without a matching open");
    --depth_;
    line("}", after);
}

void writer::comment(std::string_view text) { line(text); }

}  // namespace ctnn_gen
