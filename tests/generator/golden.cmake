cmake_minimum_required(VERSION 3.25)
# The generated text of the XOR model against the golden files in golden/.
#   cmake -DGENERATED=<folder with xor_model.h/.c> -DGOLDEN=<tests/generator/golden> -P golden.cmake
# After an intended change to the generated code, regenerate the golden files with
#   cmake --build <build> --target update_generator_golden
# and review the difference (git diff tests/generator/golden) before committing it.
foreach(var GENERATED GOLDEN)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "golden.cmake needs -D${var}=...")
    endif()
endforeach()
find_program(DIFF diff)
set(mismatch FALSE)
foreach(name xor_model.h xor_model.c)
    execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${GOLDEN}/${name}" "${GENERATED}/${name}"
                    RESULT_VARIABLE differs)
    if(differs)
        set(mismatch TRUE)
        if(DIFF)
            # Straight to the output: message() would reflow the lines.
            execute_process(COMMAND "${DIFF}" -u "${GOLDEN}/${name}" "${GENERATED}/${name}")
        endif()
        message(SEND_ERROR "${GENERATED}/${name} differs from ${GOLDEN}/${name} (diff above). "
                           "If the change is intended: cmake --build <build> --target update_generator_golden")
    endif()
endforeach()
if(NOT mismatch)
    message(STATUS "xor_model.h and xor_model.c match the golden files")
endif()
