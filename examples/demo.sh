#!/usr/bin/env bash
# The main demo, from a fresh Debian 12 machine: installs what is missing, builds ctnn's examples,
# trains XOR with the header-only library and saves the weights, then (once the generator is
# built) generates standalone C for the trained model and runs it.
# Usage: examples/demo.sh [build-dir]   (default: build-demo beside this checkout's top)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build-demo}

"$top/cmake/install-deps.sh" demo
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCTNN_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"

echo
echo "=== 1. train XOR with the header-only library (2-5-1 sigmoid, MSE, Adam lr 0.1, 1000 epochs) ==="
(cd "$build" && ./examples/xor/xor --seed 1 --out xor.ctw)
