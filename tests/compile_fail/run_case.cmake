# Runs one compile-fail case with one compiler (cmake -P mode).
#   -DCOMPILER=<g++ or clang++>  -DSOURCE=<case .cpp>  -DMODE=fail|twin
#   -DINCLUDES=<dirs separated by '|'>  -DLOG=<file that keeps the compiler's output>
# MODE=fail: the compiler must reject the file; the first "error: " line must match the file's
#   `// expect-error:` regex, every `// expect:` regex must match inside the first diagnostic
#   (before the second error), and the output must stay under `// max-lines:` lines.
# MODE=twin: the same file with -DCTNN_TWIN must compile cleanly under warnings-as-errors, which
#   proves the failure above comes from the intended mistake and not from a typo.
cmake_minimum_required(VERSION 3.25)

foreach(var COMPILER SOURCE MODE)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "run_case.cmake: -D${var}=... is required")
    endif()
endforeach()

# Plain ASCII quotes and no colours: the output is the same on every machine.
set(ENV{LC_ALL} C)
set(ENV{LANG} C)
set(flags -std=c++20 -fsyntax-only -fdiagnostics-color=never)
string(REPLACE "|" ";" include_dirs "${INCLUDES}")
foreach(dir IN LISTS include_dirs)
    if(dir)
        list(APPEND flags -I${dir})
    endif()
endforeach()
get_filename_component(compiler_name ${COMPILER} NAME)

if(MODE STREQUAL "twin")
    execute_process(COMMAND ${COMPILER} ${flags} -Wall -Wextra -Wpedantic -Werror -DCTNN_TWIN ${SOURCE}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE output ERROR_VARIABLE output)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "the twin (-DCTNN_TWIN) of ${SOURCE} must compile with ${compiler_name}:\n${output}")
    endif()
    message(STATUS "${compiler_name}: the twin compiles")
    return()
elseif(NOT MODE STREQUAL "fail")
    message(FATAL_ERROR "run_case.cmake: MODE must be fail or twin, not '${MODE}'")
endif()

# The expectations live in the case file itself, as comments.
file(STRINGS ${SOURCE} expect_error REGEX "^// expect-error: ")
file(STRINGS ${SOURCE} expect_facts REGEX "^// expect: ")
file(STRINGS ${SOURCE} max_lines REGEX "^// max-lines: ")
list(LENGTH expect_error count)
if(NOT count EQUAL 1 OR NOT max_lines)
    message(FATAL_ERROR "${SOURCE} needs exactly one '// expect-error: <regex>' and one '// max-lines: <n>' line")
endif()
string(REGEX REPLACE "^// expect-error: " "" expect_error "${expect_error}")
string(REGEX REPLACE "^// max-lines: " "" max_lines "${max_lines}")

# Defaults only (no -Wall): what a user sees on first contact.
execute_process(COMMAND ${COMPILER} ${flags} ${SOURCE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(LOG)
    file(WRITE ${LOG} "${output}")
endif()

string(REGEX MATCHALL "\n" newlines "${output}")
list(LENGTH newlines lines)
if(NOT output MATCHES "\n$" AND NOT output STREQUAL "")
    math(EXPR lines "${lines} + 1")
endif()
message(STATUS "${compiler_name}: exit code ${rc}, ${lines} lines of diagnostics (limit ${max_lines})")

set(failures "")
if(rc EQUAL 0)
    string(APPEND failures "\n  - the file compiled, but it must be rejected")
endif()

# "error: " with a space: ctnn::error::check contains "error::" and must not count.
string(REGEX MATCH "[^\n]*error: [^\n]*" first_error "${output}")
if(NOT first_error)
    string(APPEND failures "\n  - no line contains 'error: '")
elseif(NOT first_error MATCHES "${expect_error}")
    string(APPEND failures "\n  - the first error does not match '${expect_error}':\n    ${first_error}")
endif()

# The first diagnostic runs up to the line of the second error (g++ puts the facts in a note
# after its error line, clang inside it).
string(FIND "${output}" "${first_error}" start)
set(first_diagnostic "${output}")
if(first_error AND start GREATER_EQUAL 0)
    string(LENGTH "${first_error}" length)
    math(EXPR after "${start} + ${length}")
    string(SUBSTRING "${output}" ${after} -1 rest)
    string(REGEX MATCH "[^\n]*error: " second_error "${rest}")
    if(second_error)
        string(FIND "${rest}" "${second_error}" second)
        math(EXPR end "${after} + ${second}")
        string(SUBSTRING "${output}" 0 ${end} first_diagnostic)
    endif()
endif()
foreach(fact IN LISTS expect_facts)
    string(REGEX REPLACE "^// expect: " "" fact "${fact}")
    if(NOT first_diagnostic MATCHES "${fact}")
        string(APPEND failures "\n  - the first diagnostic does not show '${fact}'")
    endif()
endforeach()

if(NOT lines LESS max_lines)
    string(APPEND failures "\n  - ${lines} lines of diagnostics, the limit is under ${max_lines}")
endif()

if(failures)
    message(FATAL_ERROR "${compiler_name} on ${SOURCE}:${failures}\n--- compiler output ---\n${output}")
endif()
message(STATUS "${compiler_name}: first error: ${first_error}")
