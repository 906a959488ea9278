/* report.c: see report.h. */
#include "report.h"

#include "board.h"

uint32_t report_class(const float *y, uint32_t n)
{
    uint32_t best = 0;
    if (n == 1u) return y[0] >= 0.5f ? 1u : 0u;
    for (uint32_t i = 1; i < n; ++i)
        if (y[i] > y[best]) best = i;
    return best;
}

void report_output(const char *model, uint32_t sample, const float *y, uint32_t n)
{
    board_write("out ");
    board_write(model);
    board_write(" ");
    board_write_uint(sample);
    board_write(" ");
    board_write_uint(report_class(y, n));
    for (uint32_t i = 0; i < n; ++i) {
        board_write(" ");
        board_write_float_bits(y[i]);
    }
    board_write("\n");
}

void report_ticks(const char *model, uint32_t sample, uint32_t ticks)
{
    board_write("ticks ");
    board_write(model);
    board_write(" ");
    board_write_uint(sample);
    board_write(" ");
    board_write_uint(ticks);
    board_write("\n");
}

void report_stack(const char *model, uint32_t bytes)
{
    board_write("stack ");
    board_write(model);
    board_write(" ");
    board_write_uint(bytes);
    board_write("\n");
}

void report_floats(const char *tag, const float *values, uint32_t n)
{
    board_write(tag);
    for (uint32_t i = 0; i < n; ++i) {
        board_write(" ");
        board_write_float_bits(values[i]);
    }
    board_write("\n");
}
