/* firmware_inputs.h: the fixed inputs the firmware runs the models on, written by inputs.cmake.
 * The host check compiles the same file, so both sides see the same bits. Every value is k/4 or
 * k/256 for an integer k, hence exact in binary32. */
#ifndef CTNN_FIRMWARE_INPUTS_H
#define CTNN_FIRMWARE_INPUTS_H

#define XOR_INPUT_COUNT 25      /* the 5x5 grid {0, 0.25, ..., 1}^2 */
#define FASHION_INPUT_COUNT 8   /* synthetic 28x28 images (inputs.cmake) */
#define FASHION_INPUT_PIXELS 784

#ifdef __cplusplus
extern "C" {
#endif

extern const float xor_inputs[XOR_INPUT_COUNT][2];
extern const float fashion_inputs[FASHION_INPUT_COUNT][FASHION_INPUT_PIXELS];

#ifdef __cplusplus
}
#endif

#endif
