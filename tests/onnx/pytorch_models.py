#!/usr/bin/python3
"""Builds the ONNX import test's PyTorch models with a fixed seed, exports each with
torch.onnx.export, and writes random inputs (in ctnn's channels-last order) and PyTorch's outputs.

    pytorch_models.py --out DIR

writes, for each model M of MODELS: DIR/M.onnx, DIR/M.inputs.f32 and DIR/M.outputs.f32 (float32,
little-endian, one sample after the other). The ctnn twins of these models are in models.hpp.
"""
import argparse
import os

import numpy as np
import torch
from torch import nn


def randomize_batch_norm(model, generator):
    """Non-trivial running statistics and affine parameters, so that the import has to get them right."""
    for module in model.modules():
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            channels = module.num_features
            module.running_mean.copy_(torch.randn(channels, generator=generator) * 0.5)
            module.running_var.copy_(torch.rand(channels, generator=generator) + 0.5)
            module.weight.data.copy_(torch.rand(channels, generator=generator) + 0.5)
            module.bias.data.copy_(torch.randn(channels, generator=generator) * 0.1)


def mlp():
    # ctnn: input<20>, dense<32>, batch_norm<>, leaky_relu<1/10>, dense<16>, tanh, dense<8>, sigmoid, dense<5>, softmax
    return nn.Sequential(nn.Linear(20, 32), nn.BatchNorm1d(32), nn.LeakyReLU(0.1), nn.Linear(32, 16), nn.Tanh(),
                         nn.Linear(16, 8), nn.Sigmoid(), nn.Linear(8, 5), nn.Softmax(dim=1))


def fashion():
    # examples/fashion_mnist/fashion_net.hpp
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10), nn.Softmax(dim=1))


def mixed():
    # ctnn: input<12,12,3>, conv2d<8,3,3,1,same>, relu, batch_norm<>, depthwise_conv2d<3,3,1,same>, leaky_relu<>,
    # avg_pool2d<2>, conv2d<12,3,3,2>, sigmoid, global_avg_pool2d, dense<6>
    # (A BatchNorm2d right after a Conv2d would be folded into the Conv by the eval-mode export.)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(8),
                         nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.LeakyReLU(), nn.AvgPool2d(2),
                         nn.Conv2d(8, 12, 3, stride=2), nn.Sigmoid(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(12, 6))


class Recurrent(nn.Module):
    """ctnn: input<steps,3>, gru<6> or lstm<6>, flatten, dense<outputs>: every step's hidden state,
    flattened, into a Linear."""

    def __init__(self, cell, steps, outputs):
        super().__init__()
        self.cell = cell(3, 6, batch_first=True)
        self.out = nn.Linear(steps * 6, outputs)

    def forward(self, x):
        states, _ = self.cell(x)
        return self.out(torch.flatten(states, 1))


def gru():
    return Recurrent(nn.GRU, 8, 4)


def lstm():
    return Recurrent(nn.LSTM, 10, 2)


# name: (builder, input shape as PyTorch takes it, samples, opset); the opsets span what ctnn-gen reads.
MODELS = {
    "mlp": (mlp, (20,), 200, 11),
    "fashion": (fashion, (1, 28, 28), 100, 14),
    "mixed": (mixed, (3, 12, 12), 100, 17),
    "gru": (gru, (8, 3), 200, 14),
    "lstm": (lstm, (10, 3), 200, 14),
}


def export(name, out):
    builder, shape, samples, opset = MODELS[name]
    torch.manual_seed(20261129)
    generator = torch.Generator().manual_seed(7)
    model = builder()
    with torch.no_grad():
        randomize_batch_norm(model, generator)
    model.eval()
    x = torch.randn((samples,) + shape, generator=generator)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(out, name + ".onnx")
    torch.onnx.export(model, x[:1], path, opset_version=opset, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
    channels_last = x.permute(0, 2, 3, 1) if x.dim() == 4 else x
    channels_last.contiguous().numpy().astype("<f4").tofile(os.path.join(out, name + ".inputs.f32"))
    y.numpy().astype("<f4").tofile(os.path.join(out, name + ".outputs.f32"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in MODELS:
        export(name, args.out)


if __name__ == "__main__":
    main()
