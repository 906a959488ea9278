// libtorch (C++ frontend), one thread: torch::nn modules, autograd and torch::optim, as its users
// write it. Weights are copied in from ctnn's layout (PyTorch's own for dense layers; convolution
// kernels OHWI -> OIHW; the dense layer after flatten reads CHW instead of HWC).
#include <torch/torch.h>

#include "implementation.hpp"

namespace bench {
namespace {

void copy_into(torch::Tensor target, const float* source) {
    torch::NoGradGuard no_grad;
    target.copy_(torch::from_blob(const_cast<float*>(source), target.sizes(), torch::kFloat32));
}

// Fills a Linear layer from ctnn's [Out][In] + [Out]; returns the next parameter.
const float* load_linear(torch::nn::Linear& l, const float* p) {
    copy_into(l->weight, p);
    copy_into(l->bias, p + l->weight.numel());
    return p + l->weight.numel() + l->bias.numel();
}

// Fills a Conv2d from ctnn's [F][KH][KW][C] + [F].
const float* load_conv(torch::nn::Conv2d& conv, const float* p) {
    const auto f = conv->weight.size(0), c = conv->weight.size(1), kh = conv->weight.size(2), kw = conv->weight.size(3);
    torch::NoGradGuard no_grad;
    auto ohwi = torch::from_blob(const_cast<float*>(p), {f, kh, kw, c}, torch::kFloat32);
    conv->weight.copy_(ohwi.permute({0, 3, 1, 2}));
    copy_into(conv->bias, p + f * kh * kw * c);
    return p + conv->weight.numel() + f;
}

class torch_model final : public timed<torch_model> {
public:
    torch_model(const workload& w, model_id id) : work(w), id(id) {
        torch::set_num_threads(1);
        const float* p = w.params.data();
        if (id == model_id::m1) {
            auto l1 = torch::nn::Linear(2, 5), l2 = torch::nn::Linear(5, 1);
            load_linear(l2, load_linear(l1, p));
            net = torch::nn::Sequential(l1, torch::nn::Sigmoid(), l2, torch::nn::Sigmoid());
        } else if (id == model_id::m2) {
            auto l1 = torch::nn::Linear(784, 128), l2 = torch::nn::Linear(128, 64), l3 = torch::nn::Linear(64, 10);
            load_linear(l3, load_linear(l2, load_linear(l1, p)));
            net = torch::nn::Sequential(l1, torch::nn::ReLU(), l2, torch::nn::ReLU(), l3);
        } else {
            auto c1 = torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 8, 3).padding(1));
            auto c2 = torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 16, 3).padding(1));
            auto l3 = torch::nn::Linear(784, 10);
            p = load_conv(c2, load_conv(c1, p));
            {
                // ctnn flattens (7, 7, 16) as HWC, torch (16, 7, 7) as CHW.
                torch::NoGradGuard no_grad;
                auto hwc = torch::from_blob(const_cast<float*>(p), {10, 7, 7, 16}, torch::kFloat32);
                l3->weight.copy_(hwc.permute({0, 3, 1, 2}).reshape({10, 784}));
                copy_into(l3->bias, p + 7840);
            }
            net = torch::nn::Sequential(c1, torch::nn::ReLU(), torch::nn::MaxPool2d(2), c2, torch::nn::ReLU(),
                                        torch::nn::MaxPool2d(2), torch::nn::Flatten(), l3);
        }
        const auto batch = std::int64_t(w.batch);
        inputs = id == model_id::m3
                     ? torch::from_blob(const_cast<float*>(w.inputs.data()), {batch, 1, 28, 28}).clone()
                     : torch::from_blob(const_cast<float*>(w.inputs.data()), {batch, std::int64_t(w.input_size)}).clone();
        if (id == model_id::m1) {
            targets = torch::from_blob(const_cast<float*>(w.targets.data()), {batch, 1}).clone();
            optimizer = std::make_unique<torch::optim::Adam>(net->parameters(), torch::optim::AdamOptions(w.learning_rate));
        } else {
            std::vector<std::int64_t> labels(w.labels.begin(), w.labels.end());
            targets = torch::tensor(labels, torch::kInt64);
            optimizer = std::make_unique<torch::optim::SGD>(net->parameters(), torch::optim::SGDOptions(w.learning_rate));
        }
        sample = inputs.slice(0, 0, 1).clone();
    }

    void run(const float* x, float* y) {
        torch::NoGradGuard no_grad;
        // The sample tensor is reused; copying x in is part of calling libtorch from raw memory.
        std::memcpy(sample.data_ptr<float>(), x, work.input_size * sizeof(float));
        auto out = net->forward(sample);
        if (id != model_id::m1) out = torch::softmax(out, 1);
        std::memcpy(y, out.data_ptr<float>(), work.output_size * sizeof(float));
    }

    float step() {
        optimizer->zero_grad();
        auto out = net->forward(inputs);
        auto loss = id == model_id::m1 ? torch::mse_loss(out, targets) : torch::cross_entropy_loss(out, targets);
        loss.backward();
        optimizer->step();
        return loss.item<float>();
    }

    const workload& work;

private:
    model_id id;
    torch::nn::Sequential net;
    torch::Tensor inputs, targets, sample;
    std::unique_ptr<torch::optim::Optimizer> optimizer;
};

}  // namespace

std::unique_ptr<implementation> make_torch(model_id model, const workload& w) {
    return std::make_unique<torch_model>(w, model);
}

}  // namespace bench
