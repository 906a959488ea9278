/* Runs the generated model on the four XOR inputs with the weights compiled into it. */
#include <math.h>
#include <stdio.h>

#include "net.h"

int main(void) {
    static const float inputs[4][NET_INPUT_SIZE] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    float scratch[NET_INFER_SCRATCH_SIZE];
    int k;
    for (k = 0; k < 4; ++k) {
        float y[NET_OUTPUT_SIZE];
        net_infer(net_weights, inputs[k], y, scratch);
        if (!(y[0] > 0.0f && y[0] < 1.0f)) return 1;
        printf("net(%g, %g) = %.6f\n", (double)inputs[k][0], (double)inputs[k][1], (double)y[0]);
    }
    return 0;
}
