/* From PyTorch to a microcontroller, step 4: the generated C, with the weights imported from
 * lines.onnx baked in, on the test images train.py wrote, against PyTorch's probabilities.
 * No ctnn, no allocation: this is the code that goes on the device.
 *   usage: pytorch_to_c lines_samples.txt
 * Exit status 0 when every class agrees with PyTorch and every probability is within 1e-5. */
#include <math.h>
#include <stdio.h>

#include "lines.h"

int main(int argc, char** argv) {
    float x[LINES_INPUT_SIZE], expected[LINES_OUTPUT_SIZE], y[LINES_OUTPUT_SIZE];
    float scratch[LINES_INFER_SCRATCH_SIZE];
    int images = 0, same_class = 0, k;
    double worst = 0;
    FILE* samples = argc == 2 ? fopen(argv[1], "r") : NULL;
    if (samples == NULL) {
        fprintf(stderr, "usage: pytorch_to_c <lines_samples.txt written by train.py>\n");
        return 2;
    }
    for (;;) {
        int best_c = 0, best_t = 0, read = 1;
        for (k = 0; k < LINES_INPUT_SIZE && read; ++k) read = fscanf(samples, "%f", &x[k]) == 1;
        for (k = 0; k < LINES_OUTPUT_SIZE && read; ++k) read = fscanf(samples, "%f", &expected[k]) == 1;
        if (!read) break;
        lines_infer(lines_weights, x, y, scratch);
        for (k = 0; k < LINES_OUTPUT_SIZE; ++k) {
            const double diff = fabs((double)y[k] - (double)expected[k]);
            if (diff > worst) worst = diff;
            if (y[k] > y[best_c]) best_c = k;
            if (expected[k] > expected[best_t]) best_t = k;
        }
        same_class += best_c == best_t;
        ++images;
    }
    fclose(samples);
    printf("%d images: %d classes as PyTorch's, largest probability difference %.3g\n", images, same_class, worst);
    printf("%d parameters (%d bytes, const), %d bytes of scratch\n", LINES_PARAM_COUNT, LINES_PARAM_BYTES,
           LINES_INFER_SCRATCH_BYTES);
    return images > 0 && same_class == images && worst <= 1e-5 ? 0 : 1;
}
