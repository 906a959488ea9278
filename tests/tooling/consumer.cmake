# Builds and runs the consumer project against ctnn (cmake -P mode).
#   -DMODE=installed     cmake --install of the build tree into a fresh prefix, then
#                        find_package(ctnn CONFIG REQUIRED) with CMAKE_PREFIX_PATH = the prefix
#   -DMODE=subdirectory  the consumer pulls the source tree in with add_subdirectory
# Other arguments: CTNN_BUILD_DIR, CTNN_SOURCE_DIR, CONSUMER_SOURCE_DIR, WORK_DIR, GENERATOR,
# CXX_COMPILER, C_COMPILER, CTNN_VERSION.
cmake_minimum_required(VERSION 3.25)

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE output ERROR_VARIABLE output)
    if(NOT rc EQUAL 0)
        string(REPLACE ";" " " command "${ARGN}")
        message(FATAL_ERROR "failed (${rc}): ${command}\n${output}")
    endif()
    set(output "${output}" PARENT_SCOPE)
endfunction()

set(build ${WORK_DIR}/${MODE}-build)
# A fresh build every time: a cached ctnn_DIR from an earlier run would hide a broken package.
file(REMOVE_RECURSE ${build})
set(configure ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${build} -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=Release -DCTNN_EXPECTED_VERSION=${CTNN_VERSION})

if(MODE STREQUAL "installed")
    set(prefix ${WORK_DIR}/prefix)
    file(REMOVE_RECURSE ${prefix})
    run(${CMAKE_COMMAND} --install ${CTNN_BUILD_DIR} --prefix ${prefix})
    # Only the prefix may provide ctnn: no package registry, nothing else on the search path.
    run(${configure} -DCTNN_CONSUMER_MODE=installed -DCMAKE_PREFIX_PATH=${prefix}
        -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
        -DCTNN_EXPECTED_PREFIX=${prefix})
elseif(MODE STREQUAL "subdirectory")
    run(${configure} -DCTNN_CONSUMER_MODE=subdirectory -DCTNN_SOURCE_DIR=${CTNN_SOURCE_DIR}
        -DCMAKE_C_COMPILER=${C_COMPILER})
else()
    message(FATAL_ERROR "consumer.cmake: MODE must be installed or subdirectory, not '${MODE}'")
endif()
message(STATUS "configured:\n${output}")

run(${CMAKE_COMMAND} --build ${build})
run(${build}/ctnn_consumer)
message(STATUS "ran the consumer:\n${output}")
