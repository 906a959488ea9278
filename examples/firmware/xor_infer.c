/* XOR inference on the device: the generated xor_model, with the initial parameters of seed 1
 * as a const table in flash, over the 5x5 grid of firmware_inputs.h. Prints every output's bits,
 * the SysTick ticks of each call, and the stack one call uses. */
#include "board.h"
#include "firmware_inputs.h"
#include "report.h"
#include "xor_model.h"

/* All the RAM inference needs: the inputs are read straight from flash. */
static float scratch[XOR_MODEL_INFER_SCRATCH_SIZE];
static float y[XOR_MODEL_OUTPUT_SIZE];

int main(void)
{
    uintptr_t sp;
    board_write("# xor_model inference: 2-5-1 sigmoid, initial parameters of seed 1\n");
    board_ticks_start();
    report_ticks("empty", 0, board_ticks_stop());
    for (uint32_t k = 0; k < XOR_INPUT_COUNT; ++k) {
        uint32_t ticks;
        board_ticks_start();
        xor_model_infer(xor_model_weights, xor_inputs[k], y, scratch);
        ticks = board_ticks_stop();
        report_output("xor", k, y, XOR_MODEL_OUTPUT_SIZE);
        report_ticks("xor", k, ticks);
    }
    /* Once more without the timer, whose interrupt frames would count as the model's stack. */
    sp = board_stack_start();
    xor_model_infer(xor_model_weights, xor_inputs[0], y, scratch);
    report_stack("xor", board_stack_used(sp));
    return 0;
}
