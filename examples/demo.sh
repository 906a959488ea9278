#!/usr/bin/env bash
# The main demo, from a fresh Debian 12 machine: installs what is missing, builds ctnn's examples,
# trains XOR with the header-only library and saves the weights, generates standalone C99 from
# the trained weights and runs it, and trains XOR once more entirely through generated C.
# Usage: examples/demo.sh [build-dir]   (default: build-demo beside this checkout's top)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build-demo}
weights=$build/xor.ctw

"$top/cmake/install-deps.sh" demo
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCTNN_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target xor_example

echo
echo "=== 1. train XOR with the header-only library (2-5-1 sigmoid, MSE, Adam lr 0.1, 1000 epochs) ==="
"$build/examples/xor/xor" --seed 1 --out "$weights"

echo
echo "=== 2. generate C99 with the trained weights baked in, build it, run it ==="
cmake -S "$top" -B "$build" -DCTNN_XOR_WEIGHTS="$weights" >/dev/null
cmake --build "$build" -j "$(nproc)" --target xor_c_predict
generated=$(find "$build/examples/xor_c" -name 'xor_trained.h' | head -n 1)
echo "generated: $generated and ${generated%.h}.c"
sed -n '/^#define XOR_TRAINED_INPUT_SIZE/,/^#define XOR_TRAINED_HAS_WEIGHTS/p' "$generated"
"$build/examples/xor_c/xor_c_predict"

echo
echo "=== 3. train XOR from scratch through the generated C alone (no ctnn headers) ==="
cmake --build "$build" -j "$(nproc)" --target xor_c_example
"$build/examples/xor_c/xor_c" | tail -n 8
