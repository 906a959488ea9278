#!/usr/bin/env bash
# The whole ctnn test suite, from a fresh Debian 12 machine:
#   installs what is missing, then builds and runs the tests three times:
#   g++ 12 (all tests), clang 14 (unit tests), g++ with ASan+UBSan (unit tests).
# Usage: tests/run.sh [build-root]   (default: build-tests beside this checkout's top)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-$top/build-tests}
jobs=$(nproc)

"$top/cmake/install-deps.sh" test

run_config() {
    local name=$1; shift
    local ctest_args=$1; shift
    echo "=== ctnn tests: $name ==="
    cmake -S "$top" -B "$root/$name" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$root/$name.configure.log" \
        || { cat "$root/$name.configure.log"; return 1; }
    cmake --build "$root/$name" -j "$jobs"
    # shellcheck disable=SC2086
    ctest --test-dir "$root/$name" -j "$jobs" --output-on-failure $ctest_args
}

mkdir -p "$root"
run_config gcc "" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc -DCTNN_FULL_SUITE=ON
run_config clang "-L unit" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DCTNN_FULL_SUITE=OFF
run_config sanitize "-L unit" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc -DCTNN_SANITIZE=ON -DCTNN_FULL_SUITE=OFF
echo "=== ctnn tests: all configurations passed ==="
