/* Runs the XOR network on its four inputs with the weights compiled into xor_trained.c, the C
 * that ctnn-gen writes from a weights file: configure with -DCTNN_XOR_WEIGHTS=<file saved by
 * examples/xor --out> to deploy trained weights (without it, the untrained initial ones). No ctnn,
 * no allocation: the parameters are a const table (flash on a microcontroller), the scratch is
 * XOR_TRAINED_INFER_SCRATCH_SIZE floats on the stack. Prints what examples/xor prints for them.
 *   usage: xor_c_predict */
#include <stdio.h>

#include "xor_trained.h"

int main(void) {
    static const float inputs[4][XOR_TRAINED_INPUT_SIZE] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    float scratch[XOR_TRAINED_INFER_SCRATCH_SIZE];
    int k;
    for (k = 0; k < 4; ++k) {
        float y[XOR_TRAINED_OUTPUT_SIZE];
        xor_trained_infer(xor_trained_weights, inputs[k], y, scratch);
        printf("xor(%g, %g) = %.4f\n", (double)inputs[k][0], (double)inputs[k][1], (double)y[0]);
    }
    printf("%d parameters (%d bytes, const), %d bytes of scratch\n", XOR_TRAINED_PARAM_COUNT,
           XOR_TRAINED_PARAM_BYTES, XOR_TRAINED_INFER_SCRATCH_BYTES);
    return 0;
}
