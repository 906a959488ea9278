/* The deployed effect: streams held-out audio one sample per call through the C that ctnn-gen
 * wrote from effect_net with the trained weights baked in (gru_effect_model.c; no ctnn header
 * here), and reports the error against the effect of effect.h, computed here from the input.
 * The reference file (gru_effect --load W --reference F, with the weights W the C was generated
 * from) holds the input and the header path's stepped outputs: every output must match them bit
 * for bit, and the program exits with status 3 if one does not.
 *   usage: gru_effect_c REFERENCE_FILE */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "effect.h"
#include "gru_effect_model.h"
#include "reference_file.h"

/* One sample in, one sample out per step: the effect is mono. */
#if GRU_EFFECT_MODEL_STEP_INPUT_SIZE != 1 || GRU_EFFECT_MODEL_STEP_OUTPUT_SIZE != 1
#error "gru_effect_c streams one sample per step: effect_net must take and give one value per time step"
#endif

typedef struct {
    unsigned long count;
    float *input;
    float *header_output; /* what effect_net::step gave */
} reference;

static int read_reference(const char *path, reference *ref) {
    char magic[8];
    uint32_t count = 0;
    int ok;
    FILE *file = fopen(path, "rb");
    if (file == NULL) return 0;
    ok = fread(magic, 1, 8, file) == 8 && memcmp(magic, GRU_EFFECT_REFERENCE_MAGIC, 8) == 0 &&
         fread(&count, sizeof count, 1, file) == 1 && count > 0;
    if (ok) {
        ref->count = count;
        ref->input = (float *)malloc(count * sizeof(float));
        ref->header_output = (float *)malloc(count * sizeof(float));
        ok = ref->input != NULL && ref->header_output != NULL && fread(ref->input, sizeof(float), count, file) == count &&
             fread(ref->header_output, sizeof(float), count, file) == count && fgetc(file) == EOF;
    }
    fclose(file);
    return ok;
}

int main(int argc, char **argv) {
    reference ref = {0, NULL, NULL};
    gru_effect_model_state state; /* the model's whole memory: GRU_EFFECT_MODEL_STATE_SIZE floats */
    fx_state effect;
    unsigned long n, mismatches = 0, first_mismatch = 0;
    double error_power = 0, pass_through_power = 0, target_power = 0;
    double seconds;
    clock_t started;
    float *output;
    if (argc != 2) {
        fprintf(stderr, "usage: gru_effect_c REFERENCE_FILE   (written by gru_effect --reference)\n");
        return 2;
    }
    output = read_reference(argv[1], &ref) ? (float *)malloc(ref.count * sizeof(float)) : NULL;
    if (output == NULL) {
        fprintf(stderr, "gru_effect_c: %s is missing, truncated or not a gru_effect reference file\n", argv[1]);
        free(ref.input);
        free(ref.header_output);
        return 1;
    }

    /* The real-time part: one call per sample, state in a caller-owned struct, no allocation. */
    gru_effect_model_state_reset(&state);
    started = clock();
    for (n = 0; n < ref.count; ++n) gru_effect_model_step(gru_effect_model_weights, &ref.input[n], &output[n], &state);
    seconds = (double)(clock() - started) / CLOCKS_PER_SEC;

    fx_reset(&effect);
    for (n = 0; n < ref.count; ++n) {
        const double target = fx_process(&effect, ref.input[n]);
        const double error = output[n] - target;
        const double pass_through_error = ref.input[n] - target;
        error_power += error * error;
        pass_through_power += pass_through_error * pass_through_error;
        target_power += target * target;
        if (memcmp(&output[n], &ref.header_output[n], sizeof(float)) != 0 && mismatches++ == 0) first_mismatch = n;
    }
    printf("generated C: %lu samples streamed one step per call (%.0f ns of processor time per step); %d parameters (const), "
           "%d floats of state\n",
           ref.count, 1e9 * seconds / (double)ref.count, GRU_EFFECT_MODEL_PARAM_COUNT, GRU_EFFECT_MODEL_STATE_SIZE);
    printf("  against the effect: RMS error %.5f, SNR %.2f dB (pass-through: RMS %.5f, SNR %.2f dB)\n",
           sqrt(error_power / (double)ref.count), 10 * log10(target_power / error_power),
           sqrt(pass_through_power / (double)ref.count), 10 * log10(target_power / pass_through_power));
    if (mismatches == 0) {
        printf("  all %lu outputs bit-identical to the header path's effect_net::step\n", ref.count);
    } else {
        printf("  %lu of %lu outputs differ from the header path's, the first at sample %lu (%.9g vs %.9g)\n", mismatches,
               ref.count, first_mismatch, (double)output[first_mismatch], (double)ref.header_output[first_mismatch]);
    }
    free(output);
    free(ref.input);
    free(ref.header_output);
    return mismatches == 0 ? 0 : 3;
}
