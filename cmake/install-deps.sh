#!/usr/bin/env bash
# Installs the Debian packages ctnn needs that are not there yet.
#   install-deps.sh demo   what building and running the examples needs
#   install-deps.sh test   that plus the test suite's tools (clang, PyTorch, the Arm cross compiler)
#   install-deps.sh bench  that plus bench/'s competitors (Eigen, libtorch, dlib, tiny-dnn and what its
#                          headers include) and Google Benchmark; OpenBLAS for libtorch and dlib (Debian's
#                          reference BLAS would make them look 10x slower), which bench/report.py loads explicitly
set -euo pipefail
demo=(cmake make g++ gcc libboost-dev zlib1g-dev libcli11-dev libfmt-dev)
test=("${demo[@]}" clang doctest-dev python3-torch gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib
      libnewlib-arm-none-eabi dataset-fashion-mnist gnuplot-nox qemu-system-arm
      libonnx-dev libprotobuf-dev protobuf-compiler python3-onnx libclang-rt-14-dev)
bench=("${test[@]}" libbenchmark-dev libeigen3-dev libtorch-dev libdlib-dev tiny-dnn libcereal-dev libstb-dev
       libgemmlowp-dev libopenblas0-pthread)
case "${1:-}" in
    demo) wanted=("${demo[@]}") ;;
    test) wanted=("${test[@]}") ;;
    bench) wanted=("${bench[@]}") ;;
    *) echo "usage: $0 demo|test|bench" >&2; exit 2 ;;
esac
missing=()
for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
