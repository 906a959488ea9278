cmake_minimum_required(VERSION 3.25)
# The firmware's footprint, measured: for each image, flash and RAM split by owner from the link
# map, the stack peaks and instruction counts the device reported (firmware_check's summaries),
# against ctnn's compile-time figures and the floor. Writes a Markdown table to OUT and fails when
#   - an image is not hard-float Cortex-M4F code (VFPv4-D16, floats in FPU registers),
#   - the weights table is not exactly the parameter bytes,
#   - the XOR MLP's code (its functions and the library code only they need) reaches 2 KiB,
#   - an image's RAM exceeds its floor by more than 5% plus 512 bytes.
#   cmake -DREADELF=<arm-none-eabi-readelf> -DIMAGES=<dir with .elf/.map> -DMODELS=<generated C>
#         -DRUNS=<dir with .summary> -DSHIFT=<icount shift> -DOUT=<file.md> -P footprint.cmake
foreach(var READELF IMAGES MODELS RUNS SHIFT OUT)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "footprint.cmake needs -D${var}=...")
    endif()
endforeach()

set(failures "")
macro(fail text)
    list(APPEND failures "${text}")
endmacro()

# key=value lines of firmware_check's summary become summary_<key>.
function(read_summary image)
    set(file "${RUNS}/${image}.summary")
    if(NOT EXISTS "${file}")
        message(FATAL_ERROR "${file} is missing: run the firmware_${image} test first")
    endif()
    file(STRINGS "${file}" lines)
    foreach(entry IN LISTS lines)
        if(entry MATCHES "^([a-z_]+)=(.*)$")
            set(summary_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}" PARENT_SCOPE)
        endif()
    endforeach()
endfunction()

# A macro of the generated header, e.g. generated(XOR_MODEL_PARAM_BYTES).
function(generated_figure variable header macro)
    file(READ "${MODELS}/${header}" text)
    if(text MATCHES "#define ${macro} +([0-9]+)")
        set(${variable} ${CMAKE_MATCH_1} PARENT_SCOPE)
    else()
        set(${variable} 0 PARENT_SCOPE)
    endif()
endfunction()

function(hex_to_decimal variable hex)
    math(EXPR value "0x${hex}" OUTPUT_FORMAT DECIMAL)
    set(${variable} ${value} PARENT_SCOPE)
endfunction()

# Splits one image's link map. Sets, in bytes:
#   model_code      the generated functions (and any constants of theirs but the weights)
#   model_library   library code linked only because the generated code calls it (expf, ...)
#   weights         the <prefix>_weights table
#   test_inputs     the fixed inputs of firmware_inputs.c
#   flash_total     .text + .ARM.exidx + the initial values of .data
#   model_ram       the application's static buffers (scratch, outputs, training state)
#   static_ram      .data + .bss (without the stack reservation)
#   model_frame     the largest stack frame of a linked generated function (-fstack-usage)
function(split_map image prefix app_object)
    file(READ "${IMAGES}/${image}.map" map)
    string(FIND "${map}" "Archive member included" archive_start)
    string(FIND "${map}" "Discarded input sections" discarded_start)
    string(FIND "${map}" "Linker script and memory map" layout_start)
    # No such section when nothing comes from a library (a model without expf, say).
    set(archive "")
    if(archive_start GREATER_EQUAL 0)
        math(EXPR archive_length "${discarded_start} - ${archive_start}")
        string(SUBSTRING "${map}" ${archive_start} ${archive_length} archive)
    endif()
    string(SUBSTRING "${map}" ${layout_start} -1 layout)

    # Archive members the generated code needs, directly or through other members.
    set(model_members "")
    string(REGEX MATCHALL "\n[^ \n][^\n]*\\)\n +[^\n]* \\([^()\n]+\\)" pulls "${archive}")
    set(changed TRUE)
    while(changed)
        set(changed FALSE)
        foreach(pull IN LISTS pulls)
            if(pull MATCHES "\n([^ \n][^\n]*\\))\n +([^\n]*) \\([^()\n]+\\)")
                set(member "${CMAKE_MATCH_1}")
                set(requester "${CMAKE_MATCH_2}")
                if(NOT member IN_LIST model_members AND (requester MATCHES "/${prefix}\\.c\\.obj$"
                                                           OR requester IN_LIST model_members))
                    list(APPEND model_members "${member}")
                    set(changed TRUE)
                endif()
            endif()
        endforeach()
    endwhile()

    foreach(part model_code model_library weights test_inputs model_ram)
        set(${part} 0)
    endforeach()
    string(REGEX MATCHALL "\n (\\.[^ \n]+)[ \n]+0x[0-9a-f]+ +0x[0-9a-f]+ [^\n]+" sections "${layout}")
    foreach(entry IN LISTS sections)
        if(NOT entry MATCHES "\n (\\.[^ \n]+)[ \n]+0x[0-9a-f]+ +0x([0-9a-f]+) ([^\n]+)")
            continue()
        endif()
        set(section "${CMAKE_MATCH_1}")
        hex_to_decimal(bytes ${CMAKE_MATCH_2})
        set(file "${CMAKE_MATCH_3}")
        if(section MATCHES "^\\.(debug|comment|ARM\\.attributes)")
            continue()
        endif()
        set(in_ram FALSE)
        if(section MATCHES "^\\.(bss|data)")
            set(in_ram TRUE)
        endif()
        if(file MATCHES "/${prefix}\\.c\\.obj$")
            if(section STREQUAL ".rodata.${prefix}_weights")
                math(EXPR weights "${weights} + ${bytes}")
            elseif(NOT in_ram)
                math(EXPR model_code "${model_code} + ${bytes}")
            endif()
        elseif(file IN_LIST model_members AND NOT in_ram)
            math(EXPR model_library "${model_library} + ${bytes}")
        elseif(file MATCHES "/firmware_inputs\\.c\\.obj$")
            math(EXPR test_inputs "${test_inputs} + ${bytes}")
        elseif(file MATCHES "/${app_object}\\.c\\.obj$" AND in_ram)
            math(EXPR model_ram "${model_ram} + ${bytes}")
        endif()
    endforeach()

    # Output sections: ".text  0x00000000  0x1048", possibly with the name on a line of its own.
    foreach(output text ARM.exidx data bss)
        string(REPLACE "." "\\." name "${output}")
        set(${output}_size 0)
        if(layout MATCHES "\n\\.${name}[ \n]+0x[0-9a-f]+ +0x([0-9a-f]+)")
            hex_to_decimal(${output}_size ${CMAKE_MATCH_1})
        endif()
    endforeach()
    math(EXPR flash_total "${text_size} + ${ARM.exidx_size} + ${data_size}")
    math(EXPR static_ram "${data_size} + ${bss_size}")
    # -fstack-usage: the largest frame among the generated functions linked into the image.
    set(model_frame 0)
    file(GLOB_RECURSE su_files "${IMAGES}/CMakeFiles/*/${prefix}.c.su")
    foreach(su IN LISTS su_files)
        file(STRINGS "${su}" frames)
        foreach(frame IN LISTS frames)
            if(frame MATCHES ":([A-Za-z0-9_]+)\t([0-9]+)\t")
                set(function ${CMAKE_MATCH_1})
                set(bytes ${CMAKE_MATCH_2})
                if(layout MATCHES "\n \\.text\\.${function}[ \n]" AND bytes GREATER model_frame)
                    set(model_frame ${bytes})
                endif()
            endif()
        endforeach()
    endforeach()
    foreach(part model_code model_library weights test_inputs model_ram flash_total static_ram model_frame)
        set(${part} ${${part}} PARENT_SCOPE)
    endforeach()
endfunction()

# Percent with one decimal, from integers.
function(percent variable part whole)
    if(whole EQUAL 0)
        set(${variable} "-" PARENT_SCOPE)
        return()
    endif()
    math(EXPR tenths "(${part} * 1000 + ${whole} / 2) / ${whole}")
    math(EXPR integral "${tenths} / 10")
    math(EXPR decimal "${tenths} % 10")
    if(tenths LESS 0)
        math(EXPR integral "-(-${tenths} / 10)")
        math(EXPR decimal "-${tenths} % 10")
    endif()
    set(${variable} "${integral}.${decimal}%" PARENT_SCOPE)
endfunction()

# --- per image ---------------------------------------------------------------------------------
set(columns xor_infer xor_train fashion_infer)
set(xor_infer_prefix xor_model)
set(xor_train_prefix xor_model)
set(fashion_infer_prefix fashion_model)
set(xor_infer_title "XOR 2-5-1, inference")
set(xor_train_title "XOR 2-5-1, training (Adam)")
set(fashion_infer_title "Fashion-MNIST CNN, inference")

foreach(image IN LISTS columns)
    set(prefix ${${image}_prefix})
    string(TOUPPER ${prefix} upper)
    execute_process(COMMAND "${READELF}" -A "${IMAGES}/${image}.elf" OUTPUT_VARIABLE attributes)
    if(NOT attributes MATCHES "Tag_FP_arch: VFPv4-D16" OR NOT attributes MATCHES "Tag_ABI_VFP_args: VFP registers")
        fail("${image}: not hard-float code for the FPv4-SP-D16 FPU")
    endif()

    split_map(${image} ${prefix} ${image})
    read_summary(${image})
    generated_figure(param_bytes ${prefix}.h ${upper}_PARAM_BYTES)
    generated_figure(scratch_bytes ${prefix}.h ${upper}_INFER_SCRATCH_BYTES)
    generated_figure(workspace_bytes ${prefix}.h ${upper}_TRAIN_WORKSPACE_BYTES)
    generated_figure(output_size ${prefix}.h ${upper}_OUTPUT_SIZE)
    math(EXPR ram_total "${static_ram} + ${summary_stack_program}")
    math(EXPR runtime_ram "${static_ram} - ${model_ram}")
    math(EXPR harness_flash "${flash_total} - ${model_code} - ${model_library} - ${weights} - ${test_inputs}")
    math(EXPR model_code_total "${model_code} + ${model_library}")

    if(image STREQUAL "xor_train")
        # Parameters, gradients and Adam's two moments in RAM, and the activations backward needs.
        math(EXPR floor "4 * ${param_bytes} + ${workspace_bytes}")
        set(floor_text "4 x parameters + workspace")
        set(instructions "${summary_instructions_epoch} per epoch (4 samples, 1 Adam step)")
        set(agreement "${summary_loss_bit_identical}/${summary_loss_points} loss points, ${summary_bit_identical}/${summary_values} parameters")
    else()
        set(floor ${summary_activation_floor_bytes})
        set(floor_text "largest live activations")
        if(summary_instructions_min EQUAL summary_instructions_max)
            set(instructions "${summary_instructions_min} per inference")
        else()
            set(instructions "${summary_instructions_min} to ${summary_instructions_max} per inference")
        endif()
        set(agreement "${summary_bit_identical}/${summary_values} outputs, classes ${summary_same_class}/${summary_samples}")
    endif()
    if(workspace_bytes EQUAL 0)
        set(workspace_bytes "n/a (no training)")
    endif()
    math(EXPR over "${ram_total} - ${floor}")
    percent(over_percent ${over} ${floor})

    if(NOT weights EQUAL summary_parameter_bytes)
        fail("${image}: the weights take ${weights} bytes of flash, not the ${summary_parameter_bytes} parameter bytes")
    endif()
    if(image STREQUAL "xor_infer" AND NOT model_code_total LESS 2048)
        fail("${image}: the MLP's code takes ${model_code_total} bytes, not under 2 KiB")
    endif()
    math(EXPR limit "${floor} + ${floor} / 20 + 512")
    if(ram_total GREATER limit)
        fail("${image}: ${ram_total} bytes of RAM, more than the floor (${floor}) + 5% + 512")
    endif()

    set(${image}_cells
        "${model_code}" "${model_library}" "${model_code_total}" "${weights}" "${summary_parameter_bytes}"
        "${test_inputs}" "${harness_flash}" "${flash_total}"
        "${model_ram}" "${scratch_bytes}" "${summary_ctnn_inference_scratch_bytes}" "${workspace_bytes}"
        "${summary_ctnn_training_workspace_bytes}" "${summary_stack_call}" "${model_frame}" "${runtime_ram}"
        "${summary_stack_program}" "${ram_total}" "${floor} (${floor_text})" "+${over} (${over_percent})"
        "${instructions}" "${agreement}")
endforeach()

set(row_titles
    "Flash: generated model code"
    "Flash: library code only the model needs (expf, ...)"
    "**Flash: model code, total**"
    "Flash: weights (const table)"
    "ctnn `parameter_bytes` (floor of the weights)"
    "Flash: test inputs"
    "Flash: harness (vectors, startup, semihosting, main)"
    "**Flash total**"
    "RAM: model buffers (static)"
    "generated `INFER_SCRATCH_BYTES`"
    "ctnn `inference_scratch_bytes`"
    "generated `TRAIN_WORKSPACE_BYTES`"
    "ctnn `training_workspace_bytes`"
    "RAM: stack of one model call (peak, painted)"
    "largest frame of a generated function (-fstack-usage)"
    "RAM: runtime statics (timer, errno, libm)"
    "RAM: stack of the whole program (peak, painted)"
    "**RAM total** (statics + program stack)"
    "RAM floor"
    "RAM over the floor"
    "Instructions (QEMU -icount, SysTick)"
    "Device = host, bit for bit")

set(table "| bytes unless noted | ${xor_infer_title} | ${xor_train_title} | ${fashion_infer_title} |\n")
string(APPEND table "|---|---:|---:|---:|\n")
list(LENGTH row_titles rows)
math(EXPR last "${rows} - 1")
foreach(row RANGE ${last})
    list(GET row_titles ${row} title)
    string(APPEND table "| ${title} |")
    foreach(image IN LISTS columns)
        list(GET ${image}_cells ${row} cell)
        string(APPEND table " ${cell} |")
    endforeach()
    string(APPEND table "\n")
endforeach()
file(WRITE "${OUT}" "${table}")
message(STATUS "Firmware footprint (arm-none-eabi-gcc -Os, Cortex-M4F; also in ${OUT}):\n${table}")

if(failures)
    string(REPLACE ";" "\n  " failures "${failures}")
    message(FATAL_ERROR "firmware footprint:\n  ${failures}")
endif()
