#!/usr/bin/python3
"""PyTorch oracle for ctnn.

Reads the cases written by dump_cases (model architecture, parameters, inputs, targets and what
ctnn computed), builds each model with torch.nn in float32 with the same weights, redoes the same
computations and compares: inference and training outputs, the loss, gradients with respect to
the inputs and to every parameter tensor, and the loss and parameters along a few SGD (momentum)
and Adam steps. Fails if any relative error exceeds 1e-5.

Layers that behave differently while training:
  batch_norm  nn.BatchNorm1d/2d. Inference (model.eval()) normalises with the running statistics,
              training (model.train()) with the batch's. ctnn keeps the running mean and variance
              in its parameter array; they are compared as parameters whose gradient must be zero,
              and after every SGD and Adam step (ctnn's trainer folds in the batch's statistics
              before the optimizer step; PyTorch's train-mode forward updates its buffers).
  dropout     At inference an nn.Dropout in eval mode (the identity). In training ctnn draws its
              mask from a hash of the trainer's noise key, which PyTorch cannot reproduce: dump_cases
              writes each dropout layer's input and output of every training forward, the mask is
              recovered from them (a value was dropped where its output is 0 and its input is not)
              and PyTorch multiplies by that same mask / (1 - rate). What is compared is then
              everything around the mask: the 1 / (1 - rate) scaling, that the backward pass uses
              the forward's mask, and the rest of the model. A mask cannot be recovered where the
              dropout's input is exactly 0; such a case is rejected rather than guessed.
A layer with biases directly before a batch_norm: in training the batch mean removes the biases,
so their gradient is zero in exact arithmetic, and float32 (ctnn's and PyTorch's alike) computes
rounding noise of the size of the gradients that cancel. Measured against its own (noise) maximum
that tensor could never agree; its error is measured at the scale of the same layer's weight
gradient instead (in float64), which still demands that it be zero up to rounding. dump_cases
gives such models' Adam runs a larger epsilon, so that Adam does not blow the noise up.

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


def relative_error(actual, expected, floor=ABSOLUTE_FLOOR):
    """max|actual - expected| / max(max|expected|, floor), over one tensor; the floor is 1e-6
    except for gradients that cancel to zero (see the module's description).

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
    scale = max(expected.abs().max().item(), floor)
    return (actual - expected).abs().max().item() / scale


def same_padding(size, window, stride):
    """TensorFlow's "same" padding along one axis: ceil(size / stride) outputs, the padding split
    with the extra value at the end. Returns (before, after)."""
    outputs = -(-size // stride)
    total = max((outputs - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def window_output(size, window, stride, padding):
    if padding in ("same", "causal"):
        return -(-size // stride)
    return (size - window) // stride + 1


class ChannelsLast(nn.Module):
    """Runs a PyTorch (N, C, H, W) or (N, C, L) operation on ctnn's channels-last (N, H, W, C) or
    (N, L, C) tensors, after padding the borders with `pad_value` (TensorFlow-style "same" padding
    may be asymmetric, and causal padding is all before the start, which PyTorch's own padding
    arguments cannot express)."""

    def __init__(self, operation, pads, pad_value=0.0):
        super().__init__()
        self.operation = operation
        self.pads = pads  # (left, right, top, bottom), or (before, after) in 1-D, as F.pad takes them
        self.pad_value = pad_value

    def forward(self, x):
        x = x.movedim(-1, 1)
        if any(self.pads):
            x = F.pad(x, self.pads, value=self.pad_value)
        return self.operation(x).movedim(1, -1)


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


class ChannelsLastBatchNorm(nn.Module):
    """batch_norm over ctnn's last (channel) dimension: nn.BatchNorm1d on (N, C) or (N, C, L),
    nn.BatchNorm2d on (N, C, H, W), the channels moved to dimension 1 and back."""

    def __init__(self, channels, rank, epsilon, momentum, dtype):
        super().__init__()
        if rank not in (1, 2, 3):
            raise ValueError(f"batch_norm over a rank-{rank} sample has no PyTorch equivalent here")
        norm = nn.BatchNorm2d if rank == 3 else nn.BatchNorm1d
        self.norm = norm(channels, eps=epsilon, momentum=momentum, dtype=dtype)

    def forward(self, x):
        return self.norm(x.movedim(-1, 1)).movedim(1, -1)


class MaskedDropout(nn.Module):
    """Dropout with ctnn's mask. In eval mode an nn.Dropout (the identity); in training mode the
    input times the mask of the current forward (set_mask, required before each one) times
    1 / (1 - rate), the scale computed in the model's precision as ctnn does."""

    def __init__(self, rate):
        super().__init__()
        self.rate = rate
        self.dropout = nn.Dropout(rate)
        self.mask = None

    def set_mask(self, record, shape, dtype):
        """The mask of one ctnn training forward, from that dropout layer's input and output."""
        before = torch.tensor(record["input"], dtype=torch.float64).view(shape)
        after = torch.tensor(record["output"], dtype=torch.float64).view(shape)
        unknown = int((before == 0).sum())
        if unknown:
            raise ValueError(f"dropout layer {record['layer'] + 1}: {unknown} of its input values are exactly 0, "
                             "where ctnn's mask cannot be recovered; pick other inputs or weights")
        scale = 1 / (1 - torch.tensor(self.rate, dtype=dtype))
        self.mask = (after != 0).to(dtype) * scale

    def forward(self, x):
        if not self.training:
            return self.dropout(x)
        if self.mask is None:
            raise ValueError("a training forward through dropout without ctnn's mask")
        mask, self.mask = self.mask, None  # one mask per forward
        return x * mask


class Lambda(nn.Module):
    def __init__(self, function):
        super().__init__()
        self.function = function

    def forward(self, x):
        return self.function(x)


class Recurrent(nn.Module):
    """nn.GRU or nn.LSTM over (N, steps, features), giving every step's hidden state, as ctnn does."""

    def __init__(self, cell):
        super().__init__()
        self.cell = cell

    def forward(self, x):
        return self.cell(x)[0]


class Architecture:
    """The PyTorch equivalent of a case's ctnn model. Tensors stay in ctnn's channels-last layout
    between layers (so flatten and reshape keep ctnn's value order); convolutions and pooling
    permute to PyTorch's (N, C, H, W) and back. Also knows where each PyTorch parameter sits in
    ctnn's flat parameter array:
      dense:            W [out][in] row-major, then b: exactly nn.Linear's layout;
      conv1d:           kernels [F][K][C], then b; nn.Conv1d's weight is [F][C][K];
      conv2d:           kernels [F][KH][KW][C], then b; nn.Conv2d's weight is [F][C][KH][KW];
      depthwise_conv2d: kernels [KH][KW][C], then b; nn.Conv2d(groups=C)'s weight is [C][1][KH][KW];
      batch_norm:       gamma [C], beta [C], running_mean [C], running_var [C]: BatchNorm's weight and
                        bias (trained), then its two buffers (not trained);
      gru, lstm:        W_ih^T, W_hh^T, b_ih, b_hh: nn.GRU's and nn.LSTM's gate orders, matrices transposed.
    A dense on a sequence (steps, features) applies to the last dimension, as nn.Linear does.
    """

    def __init__(self, case):
        self.layers = case["layers"]
        self.input_dims = list(case["input_dims"])
        self.output_dims = list(self.layers[-1]["output_dims"])
        # (label, offset, ctnn shape, permutation to PyTorch's shape, PyTorch's shape, trained)
        self.slices = []
        # {label of a bias whose gradient cancels to zero: label of the same layer's weight}
        self.cancelled = {}
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
                weights = ((out_dims[-1], dims[-1]), (0, 1), (out_dims[-1], dims[-1]))
            elif name == "conv1d":
                kernel, channels, filters = layer["kernel"], dims[1], out_dims[1]
                weights = ((filters, kernel, channels), (0, 2, 1), (filters, channels, kernel))
            elif name == "conv2d":
                (kh, kw), channels, filters = layer["kernel"], dims[2], out_dims[2]
                weights = ((filters, kh, kw, channels), (0, 3, 1, 2), (filters, channels, kh, kw))
            elif name == "depthwise_conv2d":
                (kh, kw), channels = layer["kernel"], dims[2]
                weights = ((kh, kw, channels), (2, 0, 1), (channels, 1, kh, kw))
            expected_count = 0
            if name in ("gru", "lstm"):
                gates = (3 if name == "gru" else 4) * out_dims[-1]
                # ctnn keeps both matrices transposed: (inputs, gates) for PyTorch's (gates, inputs).
                blocks = (("weight_ih", (dims[-1], gates), (1, 0)), ("weight_hh", (out_dims[-1], gates), (1, 0)),
                          ("bias_ih", (gates,), (0,)), ("bias_hh", (gates,), (0,)))
                for part, shape, order in blocks:
                    torch_shape = tuple(shape[axis] for axis in order)
                    self.slices.append((f"layer {index} {name} {part}", offset + expected_count, shape, order,
                                        torch_shape, True))
                    expected_count += math.prod(shape)
            if weights:
                weight_count = math.prod(weights[0])
                biases = out_dims[-1]
                self.slices.append((f"layer {index} {name} weight", offset, *weights, True))
                self.slices.append((f"layer {index} {name} bias", offset + weight_count, (biases,), (0,), (biases,),
                                    True))
                expected_count = weight_count + biases
            elif name == "batch_norm":
                channels = dims[-1]
                for block, part in enumerate(("gamma", "beta", "running_mean", "running_var")):
                    self.slices.append((f"layer {index} {name} {part}", offset + block * channels, (channels,), (0,),
                                        (channels,), block < 2))
                expected_count = 4 * channels
                before = self.layers[index - 2]["name"] if index > 1 else None
                if before in ("dense", "conv1d", "conv2d", "depthwise_conv2d"):
                    self.cancelled[f"layer {index - 1} {before} bias"] = f"layer {index - 1} {before} weight"
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
            if len(dims) not in (1, 2):
                raise ValueError(f"dense needs a rank-1 or rank-2 input, got {dims}")
            return [*dims[:-1], layer["output_dims"][-1]]
        if name in ("gru", "lstm"):
            if len(dims) != 2:
                raise ValueError(f"{name} needs a (steps, features) input, got {dims}")
            return [dims[0], layer["output_dims"][-1]]
        if name == "conv1d":
            if len(dims) != 2:
                raise ValueError(f"conv1d needs a (steps, channels) input, got {dims}")
            return [window_output(dims[0], Architecture.dilated_kernel(layer), layer["stride"], layer["padding"]),
                    layer["output_dims"][1]]
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
    def dilated_kernel(layer):
        """The input rows a conv1d window spans: `kernel` taps, `dilation` rows apart."""
        return (layer["kernel"] - 1) * layer["dilation"] + 1

    @staticmethod
    def pads_1d(layer, dims):
        """(before, after) for conv1d: causal puts all of it before the start."""
        span = Architecture.dilated_kernel(layer)
        if layer["padding"] == "causal":
            return (span - 1, 0)
        if layer["padding"] == "same":
            return same_padding(dims[0], span, layer["stride"])
        return (0, 0)

    @staticmethod
    def pads(layer, dims):
        if layer["padding"] != "same":
            return (0, 0, 0, 0)
        (kh, kw), stride = layer["kernel"], layer["stride"]
        return (*same_padding(dims[1], kw, stride), *same_padding(dims[0], kh, stride))

    def build(self, flat_params, dtype):
        """The model in training mode, and its tensors in the order of self.slices: parameters and
        batch_norm's buffers, all set from ctnn's flat array."""
        modules = []
        tensors = []
        dims = self.input_dims
        for layer in self.layers:
            name = layer["name"]
            if name == "dense":
                linear = nn.Linear(dims[-1], layer["output_dims"][-1], dtype=dtype)
                modules.append(linear)
                tensors += [linear.weight, linear.bias]
            elif name in ("gru", "lstm"):
                kind = nn.GRU if name == "gru" else nn.LSTM
                cell = kind(dims[-1], layer["output_dims"][-1], batch_first=True, dtype=dtype)
                modules.append(Recurrent(cell))
                tensors += [cell.weight_ih_l0, cell.weight_hh_l0, cell.bias_ih_l0, cell.bias_hh_l0]
            elif name == "conv1d":
                conv = nn.Conv1d(dims[1], layer["output_dims"][1], layer["kernel"], layer["stride"],
                                 dilation=layer["dilation"], dtype=dtype)
                modules.append(ChannelsLast(conv, self.pads_1d(layer, dims)))
                tensors += [conv.weight, conv.bias]
            elif name == "conv2d":
                conv = nn.Conv2d(dims[2], layer["output_dims"][2], tuple(layer["kernel"]), layer["stride"], dtype=dtype)
                modules.append(ChannelsLast(conv, self.pads(layer, dims)))
                tensors += [conv.weight, conv.bias]
            elif name == "depthwise_conv2d":
                conv = nn.Conv2d(dims[2], dims[2], tuple(layer["kernel"]), layer["stride"], groups=dims[2], dtype=dtype)
                modules.append(ChannelsLast(conv, self.pads(layer, dims)))
                tensors += [conv.weight, conv.bias]
            elif name == "batch_norm":
                norm = ChannelsLastBatchNorm(dims[-1], len(dims), layer["epsilon"], layer["momentum"], dtype)
                modules.append(norm)
                tensors += [norm.norm.weight, norm.norm.bias, norm.norm.running_mean, norm.norm.running_var]
            elif name == "dropout":
                modules.append(MaskedDropout(layer["rate"]))
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
        trained = [tensor for tensor, entry in zip(tensors, self.slices, strict=True) if entry[5]]
        if [id(t) for t in trained] != [id(p) for p in model.parameters()]:
            raise ValueError("the trained slices are not the model's parameters")
        with torch.no_grad():
            for target, tensor in zip(tensors, self.split(flat_params, dtype), strict=True):
                if target.shape != tensor.shape:
                    raise ValueError(f"parameter of shape {list(tensor.shape)} for {list(target.shape)}")
                target.copy_(tensor)
        return model, tensors

    def split(self, flat, dtype):
        """ctnn's flat parameter array as one tensor per PyTorch parameter or buffer, in PyTorch's
        layout."""
        flat = torch.as_tensor(flat, dtype=dtype)
        return [flat[offset:offset + math.prod(shape)].view(shape).permute(order).reshape(torch_shape)
                for _, offset, shape, order, torch_shape, _ in self.slices]

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


def set_dropout_masks(model, architecture, records, batch, dtype):
    """Gives each dropout layer ctnn's mask for the next training forward."""
    masked = {index for index, module in enumerate(model) if isinstance(module, MaskedDropout)}
    if {record["layer"] for record in records} != masked or len(records) != len(masked):
        raise ValueError(f"dropout records for layers {[r['layer'] + 1 for r in records]}, "
                         f"dropout layers {sorted(i + 1 for i in masked)}")
    for record in records:
        shape = (batch, *architecture.layers[record["layer"]]["output_dims"])
        model[record["layer"]].set_mask(record, shape, dtype)


def reference(case, architecture, dtype):
    """What PyTorch computes for a case: {quantity: [(label, tensor)]}."""
    loss_function = case["loss_function"]
    batch = case["batch"]
    model, tensors = architecture.build(case["params"], dtype)
    x, targets = batch_tensors(case, architecture, dtype)
    results = {}
    model.eval()
    with torch.no_grad():
        results["inference output"] = [("", model(x))]
    model.train()

    x.requires_grad_(True)
    set_dropout_masks(model, architecture, case["dropout"], batch, dtype)
    loss, output = loss_and_output(loss_function, model, x, targets)
    loss.backward()
    results["training output"] = [("", output.detach())]
    results["loss"] = [("", loss.detach())]
    results["input gradient"] = [("", x.grad)]
    # batch_norm's running statistics are no parameters to PyTorch: ctnn's gradient must be zero.
    results["parameter gradient"] = [(entry[0], t.grad if entry[5] else torch.zeros_like(t)) for entry, t in
                                     zip(architecture.slices, tensors, strict=True)]

    for kind in ("sgd", "adam"):
        settings = case[kind]
        model, tensors = architecture.build(case["params"], dtype)
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
            set_dropout_masks(model, architecture, settings["steps"][step - 1]["dropout"], batch, dtype)
            # In training mode: batch_norm's buffers take in this batch's statistics.
            loss, _ = loss_and_output(loss_function, model, x, targets)
            if optimizer:
                loss.backward()
                optimizer.step()
            losses.append((f"step {step}", loss.detach()))
            params += [(f"step {step} {entry[0]}", t.detach().clone()) for entry, t in
                       zip(architecture.slices, tensors, strict=True)]
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
                floors = {}
                if quantity == "parameter gradient":
                    exact = dict(ref64[quantity])
                    floors = {bias: max(exact[weight].abs().max().item(), ABSOLUTE_FLOOR)
                              for bias, weight in architecture.cancelled.items()}
                for (label, mine), (_, t32), (_, t64) in zip(ours[quantity], ref32[quantity], ref64[quantity]):
                    floor = floors.get(label, ABSOLUTE_FLOOR)
                    rows.append((case["name"], quantity, label, relative_error(mine, t32, floor),
                                 relative_error(mine, t64, floor), relative_error(t32, t64, floor)))
        return rows


def failures(rows):
    # `not error <= TOLERANCE` also catches a NaN error.
    return [row for row in rows if not row[3] <= TOLERANCE]


def report(rows, verbose, cancelled=0):
    print(f"ctnn vs PyTorch (float32), relative error max|a-b| / max(max|b|, {ABSOLUTE_FLOOR:g}) per tensor; "
          f"tolerance {TOLERANCE:g}")
    if cancelled:
        print(f"({cancelled} bias gradients before a batch_norm, zero in exact arithmetic, at the scale of their "
              "layer's weight gradient instead)")
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


def has_layer(name):
    return lambda case: any(layer["name"] == name for layer in case["layers"])


def self_test(cases):
    """The comparison must catch an error just above the tolerance in every quantity (and in the
    ones batch_norm and dropout add: running statistics, their zero gradients, a gradient that
    cancels), a NaN, and a change to what PyTorch is given: weights, running statistics, layer
    options, dropout masks."""
    comparison = Comparison(cases)
    problems = []
    if failures(comparison.rows()):
        problems.append("the unperturbed results already fail")

    def nudge_caught(case_name, quantity, index, scale=None, what=None):
        """Adds three times the tolerance, at the scale the error is measured against (by default
        the tensor's own), to one value of ctnn's tensor; the comparison must report that tensor."""

        def nudge(name, results):
            if name != case_name:
                return
            label, tensor = results[quantity][index]
            tensor = tensor.clone().double()
            flat = tensor.view(-1)
            flat[0] += 3 * TOLERANCE * (scale or max(flat.abs().max().item(), ABSOLUTE_FLOOR))
            results[quantity][index] = (label, tensor)

        label = comparison_label(case_name, quantity, index)
        what = what or f"{case_name} / {quantity}" + (f" / {label}" if label else "")
        caught = [row for row in failures(comparison.rows(nudge)) if row[1] == quantity and row[2] == label]
        if not caught:
            problems.append(f"an error of 3e-5 in {what} went unnoticed")
        else:
            print(f"self-test: caught an error of 3e-5 in {what}: {caught[0][3]:.2e}")

    def comparison_label(case_name, quantity, index):
        ref32 = next(ref32 for case, _, ref32, _ in comparison.prepared if case["name"] == case_name)
        return ref32[quantity][index][0]

    def first(quantity, tensor_wanted, case_wanted=lambda case: True):
        """(case name, index, label, architecture, ref64) of the first tensor that fits, or None."""
        return next(((case["name"], index, label, architecture, ref64)
                     for case, architecture, ref32, ref64 in comparison.prepared if case_wanted(case)
                     for index, (label, tensor) in enumerate(ref32[quantity]) if tensor_wanted(label, tensor)),
                    None)

    for quantity in QUANTITIES:
        # The first case with a non-trivial reference for this quantity.
        target = first(quantity, lambda label, tensor: tensor.abs().max() > 0)
        if target is None:
            problems.append(f"no case has a non-zero {quantity}")
        else:
            nudge_caught(target[0], quantity, target[1])

    # What batch_norm and dropout add.
    targeted = [
        ("inference output", has_layer("batch_norm"), lambda label: True),
        ("training output", has_layer("dropout"), lambda label: True),
        ("input gradient", lambda case: case["layers"][0]["name"] == "dropout", lambda label: True),
        ("parameter gradient", has_layer("batch_norm"), lambda label: label.endswith("running_mean")),
        ("parameter gradient", has_layer("batch_norm"), lambda label: label.endswith("running_var")),
    ]
    for kind in ("sgd", "adam"):
        for part in ("gamma", "beta", "running_mean", "running_var"):
            targeted.append((f"{kind} parameters", has_layer("batch_norm"),
                             lambda label, part=part: label.startswith("step 1 ") and label.endswith(part)))
    for quantity, case_wanted, label_wanted in targeted:
        target = first(quantity, lambda label, tensor: label_wanted(label), case_wanted)
        if target is None:
            problems.append(f"no case has a {quantity} tensor for the batch_norm/dropout checks")
        else:
            nudge_caught(target[0], quantity, target[1])
    # A gradient that cancels to zero is measured at its layer's weight-gradient scale: an error of
    # 3e-5 at that scale must still be reported.
    target = first("parameter gradient", lambda label, tensor: label.endswith(" bias"),
                   lambda case: Architecture(case).cancelled)
    if target is None:
        problems.append("no case has a layer with biases before a batch_norm")
    else:
        name, index, label, architecture, ref64 = target
        scale = dict(ref64["parameter gradient"])[architecture.cancelled[label]].abs().max().item()
        nudge_caught(name, "parameter gradient", index, scale,
                     f"{name} / parameter gradient / {label} (cancelling, at its layer's scale)")

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

    # batch_norm and dropout: what PyTorch is told about them must matter.
    def alteration_caught(what, case_wanted, change, quantities=None, every=False):
        """Changes a copy of the first fitting case (of each one, with `every`) as `change(case)`
        says; the comparison must fail (in one of `quantities` when given)."""
        chosen = [case for case in cases if case_wanted(case)][:None if every else 1]
        if not chosen:
            problems.append(f"no case to check that {what} is noticed")
        for case in chosen:
            altered = copy.deepcopy(case)
            change(altered)
            caught = [row for row in failures(Comparison([altered]).rows())
                      if quantities is None or row[1] in quantities]
            if not caught:
                problems.append(f"{what} in {case['name']} went unnoticed")
            else:
                print(f"self-test: caught {what} in {case['name']} ({caught[0][1]})")

    def layer_of(case, name):
        return next(layer for layer in case["layers"] if layer["name"] == name)

    def shift_statistic(part):
        def change(case):
            for label, offset, shape, *_ in Architecture(case).slices:
                if label.endswith(part):
                    for i in range(offset, offset + math.prod(shape)):
                        case["params"][i] += 1e-2
        return change

    # Inference must use the running statistics (a shift by 1e-3 of a single one can fade below
    # the tolerance on its way through a network).
    for part in ("running_mean", "running_var"):
        alteration_caught(f"initial {part} values shifted by 1e-2", has_layer("batch_norm"), shift_statistic(part),
                          ("inference output",), every=True)
    alteration_caught("another batch_norm momentum", has_layer("batch_norm"),
                      lambda case: layer_of(case, "batch_norm").update(momentum=0.2),
                      ("sgd parameters", "adam parameters"))
    alteration_caught("batch_norm epsilon 1e-5 instead of 1e-3",
                      lambda case: any(layer.get("epsilon") == 1e-3 for layer in case["layers"]),
                      lambda case: layer_of(case, "batch_norm").update(epsilon=1e-5))
    alteration_caught("another dropout rate", has_layer("dropout"),
                      lambda case: layer_of(case, "dropout").update(rate=0.5 if layer_of(case, "dropout")["rate"] != 0.5
                                                                    else 0.25),
                      ("training output",))

    # conv1d: PyTorch must get ctnn's dilation and padding (causal and stride 1 keep the output's
    # shape for any dilation, and so does same instead of causal).
    def first_causal_dilated(case):
        return next((layer for layer in case["layers"] if layer["name"] == "conv1d" and layer["padding"] == "causal"
                     and layer["dilation"] > 1 and layer["stride"] == 1), None)

    alteration_caught("a conv1d dilation of 1 instead of 2", first_causal_dilated,
                      lambda case: first_causal_dilated(case).update(dilation=1), ("inference output",))
    alteration_caught("conv1d same padding instead of causal", first_causal_dilated,
                      lambda case: first_causal_dilated(case).update(padding="same"), ("inference output",))

    def drop_one(records):
        record = records[0]
        record["output"][record["output"].index(next(v for v in record["output"] if v != 0))] = 0.0

    alteration_caught("a dropout mask with one more value dropped", has_layer("dropout"),
                      lambda case: drop_one(case["dropout"]), ("training output",))
    alteration_caught("an SGD step's dropout mask with one more value dropped", has_layer("dropout"),
                      lambda case: drop_one(case["sgd"]["steps"][1]["dropout"]), ("sgd loss", "sgd parameters"))

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

    comparison = Comparison(cases)
    rows = comparison.rows()
    report(rows, arguments.verbose, sum(len(architecture.cancelled) for _, architecture, _, _ in comparison.prepared))
    bad = failures(rows)
    if bad:
        print(f"\nFAILED: {len(bad)} of {len(rows)} tensors differ from PyTorch by more than {TOLERANCE:g}")
        return 1
    print(f"\nall {len(rows)} tensors of {len(cases)} cases agree with PyTorch within {TOLERANCE:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
