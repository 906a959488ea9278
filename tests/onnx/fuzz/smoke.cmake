cmake_minimum_required(VERSION 3.25)
# A short libFuzzer run of the ONNX importer from the given seeds: fails on any finding (crash,
# sanitizer report, leak, an input taking over 10 s, an allocation above 512 MB or RSS above 2 GB).
#   cmake -DFUZZER=<fuzz_onnx_import> -DSEEDS=<files> -DSECONDS=<n> -DWORK=<folder> -P smoke.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/seeds")
file(COPY ${SEEDS} DESTINATION "${WORK}/seeds")
execute_process(COMMAND "${FUZZER}" -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512
                        -print_final_stats=1 "-artifact_prefix=${WORK}/" "${WORK}/corpus" "${WORK}/seeds"
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCH "stat::number_of_executed_units: *[0-9]+" executed "${err}")
if(NOT code EQUAL 0)
    message(FATAL_ERROR "the fuzzer found something (exit ${code}); the input is in ${WORK}:\n${err}")
endif()
message(STATUS "fuzz_onnx_import: ${SECONDS} s without findings (${executed})")
