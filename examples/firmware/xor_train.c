/* XOR learned on the device: the 2-5-1 sigmoid network from its initial parameters (seed 1),
 * mean squared error, Adam with learning rate 0.1, 1000 epochs of one batch of the four samples,
 * through the generated xor_model_forward, xor_model_backward and xor_model_adam_step. Prints the
 * loss curve and the final parameters as bit patterns; exits with 0 when the final MSE is under
 * 0.01 and all four predictions are right. */
#include <stddef.h>
#include <string.h>

#include "board.h"
#include "report.h"
#include "xor_model.h"

#define SAMPLES 4
#define EPOCHS 1000

static const float inputs[SAMPLES][XOR_MODEL_INPUT_SIZE] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
static const float targets[SAMPLES][XOR_MODEL_OUTPUT_SIZE] = {{0}, {1}, {1}, {0}};

/* The whole training state, sized at compile time. */
static float params[XOR_MODEL_PARAM_COUNT];
static float grads[XOR_MODEL_PARAM_COUNT];
static float workspace[XOR_MODEL_TRAIN_WORKSPACE_SIZE];
static xor_model_adam optimizer = XOR_MODEL_ADAM_INIT(0.1f);

/* ctnn::mse for one sample, the same expressions in the same order: returns the loss and writes
 * scale * dL/dy to dy. */
static float mse(const float *y, const float *target, float *dy, float scale)
{
    float total = 0.0f;
    for (size_t i = 0; i < XOR_MODEL_OUTPUT_SIZE; ++i) {
        const float diff = y[i] - target[i];
        total += diff * diff;
        dy[i] = scale * 2.0f * diff / (float)XOR_MODEL_OUTPUT_SIZE;
    }
    return total / (float)XOR_MODEL_OUTPUT_SIZE;
}

/* One epoch, as ctnn::trainer runs it: gradients of the batch's mean loss, then one Adam step.
 * Returns the summed loss of the four samples, measured before the step. */
static float train_epoch(void)
{
    float loss = 0.0f;
    memset(grads, 0, sizeof grads);
    for (size_t k = 0; k < SAMPLES; ++k) {
        float dy[XOR_MODEL_OUTPUT_SIZE];
        const float *y = xor_model_forward(params, inputs[k], workspace);
        loss += mse(y, targets[k], dy, 1.0f / (float)SAMPLES);
        xor_model_backward(params, inputs[k], workspace, dy, grads, NULL);
    }
    xor_model_adam_step(&optimizer, params, grads);
    return loss;
}

int main(void)
{
    static float scratch[XOR_MODEL_INFER_SCRATCH_SIZE];
    float total = 0.0f;
    int correct = 1;
    uintptr_t sp;
    board_write("# xor_model training: Adam 0.1, 1000 epochs, from the initial parameters of seed 1\n");
    memcpy(params, xor_model_weights, sizeof params); /* flash -> RAM: training changes them */

    board_ticks_start();
    report_ticks("empty", 0, board_ticks_stop());
    for (uint32_t epoch = 1; epoch <= EPOCHS; ++epoch) {
        float loss;
        if (epoch == 2) {
            /* One epoch's stack, measured without the timer's interrupt frames. */
            sp = board_stack_start();
            loss = train_epoch();
            report_stack("xor_epoch", board_stack_used(sp));
        } else if (epoch == 3) {
            uint32_t ticks;
            board_ticks_start();
            loss = train_epoch();
            ticks = board_ticks_stop();
            report_ticks("xor_epoch", epoch, ticks);
        } else {
            loss = train_epoch();
        }
        if (epoch == 1 || epoch % 100 == 0) {
            board_write("loss ");
            board_write_uint(epoch);
            board_write(" ");
            board_write_float_bits(loss);
            board_write(" # mean ");
            board_write_fixed(loss / (float)SAMPLES, 6);
            board_write("\n");
        }
    }
    report_floats("params", params, XOR_MODEL_PARAM_COUNT);

    for (uint32_t k = 0; k < SAMPLES; ++k) {
        float y[XOR_MODEL_OUTPUT_SIZE];
        float diff;
        xor_model_infer(params, inputs[k], y, scratch);
        diff = y[0] - targets[k][0];
        total += diff * diff;
        correct = correct && report_class(y, XOR_MODEL_OUTPUT_SIZE) == (targets[k][0] >= 0.5f ? 1u : 0u);
        report_output("xor_trained", k, y, XOR_MODEL_OUTPUT_SIZE);
    }
    board_write("# final mse ");
    board_write_fixed(total / (float)SAMPLES, 6);
    board_write(correct ? ", all four correct\n" : ", WRONG\n");
    return total / (float)SAMPLES < 0.01f && correct ? 0 : 3;
}
