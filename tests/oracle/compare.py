#!/usr/bin/python3
"""PyTorch oracle for ctnn.

Reads the cases written by dump_cases (model architecture, parameters, inputs, targets and what
ctnn computed), builds each model with torch.nn in float32 with the same weights, redoes the same
computations and compares: inference and training outputs, the loss, gradients with respect to
the inputs and to every parameter tensor, and the loss and parameters along a few SGD (momentum)
and Adam steps. Fails if any relative error exceeds 1e-5.

Each case is also computed in float64; the report shows how far ctnn and PyTorch's float32 each
are from it, which tells which side is wrong when they disagree.

  compare.py --program DUMP_CASES [--group core|edge|all] [--self-test] [--verbose]
  compare.py --dump CASES.json ...

Cases of the "core" group are the oracle proper; the "edge" group holds numerically delicate
cases (large logits with near ties, confident sigmoid outputs, cross-entropy over a rank-2
softmax output).

Debian's python3-torch belongs to /usr/bin/python3: run this with that interpreter.
"""
import argparse
import copy
import json
import math
import subprocess
import sys

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError as error:
    sys.exit(f"compare.py: cannot import PyTorch ({error}) with {sys.executable}: Debian's python3-torch is needed "
             "(cmake/install-deps.sh test installs it) and belongs to /usr/bin/python3")

TOLERANCE = 1e-5
ABSOLUTE_FLOOR = 1e-6

# Quantities in report order.
QUANTITIES = (
    "inference output",
    "training output",
    "loss",
    "input gradient",
    "parameter gradient",
    "sgd loss",
    "sgd parameters",
    "adam loss",
    "adam parameters",
)


def relative_error(actual, expected):
    """max|actual - expected| / max(max|expected|, 1e-6), over one tensor.

    Normalising by the tensor's largest magnitude rather than element by element: an entry that is
    a sum with cancellation (near zero, carrying rounding noise of the tensor's scale) must not
    count as a large error. The absolute floor only matters for tensors that are (nearly) all
    zero, such as gradients behind a dead relu; there it still demands agreement to 1e-11.
    Any NaN or infinity is an infinite error: every value compared here must be finite.
    """
    actual = actual.double()
    expected = expected.double()
    if actual.shape != expected.shape:
        return math.inf
    if not (torch.isfinite(actual).all() and torch.isfinite(expected).all()):
        return math.inf
    if actual.numel() == 0:
        return 0.0
    scale = max(expected.abs().max().item(), ABSOLUTE_FLOOR)
    return (actual - expected).abs().max().item() / scale


def same_padding(size, window, stride):
    """TensorFlow's "same" padding along one axis: ceil(size / stride) outputs, the padding split
    with the extra value at the end. Returns (before, after)."""
    outputs = -(-size // stride)
    total = max((outputs - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def window_output(size, window, stride, padding):
    if padding == "same":
        return -(-size // stride)
    return (size - window) // stride + 1


class ChannelsLast(nn.Module):
    """Runs a PyTorch (N, C, H, W) operation on ctnn's channels-last (N, H, W, C) tensors, after
    padding the borders with `pad_value` (TensorFlow-style "same" padding may be asymmetric, which
    PyTorch's own padding arguments cannot express)."""

    def __init__(self, operation, pads, pad_value=0.0):
        super().__init__()
        self.operation = operation
        self.pads = pads  # (left, right, top, bottom), as F.pad takes them
        self.pad_value = pad_value

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        if any(self.pads):
            x = F.pad(x, self.pads, value=self.pad_value)
        return self.operation(x).permute(0, 2, 3, 1)


class AveragePool(nn.Module):
    """avg_pool2d whose border windows average only the values inside the input (PyTorch's
    count_include_pad=False), with asymmetric padding: pooled sums divided by pooled counts."""

    def __init__(self, size, stride, pads):
        super().__init__()
        self.size, self.stride, self.pads = size, stride, pads

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        inside = torch.ones_like(x[:1, :1])
        x, inside = F.pad(x, self.pads), F.pad(inside, self.pads)
        total = F.avg_pool2d(x, self.size, self.stride)
        count = F.avg_pool2d(inside, self.size, self.stride)
        return (total / count).permute(0, 2, 3, 1)


class Lambda(nn.Module):
    def __init__(self, function):
        super().__init__()
        self.function = function

    def forward(self, x):
        return self.function(x)


class Architecture:
    """The PyTorch equivalent of a case's ctnn model. Tensors stay in ctnn's channels-last layout
    between layers (so flatten and reshape keep ctnn's value order); convolutions and pooling
    permute to PyTorch's (N, C, H, W) and back. Also knows where each PyTorch parameter sits in
    ctnn's flat parameter array:
      dense:            W [out][in] row-major, then b: exactly nn.Linear's layout;
      conv2d:           kernels [F][KH][KW][C], then b; nn.Conv2d's weight is [F][C][KH][KW];
      depthwise_conv2d: kernels [KH][KW][C], then b; nn.Conv2d(groups=C)'s weight is [C][1][KH][KW].
    """

    def __init__(self, case):
        self.layers = case["layers"]
        self.input_dims = list(case["input_dims"])
        self.output_dims = list(self.layers[-1]["output_dims"])
        # (label, offset, ctnn shape, permutation to PyTorch's shape, PyTorch's shape)
        self.slices = []
        dims = self.input_dims
        offset = 0
        for index, layer in enumerate(self.layers, start=1):
            name = layer["name"]
            out_dims = list(layer["output_dims"])
            expected_dims = self.output_shape(layer, dims)
            if out_dims != expected_dims:
                raise ValueError(f"layer {index}: ctnn's {name} outputs {out_dims}, PyTorch's {expected_dims}")
            weights = None
            if name == "dense":
                weights = ((out_dims[0], dims[0]), (0, 1), (out_dims[0], dims[0]))
            elif name == "conv2d":
                (kh, kw), channels, filters = layer["kernel"], dims[2], out_dims[2]
                weights = ((filters, kh, kw, channels), (0, 3, 1, 2), (filters, channels, kh, kw))
            elif name == "depthwise_conv2d":
                (kh, kw), channels = layer["kernel"], dims[2]
                weights = ((kh, kw, channels), (2, 0, 1), (channels, 1, kh, kw))
            expected_count = 0
            if weights:
                weight_count = math.prod(weights[0])
                biases = out_dims[-1]
                self.slices.append((f"layer {index} {name} weight", offset, *weights))
                self.slices.append((f"layer {index} {name} bias", offset + weight_count, (biases,), (0,), (biases,)))
                expected_count = weight_count + biases
            if layer["param_count"] != expected_count:
                raise ValueError(f"layer {index}: {name} has {layer['param_count']} parameters, "
                                 f"its PyTorch equivalent {expected_count}")
            offset += expected_count
            dims = out_dims
        self.param_count = offset
        if len(case["params"]) != self.param_count:
            raise ValueError(f"{len(case['params'])} parameter values for {self.param_count} parameters")

    @staticmethod
    def output_shape(layer, dims):
        """The output shape by PyTorch's and TensorFlow's rules, computed independently of ctnn."""
        name = layer["name"]
        if name == "dense":
            if len(dims) != 1:
                raise ValueError(f"dense needs a rank-1 input, got {dims}")
            return list(layer["output_dims"])
        if name in ("conv2d", "depthwise_conv2d", "max_pool2d", "avg_pool2d"):
            (kh, kw), stride, padding = layer["kernel"], layer["stride"], layer["padding"]
            channels = layer["output_dims"][2] if name == "conv2d" else dims[2]
            return [window_output(dims[0], kh, stride, padding), window_output(dims[1], kw, stride, padding),
                    channels]
        if name == "global_avg_pool2d":
            return [dims[2]]
        if name == "flatten":
            return [math.prod(dims)]
        if name == "reshape":
            if math.prod(layer["output_dims"]) != math.prod(dims):
                raise ValueError(f"reshape {dims} -> {layer['output_dims']} changes the size")
            return list(layer["output_dims"])
        return list(dims)

    @staticmethod
    def pads(layer, dims):
        if layer["padding"] != "same":
            return (0, 0, 0, 0)
        (kh, kw), stride = layer["kernel"], layer["stride"]
        return (*same_padding(dims[1], kw, stride), *same_padding(dims[0], kh, stride))

    def build(self, flat_params, dtype):
        modules = []
        dims = self.input_dims
        for layer in self.layers:
            name = layer["name"]
            if name == "dense":
                modules.append(nn.Linear(dims[0], layer["output_dims"][0], dtype=dtype))
            elif name == "conv2d":
                conv = nn.Conv2d(dims[2], layer["output_dims"][2], tuple(layer["kernel"]), layer["stride"], dtype=dtype)
                modules.append(ChannelsLast(conv, self.pads(layer, dims)))
            elif name == "depthwise_conv2d":
                conv = nn.Conv2d(dims[2], dims[2], tuple(layer["kernel"]), layer["stride"], groups=dims[2], dtype=dtype)
                modules.append(ChannelsLast(conv, self.pads(layer, dims)))
            elif name == "max_pool2d":
                # Padding never wins a maximum.
                pool = nn.MaxPool2d(layer["kernel"][0], layer["stride"])
                modules.append(ChannelsLast(pool, self.pads(layer, dims), -math.inf))
            elif name == "avg_pool2d":
                modules.append(AveragePool(layer["kernel"][0], layer["stride"], self.pads(layer, dims)))
            elif name == "global_avg_pool2d":
                modules.append(Lambda(lambda x: x.mean(dim=(1, 2))))
            elif name in ("flatten", "reshape"):
                modules.append(Lambda(lambda x, shape=tuple(layer["output_dims"]): x.reshape(x.shape[0], *shape)))
            elif name == "identity":
                modules.append(nn.Identity())
            elif name == "relu":
                modules.append(nn.ReLU())
            elif name == "leaky_relu":
                modules.append(nn.LeakyReLU(layer["slope"]))
            elif name == "sigmoid":
                modules.append(nn.Sigmoid())
            elif name == "tanh":
                modules.append(nn.Tanh())
            elif name == "softmax":
                # ctnn normalises over the last (channel) dimension.
                modules.append(nn.Softmax(dim=-1))
            else:
                raise ValueError(f"no PyTorch equivalent for ctnn layer '{name}'")
            dims = layer["output_dims"]
        model = nn.Sequential(*modules)
        with torch.no_grad():
            for parameter, tensor in zip(model.parameters(), self.split(flat_params, dtype), strict=True):
                if parameter.shape != tensor.shape:
                    raise ValueError(f"parameter of shape {list(tensor.shape)} for {list(parameter.shape)}")
                parameter.copy_(tensor)
        return model

    def split(self, flat, dtype):
        """ctnn's flat parameter array as one tensor per PyTorch parameter, in PyTorch's layout."""
        flat = torch.as_tensor(flat, dtype=dtype)
        return [flat[offset:offset + math.prod(shape)].view(shape).permute(order).reshape(torch_shape)
                for _, offset, shape, order, torch_shape in self.slices]

    def labelled(self, flat, dtype, prefix=""):
        return [(prefix + entry[0], tensor) for entry, tensor in zip(self.slices, self.split(flat, dtype))]


def cross_entropy(logits, targets):
    """PyTorch's CrossEntropyLoss with class-probability targets. ctnn is channels-last, PyTorch
    wants the classes in dimension 1; for a rank-1 output the two agree."""
    if logits.dim() > 2:
        logits, targets = logits.movedim(-1, 1), targets.movedim(-1, 1)
    return nn.CrossEntropyLoss()(logits, targets)


def loss_and_output(loss_function, model, x, targets):
    if loss_function == "softmax_cross_entropy":
        # ctnn fuses this loss with the final softmax: it reads the logits entering the softmax.
        if not isinstance(model[-1], nn.Softmax):
            raise ValueError("softmax_cross_entropy needs a model that ends in softmax")
        logits = model[:-1](x)
        return cross_entropy(logits, targets), model[-1](logits)
    output = model(x)
    if loss_function == "mse":
        return nn.MSELoss()(output, targets), output
    if loss_function == "binary_cross_entropy":
        return nn.BCELoss()(output, targets), output
    raise ValueError(f"no PyTorch equivalent for ctnn loss '{loss_function}'")


def batch_tensors(case, architecture, dtype):
    batch = case["batch"]
    x = torch.tensor(case["inputs"], dtype=dtype).view(batch, *architecture.input_dims)
    targets = torch.tensor(case["targets"], dtype=dtype).view(batch, *architecture.output_dims)
    return x, targets


def reference(case, architecture, dtype):
    """What PyTorch computes for a case: {quantity: [(label, tensor)]}."""
    loss_function = case["loss_function"]
    model = architecture.build(case["params"], dtype)
    x, targets = batch_tensors(case, architecture, dtype)
    results = {}
    with torch.no_grad():
        results["inference output"] = [("", model(x))]

    x.requires_grad_(True)
    loss, output = loss_and_output(loss_function, model, x, targets)
    loss.backward()
    results["training output"] = [("", output.detach())]
    results["loss"] = [("", loss.detach())]
    results["input gradient"] = [("", x.grad)]
    results["parameter gradient"] = [(entry[0], p.grad) for entry, p in
                                     zip(architecture.slices, model.parameters(), strict=True)]

    for kind in ("sgd", "adam"):
        settings = case[kind]
        model = architecture.build(case["params"], dtype)
        x, targets = batch_tensors(case, architecture, dtype)
        parameters = list(model.parameters())
        if not parameters:
            # PyTorch's optimizers refuse an empty parameter list; the loss still has to agree.
            optimizer = None
        elif kind == "sgd":
            optimizer = torch.optim.SGD(parameters, lr=settings["learning_rate"], momentum=settings["momentum"])
        else:
            optimizer = torch.optim.Adam(parameters, lr=settings["learning_rate"],
                                         betas=(settings["beta1"], settings["beta2"]), eps=settings["epsilon"])
        losses, params = [], []
        for step in range(1, len(settings["steps"]) + 1):
            if optimizer:
                optimizer.zero_grad()
            loss, _ = loss_and_output(loss_function, model, x, targets)
            if optimizer:
                loss.backward()
                optimizer.step()
            losses.append((f"step {step}", loss.detach()))
            params += [(f"step {step} {entry[0]}", p.detach().clone()) for entry, p in
                       zip(architecture.slices, parameters, strict=True)]
        results[f"{kind} loss"] = losses
        results[f"{kind} parameters"] = params
    return results


def ctnn_results(case, architecture):
    """What ctnn computed for a case, in the structure of reference()."""
    f32 = torch.float32
    batch = case["batch"]
    out_shape = (batch, *architecture.output_dims)
    in_shape = (batch, *architecture.input_dims)
    results = {
        "inference output": [("", torch.tensor(case["infer_outputs"], dtype=f32).view(out_shape))],
        "training output": [("", torch.tensor(case["train_outputs"], dtype=f32).view(out_shape))],
        "loss": [("", torch.tensor(case["loss"], dtype=f32))],
        "input gradient": [("", torch.tensor(case["input_gradients"], dtype=f32).view(in_shape))],
        "parameter gradient": architecture.labelled(case["param_gradients"], f32),
    }
    for kind in ("sgd", "adam"):
        steps = case[kind]["steps"]
        results[f"{kind} loss"] = [(f"step {i}", torch.tensor(s["loss"], dtype=f32))
                                   for i, s in enumerate(steps, start=1)]
        results[f"{kind} parameters"] = [entry for i, s in enumerate(steps, start=1)
                                         for entry in architecture.labelled(s["params"], f32, f"step {i} ")]
    return results


class Comparison:
    """Every compared tensor of every case: (case, quantity, label, error vs float32 PyTorch,
    ctnn's error vs float64, float32 PyTorch's error vs float64)."""

    def __init__(self, cases):
        self.cases = cases
        self.prepared = []
        for case in cases:
            architecture = Architecture(case)
            self.prepared.append((case, architecture,
                                  reference(case, architecture, torch.float32),
                                  reference(case, architecture, torch.float64)))

    def rows(self, mutate=None):
        """Compares ctnn's results with PyTorch's; `mutate(case_name, results)` may alter ctnn's
        results first (the self-test's injected errors)."""
        rows = []
        for case, architecture, ref32, ref64 in self.prepared:
            ours = ctnn_results(case, architecture)
            if mutate:
                mutate(case["name"], ours)
            for quantity in QUANTITIES:
                labels = [label for label, _ in ref32[quantity]]
                if [label for label, _ in ours[quantity]] != labels:
                    raise ValueError(f"{case['name']}: ctnn and PyTorch disagree on the {quantity} tensors")
                for (label, mine), (_, t32), (_, t64) in zip(ours[quantity], ref32[quantity], ref64[quantity]):
                    rows.append((case["name"], quantity, label, relative_error(mine, t32),
                                 relative_error(mine, t64), relative_error(t32, t64)))
        return rows


def failures(rows):
    # `not error <= TOLERANCE` also catches a NaN error.
    return [row for row in rows if not row[3] <= TOLERANCE]


def report(rows, verbose):
    print(f"ctnn vs PyTorch (float32), relative error max|a-b| / max(max|b|, {ABSOLUTE_FLOOR:g}) per tensor; "
          f"tolerance {TOLERANCE:g}")
    print(f"{'quantity':<20} {'tensors':>7} {'vs torch32':>11} {'ctnn vs f64':>11} {'torch32 vs f64':>14}  worst case")
    for quantity in QUANTITIES:
        selected = [row for row in rows if row[1] == quantity]
        if not selected:
            continue
        worst = max(selected, key=lambda row: row[3])
        print(f"{quantity:<20} {len(selected):>7} {worst[3]:>11.2e} {max(r[4] for r in selected):>11.2e} "
              f"{max(r[5] for r in selected):>14.2e}  {worst[0]} {worst[2]}".rstrip())
    # Where PyTorch's float32 result is itself this far from float64, the comparison at 1e-5 is
    # judging rounding details rather than the maths; say so, since such a result can flip with
    # another PyTorch version.
    delicate = [row for row in rows if row[5] > TOLERANCE / 4]
    if delicate:
        worst = max(delicate, key=lambda row: row[5])
        print(f"note: {len(delicate)} tensors are ill-conditioned in float32 (PyTorch float32 vs float64 up to "
              f"{worst[5]:.2e}, in {worst[0]} / {worst[1]})")
    shown = rows if verbose else failures(rows)
    if shown:
        print("\ncase / quantity / tensor: error vs torch32, ctnn vs f64, torch32 vs f64")
        for case, quantity, label, error, ours64, theirs64 in shown:
            mark = "FAIL" if not error <= TOLERANCE else "ok"
            print(f"  {mark:<4} {case} / {quantity} / {label or '-'}: {error:.2e} {ours64:.2e} {theirs64:.2e}")


def load_cases(arguments):
    if arguments.dump:
        with open(arguments.dump, encoding="utf-8") as file:
            cases = json.load(file)["cases"]
    else:
        run = subprocess.run([arguments.program], capture_output=True, text=True, check=False)
        if run.returncode != 0:
            sys.exit(f"compare.py: {arguments.program} failed ({run.returncode}):\n{run.stderr}")
        cases = json.loads(run.stdout)["cases"]
    cases = [case for case in cases if arguments.group in ("all", case["group"])]
    if not cases:
        sys.exit(f"compare.py: no case in group '{arguments.group}'")
    return cases


def self_test(cases):
    """The comparison must catch an error just above the tolerance in every quantity, a NaN, and
    a change to the weights or the architecture that PyTorch is given."""
    comparison = Comparison(cases)
    problems = []
    if failures(comparison.rows()):
        problems.append("the unperturbed results already fail")

    for quantity in QUANTITIES:
        # The first case with a non-trivial reference for this quantity.
        target = next(((case["name"], index) for case, _, ref32, _ in comparison.prepared
                       for index, (_, tensor) in enumerate(ref32[quantity]) if tensor.abs().max() > 0), None)
        if target is None:
            problems.append(f"no case has a non-zero {quantity}")
            continue

        def nudge(case_name, results, quantity=quantity, target=target, factor=3.0):
            if case_name != target[0]:
                return
            label, tensor = results[quantity][target[1]]
            tensor = tensor.clone().double()
            flat = tensor.view(-1)
            # Three times the tolerance, at the scale the error is measured against.
            flat[0] += factor * TOLERANCE * max(flat.abs().max().item(), ABSOLUTE_FLOOR)
            results[quantity][target[1]] = (label, tensor)

        caught = [row for row in failures(comparison.rows(nudge)) if row[1] == quantity]
        if not caught:
            problems.append(f"an error of 3e-5 in {target[0]} / {quantity} went unnoticed")
        else:
            print(f"self-test: caught an error of 3e-5 in {target[0]} / {quantity}: {caught[0][3]:.2e}")

    def poison(case_name, results):
        if case_name == cases[0]["name"]:
            label, tensor = results["training output"][0]
            tensor = tensor.clone()
            tensor.view(-1)[0] = math.nan
            results["training output"][0] = (label, tensor)

    if not failures(comparison.rows(poison)):
        problems.append("a NaN output went unnoticed")
    else:
        print("self-test: caught a NaN output")

    # The oracle must really use what it reads: other weights or another leaky_relu slope given to
    # PyTorch must make the comparison fail. Only the altered case is recomputed.
    altered_weights = copy.deepcopy(cases[0])
    altered_weights["params"][0] += 1e-3
    if not failures(Comparison([altered_weights]).rows()):
        problems.append("a changed weight went unnoticed")
    else:
        print("self-test: caught a weight changed by 1e-3")
    with_slope = next((case for case in cases
                       if any(layer.get("slope", 0.01) != 0.01 for layer in case["layers"])), None)
    if with_slope is None:
        problems.append("no case has a leaky_relu with a non-default slope")
    else:
        altered_slope = copy.deepcopy(with_slope)
        next(layer for layer in altered_slope["layers"] if layer.get("slope", 0.01) != 0.01)["slope"] = 0.01
        if not failures(Comparison([altered_slope]).rows()):
            problems.append("a changed leaky_relu slope went unnoticed")
        else:
            print(f"self-test: caught a leaky_relu slope changed to the default in {with_slope['name']}")

    for problem in problems:
        print(f"self-test FAILED: {problem}")
    return not problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--program", help="the dump_cases executable, run to get the cases")
    source.add_argument("--dump", help="a JSON file written by dump_cases")
    parser.add_argument("--group", choices=("core", "edge", "all"), default="core", help="which cases to compare")
    parser.add_argument("--self-test", action="store_true", help="check that the comparison detects errors")
    parser.add_argument("--verbose", action="store_true", help="list every compared tensor")
    arguments = parser.parse_args()

    # The models are tiny: threads would only add overhead and run-to-run variation.
    torch.set_num_threads(1)
    cases = load_cases(arguments)
    if arguments.self_test:
        return 0 if self_test(cases) else 1

    rows = Comparison(cases).rows()
    report(rows, arguments.verbose)
    bad = failures(rows)
    if bad:
        print(f"\nFAILED: {len(bad)} of {len(rows)} tensors differ from PyTorch by more than {TOLERANCE:g}")
        return 1
    print(f"\nall {len(rows)} tensors of {len(cases)} cases agree with PyTorch within {TOLERANCE:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
