/* report.h: the lines the firmware prints, which tests/firmware reads back. One fact a line:
 *   out <model> <sample> <class> <output bit patterns...>
 *   ticks <model> <sample> <SysTick ticks of one call>    ("ticks empty 0" is the timer's own cost)
 *   stack <model> <peak bytes of stack below the caller during one call>
 *   loss <epoch> <bit pattern of the epoch's summed loss>   (training)
 *   params <bit patterns...>                                 (training: the final parameters)
 * Lines starting with '#' are for people. */
#ifndef CTNN_FIRMWARE_REPORT_H
#define CTNN_FIRMWARE_REPORT_H

#include <stdint.h>

/* The index of the largest output; with one output, whether it reaches 0.5. */
uint32_t report_class(const float *y, uint32_t n);
void report_output(const char *model, uint32_t sample, const float *y, uint32_t n);
void report_ticks(const char *model, uint32_t sample, uint32_t ticks);
void report_stack(const char *model, uint32_t bytes);
void report_floats(const char *tag, const float *values, uint32_t n);

#endif
