/* Trains the 2-5-1 XOR network of ../xor entirely through the C that ctnn-gen generated from
 * xor_net: no ctnn header, no allocation, every buffer a static array whose size is a macro.
 * Same recipe as ../xor/main.cpp (seed 1, Adam with learning rate 0.1, 1000 epochs of one batch of
 * the four samples, mean squared error) and the same printout: the loss curves agree digit for
 * digit, because the generated functions give the same bits as the header path.
 *   usage: xor_c [--quiet] */
#include <stdio.h>
#include <string.h>

#include "xor_model.h"

#define SAMPLES 4
#define EPOCHS 1000

/* The batch as the generated functions take it: sample k at k * XOR_MODEL_INPUT_SIZE. */
static const float inputs[SAMPLES * XOR_MODEL_INPUT_SIZE] = {0, 0, 0, 1, 1, 0, 1, 1};
static const float targets[SAMPLES * XOR_MODEL_OUTPUT_SIZE] = {0, 1, 1, 0};

/* The whole RAM budget, fixed at compile time. */
static float params[XOR_MODEL_PARAM_COUNT];
static float grads[XOR_MODEL_PARAM_COUNT];
static float workspace[XOR_MODEL_TRAIN_BATCH_WORKSPACE_SIZE(SAMPLES)];
static float scratch[XOR_MODEL_INFER_SCRATCH_SIZE];
static xor_model_adam optimizer = XOR_MODEL_ADAM_INIT(0.1f);

int main(int argc, char **argv) {
    int quiet = 0;
    int epoch;
    int k;
    double mse = 0;
    int all_correct = 1;
    if (argc == 2 && strcmp(argv[1], "--quiet") == 0) {
        quiet = 1;
    } else if (argc != 1) {
        fprintf(stderr, "xor_c: unknown option\nusage: xor_c [--quiet]\n");
        return 2;
    }
    if (!quiet)
        printf("xor_model: %d parameters, %d bytes of training workspace, %d bytes of inference scratch\n",
               XOR_MODEL_PARAM_COUNT, (int)sizeof workspace, XOR_MODEL_INFER_SCRATCH_BYTES);

    /* The initial parameters live in flash; training needs them in RAM. */
    memcpy(params, xor_model_weights, sizeof params);

    for (epoch = 1; epoch <= EPOCHS; ++epoch) {
        /* One batch of all four samples: the gradients of its mean loss, then one Adam step. */
        const float batch_loss = xor_model_train_batch(params, inputs, targets, SAMPLES, workspace, grads);
        int matched = 0;
        for (k = 0; k < SAMPLES; ++k) {
            /* Each sample's output stays in its part of the workspace. */
            const float *y = workspace + k * XOR_MODEL_TRAIN_WORKSPACE_SIZE + XOR_MODEL_TRAIN_OUTPUT_OFFSET;
            if ((y[0] >= 0.5f) == (targets[k] >= 0.5f)) ++matched;
        }
        xor_model_adam_step(&optimizer, params, grads);
        if (!quiet && (epoch % 100 == 0 || epoch == 1))
            printf("epoch %4d/%d  loss %.6f  accuracy %.2f\n", epoch, EPOCHS, (double)batch_loss,
                   (double)matched / SAMPLES);
    }

    for (k = 0; k < SAMPLES; ++k) {
        float y[XOR_MODEL_OUTPUT_SIZE];
        double diff;
        xor_model_infer(params, inputs + k * XOR_MODEL_INPUT_SIZE, y, scratch);
        diff = (double)y[0] - (double)targets[k];
        mse += diff * diff / SAMPLES;
        all_correct = all_correct && ((y[0] > 0.5f) == (targets[k] > 0.5f));
        if (!quiet)
            printf("xor(%g, %g) = %.4f\n", (double)inputs[k * XOR_MODEL_INPUT_SIZE],
                   (double)inputs[k * XOR_MODEL_INPUT_SIZE + 1], (double)y[0]);
    }
    printf("seed 1: final mse %.6g, %s\n", mse, all_correct ? "all four correct" : "WRONG");
    return mse < 0.01 && all_correct ? 0 : 3;
}
