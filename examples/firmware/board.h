/* board.h: what the firmware needs from the MPS2-AN386 board (a Cortex-M4F under QEMU or on an
 * FPGA): text output and exit status over semihosting, an instruction count from SysTick, and
 * the stack high-water mark. No allocation, no printf: nothing here reaches malloc. */
#ifndef CTNN_FIRMWARE_BOARD_H
#define CTNN_FIRMWARE_BOARD_H

#include <stdint.h>

/* The CPU clock SysTick counts when CLKSOURCE = 1 (QEMU: 25 MHz for mps2-an386). */
#define BOARD_CPU_HZ 25000000u

/* Output through the debugger (QEMU -semihosting): text as is, numbers without printf. */
void board_write(const char *text);
void board_write_hex(uint32_t value);         /* 8 hex digits */
void board_write_uint(uint32_t value);        /* decimal */
void board_write_float_bits(float value);     /* the IEEE 754 bit pattern, 8 hex digits: exact */
void board_write_fixed(float value, unsigned decimals); /* approximate decimal, for people */

/* Ends the program with an exit status (QEMU exits with it). */
__attribute__((noreturn)) void board_exit(int status);

/* SysTick ticks at the CPU clock between start and stop. Under QEMU -icount shift=N each
 * instruction takes 2^N ns of virtual time, so instructions = ticks * 40 / 2^N. */
void board_ticks_start(void);
uint32_t board_ticks_stop(void);

/* Stack high-water marks. The reset handler paints the whole stack with a pattern (the free
 * stack below it, with board_stack_paint). board_stack_start() then repaints the free stack below
 * its caller and returns the caller's stack pointer sp; board_stack_used(sp) gives the deepest use
 * below sp since, in bytes. board_stack_program() is the deepest use since reset, repaints included
 * (board_stack_record keeps the record before each repaint). */
uintptr_t board_stack_paint(void);
void board_stack_record(void);
uint32_t board_stack_used(uintptr_t sp);
uint32_t board_stack_program(void);

/* Inlined, so that the stack pointer is its caller's. */
static inline __attribute__((always_inline)) uintptr_t board_stack_start(void)
{
    board_stack_record();
    return board_stack_paint();
}

#endif
