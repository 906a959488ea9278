// From PyTorch to a microcontroller, step 2: the network train.py trains, declared as a ctnn type.
// ctnn-gen checks the ONNX file against it node by node (a different filter count, kernel, stride,
// padding or layer order is refused with a message naming both sides).
#pragma once
#include <ctnn/ctnn.hpp>

using lines_net = ctnn::sequential<ctnn::input<8, 8, 1>,                             // PyTorch: (1, 8, 8)
                                   ctnn::conv2d<4, 3, 3, 1, ctnn::padding::same>,    // Conv2d(1, 4, 3, padding=1)
                                   ctnn::relu,                                       // ReLU()
                                   ctnn::max_pool2d<2>,                              // MaxPool2d(2)
                                   ctnn::flatten,                                    // Flatten()
                                   ctnn::dense<3>,                                   // Linear(64, 3)
                                   ctnn::softmax>;                                   // Softmax(dim=1)
