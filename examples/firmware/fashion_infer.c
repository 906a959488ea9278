/* Fashion-MNIST CNN inference on the device: the generated fashion_model (conv-relu-pool twice,
 * dense 64, dense 10, softmax) with seeded He-uniform parameters as a 414 KiB const table in
 * flash, over the pseudo-random images of firmware_inputs.h. Prints every output's bits and
 * class, the SysTick ticks of each call, and the stack one call uses. */
#include "board.h"
#include "firmware_inputs.h"
#include "fashion_model.h"
#include "report.h"

/* All the RAM inference needs: the images are read straight from flash. */
static float scratch[FASHION_MODEL_INFER_SCRATCH_SIZE];
static float y[FASHION_MODEL_OUTPUT_SIZE];

int main(void)
{
    uintptr_t sp;
    board_write("# fashion_model inference: 28x28x1 -> conv16 -> pool -> conv32 -> pool -> 64 -> 10\n");
    board_ticks_start();
    report_ticks("empty", 0, board_ticks_stop());
    for (uint32_t k = 0; k < FASHION_INPUT_COUNT; ++k) {
        uint32_t ticks;
        board_ticks_start();
        fashion_model_infer(fashion_model_weights, fashion_inputs[k], y, scratch);
        ticks = board_ticks_stop();
        report_output("fashion", k, y, FASHION_MODEL_OUTPUT_SIZE);
        report_ticks("fashion", k, ticks);
    }
    /* Once more without the timer, whose interrupt frames would count as the model's stack. */
    sp = board_stack_start();
    fashion_model_infer(fashion_model_weights, fashion_inputs[0], y, scratch);
    report_stack("fashion", board_stack_used(sp));
    return 0;
}
