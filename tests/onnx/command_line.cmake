cmake_minimum_required(VERSION 3.25)
# ctnn-gen --onnx on files that cannot be used: a clear message naming the problem, a non-zero
# exit, and no weights file written.
#   cmake -DMLP_DRIVER=<driver> -DFASHION_DRIVER=<driver> -DDATA=<PyTorch exports> -DWORK=<folder> -P command_line.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
file(WRITE "${WORK}/not_onnx.onnx" "this is not a protobuf message, just text\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E echo_append "" OUTPUT_FILE "${WORK}/empty.onnx")

set(failures 0)
function(expect_failure what expected driver)
    file(REMOVE "${WORK}/out.ctw")
    execute_process(COMMAND "${driver}" ${ARGN} --write-weights "${WORK}/out.ctw" RESULT_VARIABLE code
                    OUTPUT_VARIABLE out ERROR_VARIABLE err)
    string(FIND "${err}" "${expected}" found)
    if(code EQUAL 0 OR found EQUAL -1 OR EXISTS "${WORK}/out.ctw")
        message(SEND_ERROR "${what}: expected a failure mentioning '${expected}', got exit ${code}:\n${out}${err}")
        math(EXPR failures "${failures} + 1")
        set(failures ${failures} PARENT_SCOPE)
    else()
        message(STATUS "${what}: ${err}")
    endif()
endfunction()

expect_failure("missing file" "cannot read the ONNX file" "${MLP_DRIVER}" --onnx "${WORK}/missing.onnx")
expect_failure("not ONNX" "not a valid ONNX model" "${MLP_DRIVER}" --onnx "${WORK}/not_onnx.onnx")
expect_failure("empty file" "holds no graph" "${MLP_DRIVER}" --onnx "${WORK}/empty.onnx")
expect_failure("another architecture (MLP file, CNN type)" "does not have the shape of ctnn's input (28,28,1)"
    "${FASHION_DRIVER}" --onnx "${DATA}/mlp.onnx")
expect_failure("another architecture (CNN file, MLP type)" "expected [N, 20]" "${MLP_DRIVER}"
    --onnx "${DATA}/fashion.onnx")
expect_failure("--onnx and --weights" "excludes" "${MLP_DRIVER}" --onnx "${DATA}/mlp.onnx" --weights x.ctw)
expect_failure("--write-weights without parameters" "need the parameters" "${MLP_DRIVER}")
if(failures GREATER 0)
    message(FATAL_ERROR "${failures} command-line checks failed")
endif()
