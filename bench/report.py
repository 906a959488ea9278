#!/usr/bin/env python3
"""Runs ctnn_bench (interleaved repetitions) and the compile-time probes, then prints the README's
Markdown table: model x implementation -> median time, ratio to ctnn's header path, GFLOP/s and
the share of the peak FMA rate measured in the same run. Then ctnn's header path as built by g++
and clang at -O2 and -O3 (bench/compiler_matrix.cpp, compiled here once per configuration).

    bench/report.py BUILD_DIR [--repetitions N] [--min-time S] [--json FILE]

BUILD_DIR is a build configured with -DCTNN_BENCH=ON -DCMAKE_BUILD_TYPE=Release and ctnn_bench built.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OPENBLAS = Path("/usr/lib/x86_64-linux-gnu/openblas-pthread")
CASES = [
    ("m1_infer", "M1 XOR 2-5-1: one-sample forward"),
    ("m1_train", "M1 XOR: Adam step over 4 samples (MSE)"),
    ("m2_infer", "M2 MLP 784-128-64-10: one-sample inference"),
    ("m2_train", "M2 MLP: SGD step, batch 64 (softmax CE)"),
    ("m3_infer", "M3 CNN 28x28x1: one-image inference"),
    ("m3_train", "M3 CNN: SGD step, batch 32 (softmax CE)"),
]
IMPLEMENTATIONS = ["ctnn_header", "ctnn_c", "plain", "eigen", "libtorch", "dlib", "tiny_dnn"]
COMPILE_PROBES = [
    ("m2_training.cpp", "M2 with training"),
    ("m3_training.cpp", "M3 with training"),
    ("mlp100_training.cpp", "100-layer MLP with training"),
]


def bench_environment():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    # Debian's default BLAS is the reference one; libtorch and dlib are timed with OpenBLAS when
    # it is installed (install-deps.sh bench), single-threaded, without changing the system default.
    if (OPENBLAS / "libblas.so.3").exists():
        env["LD_LIBRARY_PATH"] = f"{OPENBLAS}:{env.get('LD_LIBRARY_PATH', '')}"
    return env


def pin_to_one_core():
    """Runs in each benchmark child before it starts: every implementation is single-threaded, and
    kept on one core it does not pay for migrations between cores (each has its own L1 and L2);
    the FMA-peak kernel runs on the same core. The last core the report may use."""
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})


def run_benchmark(binary, repetitions, min_time, json_out):
    command = [str(binary), "--benchmark_enable_random_interleaving=true",
               f"--benchmark_repetitions={repetitions}", f"--benchmark_min_time={min_time}",
               f"--benchmark_out={json_out}", "--benchmark_out_format=json"]
    result = subprocess.run(command, env=bench_environment(), stdout=subprocess.PIPE, text=True,
                            preexec_fn=pin_to_one_core)
    checks = [line for line in result.stdout.splitlines() if line.startswith("check ")]
    if result.returncode != 0:
        sys.exit("ctnn_bench failed:\n" + result.stdout)
    return json.loads(Path(json_out).read_text()), checks


def medians(data):
    """Median process CPU time (ns) per benchmark name over the repetitions, and each one's FLOPs.
    CPU time, not wall time: the machine is shared, and every library runs on one thread."""
    times, flops = {}, {}
    for run in data["benchmarks"]:
        if run.get("run_type") != "iteration":
            continue
        name = run.get("run_name", run["name"]).removesuffix("/process_time")
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[run["time_unit"]]
        times.setdefault(name, []).append(run["cpu_time"] * scale)
        flops[name] = run.get("flops_per_iteration", 0)
    return {name: statistics.median(v) for name, v in times.items()}, flops


def compile_seconds(source, flags=(), repeats=5):
    """Median CPU time (user + system) of g++ -std=c++20 -O2 -c over a few runs. CPU time, as the
    benchmarks use: on this shared machine the wall time of one compile varied from 1.4 to 2.3 s
    within minutes, its CPU time far less."""
    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeats):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(["g++", "-std=c++20", "-O2", *flags, f"-I{ROOT / 'include'}", "-c", str(source),
                            "-o", f"{folder}/probe.o"], check=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            seconds.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(seconds)


# The first five for this machine; then AVX2 with FMA (-march=haswell: 16 vector registers, where
# the kernels take other tiles) and the x86-64 baseline (SSE2), as a binary built for any PC runs.
COMPILER_CONFIGS = [
    ("g++", "-O3 -march=native"), ("g++", "-O2 -march=native"), ("clang++", "-O3 -march=native"),
    ("clang++", "-O2 -march=native"), ("g++", "-O3 -march=native -fno-math-errno"), ("g++", "-O3 -march=haswell"),
    ("g++", "-O3"),
]
MATRIX_CASES = [
    ("infer/m2_infer", "M2 one-sample inference"),
    ("train/m2_train_sgd", "M2 SGD step, batch 64"),
    ("train/m2_train_adam", "M2 Adam step, batch 64"),
    ("infer/m3_infer", "M3 one-image inference"),
    ("train/m3_train_sgd", "M3 SGD step, batch 32"),
]


def compiler_matrix(repetitions):
    """bench/compiler_matrix.cpp built by each configuration, the programs run in turn, `repetitions`
    times; median CPU time (ns) per configuration and case."""
    times = {}
    with tempfile.TemporaryDirectory() as folder:
        programs = []
        for compiler, flags in COMPILER_CONFIGS:
            program = Path(folder) / f"matrix{len(programs)}"
            subprocess.run([compiler, "-std=c++20", *flags.split(), "-ffp-contract=off",
                            f"-I{ROOT / 'include'}", str(HERE / "compiler_matrix.cpp"), "-lbenchmark", "-lpthread",
                            "-o", str(program)], check=True)
            programs.append(((compiler, flags), program))
        for _ in range(repetitions):
            for config, program in programs:
                result = subprocess.run([str(program), "--benchmark_min_time=0.1", "--benchmark_format=json"],
                                        check=True, stdout=subprocess.PIPE, text=True, env=bench_environment(),
                                        preexec_fn=pin_to_one_core)
                for case, values in medians(json.loads(result.stdout))[0].items():
                    times.setdefault((config, case), []).append(values)
    return {key: statistics.median(v) for key, v in times.items()}


def format_time(ns):
    if ns < 1e3:
        return f"{ns:.1f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns / 1e6:.2f} ms"


def machine():
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    family = next((l.split(":")[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                   if l.startswith("cpu family")), "?")
    gxx = subprocess.run(["g++", "--version"], stdout=subprocess.PIPE, text=True).stdout.splitlines()[0]
    return f"{model} (family {family}), {os.cpu_count()} cores shared with other jobs, {platform.system()} {platform.release()}, {gxx}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("--repetitions", type=int, default=9)
    parser.add_argument("--min-time", type=float, default=0.2)
    parser.add_argument("--json", type=Path, help="keep Google Benchmark's JSON here")
    parser.add_argument("--skip-compile", action="store_true")
    parser.add_argument("--skip-compilers", action="store_true", help="skip the compiler x flags table")
    args = parser.parse_args()
    binary = args.build_dir / "bench" / "ctnn_bench"
    if not binary.exists():
        sys.exit(f"{binary} not found: configure with -DCTNN_BENCH=ON and build ctnn_bench")

    json_out = args.json or Path(tempfile.mkstemp(suffix=".json")[1])
    data, checks = run_benchmark(binary, args.repetitions, args.min_time, json_out)
    time_ns, flops = medians(data)
    peak = flops["peak_fma"] / time_ns["peak_fma"]  # GFLOP/s (FLOPs per ns)

    print(f"Machine: {machine()}. Peak FP32 FMA measured in this run: {peak:.0f} GFLOP/s. "
          f"Medians of {args.repetitions} interleaved repetitions (process CPU time, one core); ratio = time / ctnn header path time "
          f"(above 1: slower than ctnn).\n")
    print("| case | implementation | median time | ratio to ctnn | GFLOP/s | % of peak |")
    print("|---|---|---:|---:|---:|---:|")
    for case, title in CASES:
        reference = time_ns.get(f"{case}/ctnn_header")
        for impl in IMPLEMENTATIONS:
            name = f"{case}/{impl}"
            if name not in time_ns:
                continue
            t = time_ns[name]
            gflops = flops[name] / t
            label = title if impl == IMPLEMENTATIONS[0] else ""
            print(f"| {label} | {impl} | {format_time(t)} | {t / reference:.2f} | {gflops:.2f} | {100 * gflops / peak:.1f}% |")

    if not args.skip_compile:
        # The default target, as a binary built for any x86-64 PC, and this machine's own
        # (-march=native), where the kernels unroll for wider vectors and more registers.
        print("\n| compile time, g++ -O2 -c, CPU seconds (median of 5) | x86-64 | -march=native |")
        print("|---|---:|---:|")
        for source, title in COMPILE_PROBES:
            probe = HERE / "compile_time" / source
            print(f"| {title} (`bench/compile_time/{source}`) | {compile_seconds(probe):.2f} | "
                  f"{compile_seconds(probe, ['-march=native']):.2f} |")

    if not args.skip_compilers:
        matrix = compiler_matrix(max(3, args.repetitions // 2))
        print("\n| ctnn header path, built by | " + " | ".join(f"{c} {f}" for c, f in COMPILER_CONFIGS) + " |")
        print("|---|" + "---:|" * len(COMPILER_CONFIGS))
        for case, title in MATRIX_CASES:
            reference = matrix[(COMPILER_CONFIGS[0], case)]
            cells = [f"{format_time(matrix[(config, case)])} ({matrix[(config, case)] / reference:.2f})"
                     for config in COMPILER_CONFIGS]
            print(f"| {title} | " + " | ".join(cells) + " |")
        print("(bench/compiler_matrix.cpp, all with -ffp-contract=off; -march=haswell is AVX2 with FMA, no -march "
              "the x86-64 baseline, SSE2; median CPU time, and in brackets the ratio to the first column)")

    print("\nAgreement checked before timing (max abs. difference to ctnn's header path):")
    for line in checks:
        print("    " + line)


if __name__ == "__main__":
    main()
