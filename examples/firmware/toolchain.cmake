# CMake toolchain file: bare-metal Arm Cortex-M4F with Debian's arm-none-eabi-gcc and newlib
# (packages gcc-arm-none-eabi, libnewlib-arm-none-eabi).
#   cmake -S examples/firmware -B build-fw  (CMakeLists.txt picks this file), or --toolchain <this file>
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
# There is no OS to run a test program on: CMake's compiler checks build a static library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# The Cortex-M4F's single-precision FPU, with floats passed in FPU registers.
set(CTNN_CORTEX_M4F_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(CMAKE_C_FLAGS_INIT "${CTNN_CORTEX_M4F_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${CTNN_CORTEX_M4F_FLAGS}")
# newlib-nano: the smallest memcpy/memset; no start files, the firmware brings its own.
set(CMAKE_EXE_LINKER_FLAGS_INIT "${CTNN_CORTEX_M4F_FLAGS} --specs=nano.specs -nostartfiles")

# Programs (the host's cmake, qemu) come from the host; headers and libraries from the toolchain.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
