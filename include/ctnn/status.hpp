// ctnn/status.hpp: run-time errors as values (no exceptions on any path).
#pragma once

namespace ctnn {

enum class status {
    ok,
    invalid_argument,     // a size, count or option a caller passed is out of range
    cannot_open,          // the file could not be opened for reading or writing
    truncated,            // the file ends before its declared content does
    trailing_data,        // the file goes on after its declared content
    bad_magic,            // not a ctnn weights file
    unsupported_version,  // a ctnn weights file of a format version this build cannot read
    wrong_value_type,     // stored as float64 but loaded as float32, or the other way round
    wrong_architecture,   // the file belongs to another model
    bad_checksum,         // the content was corrupted
    non_finite_value,     // the content holds NaN or infinity
    write_failed,         // writing, flushing or renaming failed (disk full, read-only, ...)
};

constexpr const char* describe(status s) {
    switch (s) {
        case status::ok: return "ok";
        case status::invalid_argument: return "invalid argument";
        case status::cannot_open: return "cannot open the file";
        case status::truncated: return "the file is truncated";
        case status::trailing_data: return "the file has unexpected data after its end";
        case status::bad_magic: return "not a ctnn weights file (bad magic)";
        case status::unsupported_version: return "unsupported ctnn weights format version";
        case status::wrong_value_type: return "the file stores another value type (float32 vs float64)";
        case status::wrong_architecture: return "the file holds weights of another architecture";
        case status::bad_checksum: return "checksum mismatch: the file is corrupted";
        case status::non_finite_value: return "the file holds NaN or infinite values";
        case status::write_failed: return "writing the file failed";
    }
    return "unknown status";
}

// A status plus a static message naming what was wrong; converts to true on success.
struct result {
    ctnn::status code = status::ok;
    const char* detail = "";

    constexpr explicit operator bool() const { return code == status::ok; }
    constexpr const char* message() const { return describe(code); }
};

}  // namespace ctnn
