/* startup.c: the Cortex-M4F's vector table and reset handler for MPS2-AN386, and fault handlers
 * that report over semihosting instead of hanging. */
#include <stdint.h>

#include "board.h"
#include "report.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[], __stack_top[];
int main(void);
void Reset_Handler(void);
void Fault_Handler(void);
void SysTick_Handler(void);

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t *)0xE000ED2Cu)
#define CPACR_CP10_CP11_FULL (0xFu << 20)

/* The core's 16 exceptions; no peripheral interrupt is enabled, so none follows them. */
__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)__stack_top, /* initial main stack pointer */
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault, e.g. an FPU instruction with the FPU off */
    0, 0, 0, 0,
    Fault_Handler, /* SVCall */
    Fault_Handler, /* DebugMonitor */
    0,
    Fault_Handler, /* PendSV */
    SysTick_Handler,
};

void Reset_Handler(void)
{
    int status;
    /* The FPU first: -mfloat-abi=hard code faults on its first float instruction without it. */
    SCB_CPACR |= CPACR_CP10_CP11_FULL;
    __asm__ volatile("dsb\n\tisb" ::: "memory");

    for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) *dst++ = *src++;
    for (uint32_t *dst = __bss_start; dst < __bss_end;) *dst++ = 0u;

    (void)board_stack_paint();
    status = main();
    report_stack("program", board_stack_program());
    board_exit(status);
}

void Fault_Handler(void)
{
    board_write("fault: CFSR ");
    board_write_hex(SCB_CFSR);
    board_write(" HFSR ");
    board_write_hex(SCB_HFSR);
    board_write("\n");
    board_exit(70);
}
