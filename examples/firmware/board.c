/* board.c: semihosting output, SysTick instruction counting and stack painting for MPS2-AN386.
 * Our own semihosting calls rather than newlib's rdimon: rdimon brings stdio, which allocates
 * its buffers with malloc and needs _sbrk; these few functions need neither. */
#include "board.h"

#include <string.h>

/* Semihosting operations (Arm's "Semihosting for AArch32 and AArch64"). */
#define SYS_WRITE0 0x04u
#define SYS_EXIT 0x18u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define ADP_STOPPED_RUNTIME_ERROR 0x20023u

/* A semihosting request: BKPT 0xAB with the operation in r0 and its argument in r1. */
static uint32_t semihost(uint32_t operation, const void *argument)
{
    register uint32_t r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = argument;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void board_write(const char *text) { (void)semihost(SYS_WRITE0, text); }

void board_write_hex(uint32_t value)
{
    static const char digits[] = "0123456789abcdef";
    char text[9];
    for (int i = 7; i >= 0; --i) {
        text[i] = digits[value & 0xfu];
        value >>= 4;
    }
    text[8] = '\0';
    board_write(text);
}

void board_write_uint(uint32_t value)
{
    char text[11];
    int i = 10;
    text[i] = '\0';
    do {
        text[--i] = (char)('0' + value % 10u);
        value /= 10u;
    } while (value != 0u);
    board_write(text + i);
}

void board_write_float_bits(float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits); /* the representation, not a conversion */
    board_write_hex(bits);
}

void board_write_fixed(float value, unsigned decimals)
{
    uint32_t scale = 1u;
    uint32_t whole;
    uint32_t fraction;
    if (value != value) {
        board_write("nan");
        return;
    }
    if (value < 0.0f) {
        board_write("-");
        value = -value;
    }
    for (unsigned i = 0; i < decimals; ++i) scale *= 10u;
    if (value >= 4.0e9f / (float)scale) {
        board_write("(large)");
        return;
    }
    whole = (uint32_t)(value * (float)scale + 0.5f);
    fraction = whole % scale;
    board_write_uint(whole / scale);
    if (decimals == 0u) return;
    board_write(".");
    for (uint32_t pad = scale / 10u; pad > fraction && pad > 1u; pad /= 10u) board_write("0");
    board_write_uint(fraction);
}

void board_exit(int status)
{
    if (status == 0) {
        (void)semihost(SYS_EXIT, (const void *)ADP_STOPPED_APPLICATION_EXIT);
    } else {
        /* The extended call carries the status; a debugger without it reports a plain error. */
        const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
        (void)semihost(SYS_EXIT_EXTENDED, block);
        (void)semihost(SYS_EXIT, (const void *)ADP_STOPPED_RUNTIME_ERROR);
    }
    for (;;) __asm__ volatile("wfi");
}

/* newlib's libm reports range errors through *__errno(). newlib's own __errno points into its
 * reentrancy structure (_impure_data: 96 bytes of RAM in newlib-nano); one thread needs one int. */
int *__errno(void);
int *__errno(void)
{
    static int error_number;
    return &error_number;
}

/* --- SysTick ------------------------------------------------------------------------------- */
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04u)
#define SYST_CSR_ENABLE 1u
#define SYST_CSR_TICKINT 2u
#define SYST_CSR_CLKSOURCE 4u /* the CPU clock, not the external reference */
#define ICSR_PENDSTSET (1u << 26)
#define ICSR_PENDSTCLR (1u << 25)
#define SYST_RELOAD 0x00FFFFFFu

/* Wraps of the 24-bit counter (every 2^24 ticks) while a measurement runs. */
static volatile uint32_t systick_wraps;
static uint32_t systick_start;

void SysTick_Handler(void) { systick_wraps = systick_wraps + 1u; }

void board_ticks_start(void)
{
    SYST_CSR = 0u;
    SYST_RVR = SYST_RELOAD;
    SYST_CVR = 0u; /* any write clears the counter: it reloads on the next tick */
    systick_wraps = 0u;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
    /* The counter stays 0 until the first tick reloads it: start from there. */
    while ((systick_start = SYST_CVR) == 0u) {
    }
}

uint32_t board_ticks_stop(void)
{
    const uint32_t now = SYST_CVR;
    uint32_t wraps;
    SYST_CSR = 0u;
    wraps = systick_wraps;
    if ((SCB_ICSR & ICSR_PENDSTSET) != 0u) {
        /* A wrap the handler has not counted yet: it came before `now` was read if the counter
         * had restarted from the top by then. */
        SCB_ICSR = ICSR_PENDSTCLR;
        if (now > SYST_RELOAD / 2u) wraps += 1u;
    }
    return wraps * (SYST_RELOAD + 1u) + systick_start - now;
}

/* --- stack ---------------------------------------------------------------------------------- */
#define STACK_PAINT 0xC0FFEE11u
extern uint32_t __stack_bottom[], __stack_top[];

/* The lowest stack address the program had used when the last repaint began; 0 before one. */
static uintptr_t stack_lowest;

/* The lowest word that no longer holds the paint. */
static uintptr_t stack_lowest_used(void)
{
    const uint32_t *word = __stack_bottom;
    while ((uintptr_t)word < (uintptr_t)__stack_top && *word == STACK_PAINT) ++word;
    return (uintptr_t)word;
}

/* Assembly, so that it pushes nothing: the sp it reads is the caller's, and it paints exactly the
 * free stack below it. */
__attribute__((naked)) uintptr_t board_stack_paint(void)
{
    __asm__("    mov   r0, sp\n"
            "    ldr   r1, =__stack_bottom\n"
            "    ldr   r2, =0xC0FFEE11\n" /* STACK_PAINT */
            "1:  cmp   r1, r0\n"
            "    bhs   2f\n"
            "    str   r2, [r1], #4\n"
            "    b     1b\n"
            "2:  bx    lr\n");
}

void board_stack_record(void)
{
    const uintptr_t lowest = stack_lowest_used();
    if (stack_lowest == 0u || lowest < stack_lowest) stack_lowest = lowest;
}

uint32_t board_stack_used(uintptr_t sp) { return (uint32_t)(sp - stack_lowest_used()); }

uint32_t board_stack_program(void)
{
    board_stack_record();
    return (uint32_t)((uintptr_t)__stack_top - stack_lowest);
}
