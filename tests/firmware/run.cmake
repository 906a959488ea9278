cmake_minimum_required(VERSION 3.25)
# Runs one firmware image under QEMU (twice: the runs must print the same), keeps what it printed
# in <WORK>/<IMAGE>.log, and has firmware_check compare it with the host (which writes
# <WORK>/<IMAGE>.summary).
#   cmake "-DQEMU=<qemu command, up to -kernel>" -DELF=<image> -DIMAGE=<name> -DCHECK=<firmware_check>
#         -DSHIFT=<icount shift> -DWORK=<dir> -P run.cmake
foreach(var QEMU ELF IMAGE CHECK SHIFT WORK)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "run.cmake needs -D${var}=...")
    endif()
endforeach()
file(MAKE_DIRECTORY "${WORK}")
set(log "${WORK}/${IMAGE}.log")
file(REMOVE "${log}" "${WORK}/${IMAGE}.summary")

# Semihosting writes to QEMU's stderr; the exit status is the firmware's. Twice: with -icount the
# two runs, instruction counts included, must print the same.
foreach(run 1 2)
    execute_process(COMMAND ${QEMU} "${ELF}" OUTPUT_VARIABLE stdout ERROR_VARIABLE output_${run}
                    RESULT_VARIABLE status TIMEOUT 60)
    file(WRITE "${log}" "${output_${run}}")
    if(NOT status EQUAL 0)
        message(FATAL_ERROR "${IMAGE}: the firmware ended with status ${status}:\n${stdout}${output_${run}}")
    endif()
endforeach()
if(NOT output_1 STREQUAL output_2)
    message(FATAL_ERROR "${IMAGE}: two runs under QEMU -icount printed different things:\n${output_1}\n---\n${output_2}")
endif()

execute_process(COMMAND "${CHECK}" ${IMAGE} "${log}" ${SHIFT} "${WORK}/${IMAGE}.summary" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "${IMAGE}: the device does not agree with the host (its output: ${log})")
endif()
