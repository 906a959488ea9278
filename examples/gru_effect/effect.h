/* The target effect the GRU learns, shared by the C++ trainer (main.cpp) and the C99 checker
 * (stream_c.c) so that both measure against the same reference. An overdrive stage at 16 kHz:
 * a one-pole low-pass before an asymmetric tanh soft clipper, and a second one after it that
 * takes the edge off the harmonics the clipping made (a "tone" control):
 *
 *     v[n] = v[n-1] + FX_PRE_SMOOTHING * (x[n] - v[n-1])                 (low-pass at 500 Hz)
 *     c[n] = tanh(FX_DRIVE * (v[n] + FX_BIAS)) - tanh(FX_DRIVE * FX_BIAS)  (clipper)
 *     y[n] = y[n-1] + FX_POST_SMOOTHING * (c[n] - y[n-1])                (low-pass at 2 kHz)
 *
 * The filters give the effect memory (the first has a time constant of 5.6 samples), so no
 * function of the current sample alone can imitate it; the bias makes the clipping asymmetric
 * (even harmonics, as a diode or tube stage), and the offset keeps silence silent.
 * Single-precision arithmetic, as an audio callback would run it; both languages build it with
 * -ffp-contract=off, so they compute the same bits. Valid C99 and C++. */
#ifndef GRU_EFFECT_EFFECT_H
#define GRU_EFFECT_EFFECT_H

#include <math.h>

#define FX_SAMPLE_RATE 16000
#define FX_DRIVE 4.0f
#define FX_BIAS 0.15f
/* 1 - exp(-2 pi f / 16000): one-pole low-passes at f = 500 Hz and 2 kHz. */
#define FX_PRE_SMOOTHING 0.178275f
#define FX_POST_SMOOTHING 0.544062f

typedef struct {
    float pre;  /* v[n-1] */
    float post; /* y[n-1] */
} fx_state;

/* The effect at rest: silence in, silence out. */
static inline void fx_reset(fx_state *state) {
    state->pre = 0.0f;
    state->post = 0.0f;
}

/* The clipper alone: the effect without its filters, so without memory. */
static inline float fx_clip(float v) { return tanhf(FX_DRIVE * (v + FX_BIAS)) - tanhf(FX_DRIVE * FX_BIAS); }

/* One sample through the whole effect. */
static inline float fx_process(fx_state *state, float x) {
    state->pre += FX_PRE_SMOOTHING * (x - state->pre);
    state->post += FX_POST_SMOOTHING * (fx_clip(state->pre) - state->post);
    return state->post;
}

#endif
