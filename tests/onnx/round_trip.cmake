cmake_minimum_required(VERSION 3.25)
# ctnn -> ONNX -> ctnn must give the same parameters bit for bit, for each model: from the weights
# imported from PyTorch, and from ctnn's own initial weights (--init-seed). The files exported from
# the PyTorch imports (WORK/<model>.onnx) are then checked by check_export.py.
#   cmake -DDRIVERS=<ctnn-gen drivers> -DMODELS=<names> -DDATA=<PyTorch exports> -DWORK=<folder> -P round_trip.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT code EQUAL 0)
        message(FATAL_ERROR "failed (${code}): ${ARGN}\n${out}${err}")
    endif()
endfunction()

function(expect_same_file a b what)
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${a}" "${b}" RESULT_VARIABLE differ)
    if(differ)
        message(FATAL_ERROR "${what}: ${a} and ${b} differ")
    endif()
    file(SIZE "${a}" size)
    message(STATUS "${what}: identical (${size} bytes)")
endfunction()

foreach(driver model IN ZIP_LISTS DRIVERS MODELS)
    # PyTorch's parameters: imported, exported, imported again.
    run("${driver}" --onnx "${DATA}/${model}.onnx" --write-weights "${WORK}/${model}.ctw"
        --export-onnx "${WORK}/${model}.onnx")
    run("${driver}" --onnx "${WORK}/${model}.onnx" --write-weights "${WORK}/${model}.again.ctw")
    expect_same_file("${WORK}/${model}.ctw" "${WORK}/${model}.again.ctw" "${model}: PyTorch -> ctnn -> ONNX -> ctnn")
    # ctnn's own initial parameters.
    run("${driver}" --init-seed 42 --write-weights "${WORK}/${model}.seed.ctw" --export-onnx "${WORK}/${model}.seed.onnx")
    run("${driver}" --onnx "${WORK}/${model}.seed.onnx" --write-weights "${WORK}/${model}.seed.again.ctw")
    expect_same_file("${WORK}/${model}.seed.ctw" "${WORK}/${model}.seed.again.ctw" "${model}: ctnn -> ONNX -> ctnn")
    # Exporting the re-imported weights writes the same ONNX file.
    run("${driver}" --weights "${WORK}/${model}.again.ctw" --export-onnx "${WORK}/${model}.again.onnx")
    expect_same_file("${WORK}/${model}.onnx" "${WORK}/${model}.again.onnx" "${model}: exported twice")
endforeach()
