/* The reference file gru_effect --reference writes and gru_effect_c reads: the held-out input and
 * the header path's stepped outputs, so the generated C can be compared with them bit for bit.
 * Host byte order (both programs run on the machine that built them):
 *     8 bytes  GRU_EFFECT_REFERENCE_MAGIC
 *     4 bytes  uint32 sample count N
 *   4N bytes   float32 input, sample by sample
 *   4N bytes   float32 outputs of effect_net::step from a reset stream_state */
#ifndef GRU_EFFECT_REFERENCE_FILE_H
#define GRU_EFFECT_REFERENCE_FILE_H

#define GRU_EFFECT_REFERENCE_MAGIC "GRUFXv1"  /* 7 characters and the terminating zero */

#endif
