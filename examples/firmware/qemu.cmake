# ctnn_firmware_qemu_command(<variable> <qemu> <icount shift>): the command line that runs a
# firmware image (append the .elf): QEMU's MPS2-AN386, semihosting for the output and the exit
# status, no serial port or monitor, and -icount: one instruction every 2^shift ns of virtual
# time, which makes SysTick an instruction counter and every run identical.
include_guard(GLOBAL)

function(ctnn_firmware_qemu_command variable qemu shift)
    set(${variable} ${qemu} -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none
        -semihosting-config enable=on,target=native -icount shift=${shift},sleep=off -kernel PARENT_SCOPE)
endfunction()
