#!/usr/bin/python3
"""Checks the ONNX files ctnn-gen exported (--export-onnx) without ctnn: onnx.checker (full
check with shape inference), then an evaluation of each graph with the small NumPy interpreter
below, compared with ctnn's header path and with PyTorch on the same inputs (relative error <= 1e-5).

    check_export.py --data DIR --exported DIR MODEL...

DIR (--data) holds MODEL.inputs.f32 (channels-last), MODEL.outputs.f32 (PyTorch) and
MODEL.ctnn_outputs.f32 (ctnn); --exported holds MODEL.onnx. The interpreter is also run on
PyTorch's own export of each model, so that a bug in it cannot hide behind a matching bug in the
exporter.
"""
import argparse
import os
import sys

import numpy as np
import onnx
import onnx.checker
import onnx.numpy_helper

TOLERANCE = 1e-5
FLOOR = 1e-6


def windows(x, kernel, strides, pads, fill):
    """(N, C, OH, OW, KH, KW) view of x (N, C, H, W) padded with `fill`."""
    n, c, h, w = x.shape
    padded = np.full((n, c, h + pads[0] + pads[2], w + pads[1] + pads[3]), fill, dtype=np.float64)
    padded[:, :, pads[0]:pads[0] + h, pads[1]:pads[1] + w] = x
    oh = (padded.shape[2] - kernel[0]) // strides[0] + 1
    ow = (padded.shape[3] - kernel[1]) // strides[1] + 1
    out = np.empty((n, c, oh, ow, kernel[0], kernel[1]))
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            out[:, :, :, :, i, j] = padded[:, :, i:i + strides[0] * oh:strides[0], j:j + strides[1] * ow:strides[1]]
    return out


def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def lstm(x, w, r, b, initial_h, initial_c):
    """ONNX LSTM, forward, without peepholes: gate blocks i, o, f, c; returns Y [T, 1, N, H], Y_h, Y_c."""
    hidden = r.shape[1]
    steps, batch = x.shape[:2]
    h = np.zeros((batch, hidden)) if initial_h is None else initial_h[0]
    c = np.zeros((batch, hidden)) if initial_c is None else initial_c[0]
    ys = []
    for t in range(steps):
        gates = x[t] @ w.T + h @ r.T + b[:4 * hidden] + b[4 * hidden:]
        i, o, f, g = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        ys.append(h)
    return np.stack(ys)[:, None], h[None], c[None]


def run(model, x):
    """Evaluates the graph in float64 on x (batch first)."""
    values = {t.name: onnx.numpy_helper.to_array(t).astype(np.float64) if t.data_type == onnx.TensorProto.FLOAT
              else onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    values[model.graph.input[0].name] = x.astype(np.float64)
    for node in model.graph.node:
        a = attributes(node)
        ins = [values[name] if name else None for name in node.input]
        op = node.op_type
        if op == "Constant":
            y = onnx.numpy_helper.to_array(a["value"])
        elif op == "Gemm":
            b = ins[1].T if a.get("transB", 0) else ins[1]
            y = ins[0] @ b + (ins[2] if len(ins) > 2 else 0)
        elif op == "Conv":
            w = ins[1]
            group = a.get("group", 1)
            k = list(w.shape[2:])
            win = windows(ins[0], k, a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]), 0.0)
            n, c, oh, ow = win.shape[:4]
            per = c // group
            y = np.zeros((n, w.shape[0], oh, ow))
            for f in range(w.shape[0]):
                g = f // (w.shape[0] // group)
                y[:, f] = np.einsum("ncyxij,cij->nyx", win[:, g * per:(g + 1) * per], w[f])
            if len(ins) > 2:
                y += ins[2][None, :, None, None]
        elif op == "MaxPool":
            y = windows(ins[0], a["kernel_shape"], a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]),
                        -np.inf).max(axis=(4, 5))
        elif op == "AveragePool":
            pads = a.get("pads", [0, 0, 0, 0])
            total = windows(ins[0], a["kernel_shape"], a.get("strides", [1, 1]), pads, 0.0).sum(axis=(4, 5))
            count = windows(np.ones_like(ins[0]), a["kernel_shape"], a.get("strides", [1, 1]), pads, 0.0).sum(axis=(4, 5))
            y = total / count
        elif op == "GlobalAveragePool":
            y = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "BatchNormalization":
            shape = (1, -1) + (1,) * (ins[0].ndim - 2)
            scale, bias, mean, var = (v.reshape(shape) for v in ins[1:5])
            y = scale * (ins[0] - mean) / np.sqrt(var + a.get("epsilon", 1e-5)) + bias
        elif op == "Relu":
            y = np.maximum(ins[0], 0)
        elif op == "LeakyRelu":
            y = np.where(ins[0] >= 0, ins[0], a.get("alpha", 0.01) * ins[0])
        elif op == "Sigmoid":
            y = sigmoid(ins[0])
        elif op == "Tanh":
            y = np.tanh(ins[0])
        elif op == "Softmax":
            e = np.exp(ins[0] - ins[0].max(axis=a.get("axis", -1), keepdims=True))
            y = e / e.sum(axis=a.get("axis", -1), keepdims=True)
        elif op == "Flatten":
            y = ins[0].reshape(ins[0].shape[0], -1)
        elif op == "Reshape":
            shape = [ins[0].shape[k] if s == 0 else s for k, s in enumerate(ins[1].tolist())]
            y = ins[0].reshape(shape)
        elif op == "Transpose":
            y = ins[0].transpose(a["perm"])
        elif op == "Identity":
            y = ins[0]
        elif op == "GRU":
            assert a.get("linear_before_reset", 0) == 1
            w, r, b = ins[1][0], ins[2][0], ins[3][0]
            hidden = a["hidden_size"]
            steps, batch = ins[0].shape[:2]
            h = np.zeros((batch, hidden)) if len(ins) < 6 or ins[5] is None else ins[5][0]
            ys = []
            for t in range(steps):
                gx = ins[0][t] @ w.T + b[:3 * hidden]
                gh = h @ r.T + b[3 * hidden:]
                z = sigmoid(gx[:, :hidden] + gh[:, :hidden])
                rr = sigmoid(gx[:, hidden:2 * hidden] + gh[:, hidden:2 * hidden])
                n = np.tanh(gx[:, 2 * hidden:] + rr * gh[:, 2 * hidden:])
                h = (1 - z) * n + z * h
                ys.append(h)
            y = np.stack(ys)[:, None]
            if len(node.output) > 1 and node.output[1]:
                values[node.output[1]] = h[None]
        elif op == "LSTM":
            assert len(ins) < 8 or ins[7] is None, "peepholes"
            state = [ins[k] if len(ins) > k else None for k in (5, 6)]
            y, y_h, y_c = lstm(ins[0], ins[1][0], ins[2][0], ins[3][0], *state)
            for k, v in ((1, y_h), (2, y_c)):
                if len(node.output) > k and node.output[k]:
                    values[node.output[k]] = v
        elif op == "Squeeze":
            y = np.squeeze(ins[0], axis=tuple(ins[1].tolist()) if len(ins) > 1 else tuple(a["axes"]))
        elif op == "Shape":
            y = np.array(ins[0].shape, dtype=np.int64)
        elif op == "Gather":
            y = np.take(ins[0], ins[1], axis=a.get("axis", 0))
        elif op == "Unsqueeze":
            y = np.expand_dims(ins[0], axis=tuple(ins[1].tolist()) if len(ins) > 1 else tuple(a["axes"]))
        elif op == "Concat":
            y = np.concatenate([np.atleast_1d(v) for v in ins], axis=a["axis"])
        elif op == "Expand":
            y = ins[0] * np.ones(tuple(ins[1].tolist()))
        elif op == "ConstantOfShape":
            fill = onnx.numpy_helper.to_array(a["value"]).item() if "value" in a else 0.0
            y = np.full(tuple(ins[0].tolist()), fill)
        elif op == "Pad":
            assert not ins[1].any()
            y = ins[0]
        else:
            raise SystemExit(f"check_export.py: no NumPy evaluation of {op}")
        values[node.output[0]] = y
    return values[model.graph.output[0].name]


def relative_error(actual, expected):
    """The worst over samples of max|actual - expected| / max(max|expected|, FLOOR)."""
    diff = np.abs(actual - expected).max(axis=1)
    scale = np.maximum(np.abs(expected).max(axis=1), FLOOR)
    return float((diff / scale).max())


def onnx_input(model, channels_last):
    """The ONNX input from ctnn-ordered samples: (N, H, W, C) -> (N, C, H, W) for image inputs."""
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:]]
    n = channels_last.shape[0]
    if len(dims) == 3:
        c, h, w = dims
        return channels_last.reshape(n, h, w, c).transpose(0, 3, 1, 2)
    return channels_last.reshape([n] + dims)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--exported", required=True)
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()
    failed = False
    for name in args.models:
        exported_path = os.path.join(args.exported, name + ".onnx")
        onnx.checker.check_model(exported_path, full_check=True)
        exported = onnx.load(exported_path)
        pytorch = onnx.load(os.path.join(args.data, name + ".onnx"))
        x = np.fromfile(os.path.join(args.data, name + ".inputs.f32"), dtype="<f4")
        torch_y = np.fromfile(os.path.join(args.data, name + ".outputs.f32"), dtype="<f4").astype(np.float64)
        ctnn_y = np.fromfile(os.path.join(args.data, name + ".ctnn_outputs.f32"), dtype="<f4").astype(np.float64)
        out = exported.graph.output[0].type.tensor_type.shape.dim
        width = int(np.prod([d.dim_value for d in out[1:]]))
        samples = torch_y.size // width
        x = x.reshape(samples, -1)
        torch_y, ctnn_y = torch_y.reshape(samples, width), ctnn_y.reshape(samples, width)
        mine = run(exported, onnx_input(exported, x)).reshape(samples, width)
        reference = run(pytorch, onnx_input(pytorch, x)).reshape(samples, width)
        errors = {"exported vs ctnn": relative_error(mine, ctnn_y), "exported vs PyTorch": relative_error(mine, torch_y),
                  "PyTorch's export (same interpreter) vs PyTorch": relative_error(reference, torch_y)}
        ops = sorted({n.op_type for n in exported.graph.node})
        print(f"{name}: onnx.checker passed; {samples} samples; ops {', '.join(ops)}")
        for label, error in errors.items():
            verdict = "ok" if error <= TOLERANCE else "FAIL"
            failed |= error > TOLERANCE
            print(f"  {label}: max relative error {error:.3g} ({verdict})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
