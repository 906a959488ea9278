#!/usr/bin/python3
"""From PyTorch to a microcontroller, step 1: train a small CNN in PyTorch and export it as ONNX.

The task: tell 8x8 images of a horizontal line, a vertical line and a diagonal apart, with noise.
The network is the one lines_net.hpp declares for ctnn, layer for layer.

    train.py --out DIR

writes DIR/lines.onnx (the trained model) and DIR/lines_samples.txt (test images with PyTorch's
class probabilities, one image per line: 64 pixels, then 3 probabilities), which main.c reads to
check the generated C against PyTorch.
"""
import argparse
import os

import torch
from torch import nn


def make_images(count, generator):
    """Images (count, 1, 8, 8) and their classes: 0 horizontal, 1 vertical, 2 diagonal line."""
    labels = torch.randint(0, 3, (count,), generator=generator)
    images = torch.rand((count, 1, 8, 8), generator=generator) * 0.3
    positions = torch.randint(0, 8, (count,), generator=generator)
    for k in range(count):
        p = int(positions[k])
        if labels[k] == 0:
            images[k, 0, p, :] += 1.0
        elif labels[k] == 1:
            images[k, 0, :, p] += 1.0
        else:
            images[k, 0] += torch.eye(8) if p % 2 == 0 else torch.eye(8).flip(1)
    return images, labels


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(1)
    generator = torch.Generator().manual_seed(1)

    # ctnn: input<8,8,1>, conv2d<4,3,3,1,same>, relu, max_pool2d<2>, flatten, dense<3>  (lines_net.hpp)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 4 * 4, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    images, labels = make_images(2000, generator)
    for step in range(args.steps):
        batch = torch.randint(0, len(images), (64,), generator=generator)
        loss = nn.functional.cross_entropy(model(images[batch]), labels[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    # The deployed model ends in a softmax, as lines_net.hpp does.
    deployed = nn.Sequential(model, nn.Softmax(dim=1)).eval()
    test_images, test_labels = make_images(200, generator)
    with torch.no_grad():
        probabilities = deployed(test_images)
    accuracy = (probabilities.argmax(1) == test_labels).float().mean().item()
    print(f"PyTorch: loss {loss.item():.4f}, test accuracy {accuracy:.1%}")

    # Export: eval mode, a fixed opset ctnn-gen reads (9..17), a batch dimension of any size.
    torch.onnx.export(deployed, test_images[:1], os.path.join(args.out, "lines.onnx"), opset_version=13,
                      input_names=["image"], output_names=["probabilities"],
                      dynamic_axes={"image": {0: "batch"}, "probabilities": {0: "batch"}})

    # ctnn takes images channels-last (H, W, C); with one channel that is the same order as PyTorch's.
    with open(os.path.join(args.out, "lines_samples.txt"), "w") as samples:
        for image, p in zip(test_images, probabilities):
            pixels = image.permute(1, 2, 0).reshape(-1).tolist()
            samples.write(" ".join(f"{v:.9g}" for v in pixels + p.tolist()) + "\n")


if __name__ == "__main__":
    main()
