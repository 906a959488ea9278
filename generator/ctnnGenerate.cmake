# ctnnGenerate.cmake: ctnn_add_model(), the CMake face of ctnn-gen.
#
#   ctnn_add_model(<target>
#       HEADER <file>            header that declares the model type (absolute, or relative to this folder)
#       TYPE <type>              the model type, e.g. xor_net or my::nets::classifier
#       [NAME <prefix>]          C prefix and file stem; default <target>. Letters, digits and '_'.
#       [WEIGHTS <file> |        ctnn weights file: becomes the const table <prefix>_weights
#        INIT_SEED <n> [INITIALIZER xavier_uniform|he_uniform] |
#                                or the initial parameters ctnn::initialize draws from seed <n>
#        ONNX <file>]            or the parameters imported from an ONNX model of the same
#                                architecture (e.g. exported by PyTorch); needs libonnx-dev
#       [FOLD_BATCH_NORM]        fold each batch_norm after dense/conv2d/depthwise_conv2d into that layer
#                                for <prefix>_infer, which then takes <prefix>_infer_weights (needs
#                                WEIGHTS or INIT_SEED)
#       [TRAINING]               also forward, backward, sgd and adam steps
#       [LOSS mse|binary_cross_entropy|softmax_cross_entropy]
#                                also <prefix>_train_sample (needs TRAINING)
#       [OUTPUT_DIR <dir>]       default ${CMAKE_CURRENT_BINARY_DIR}/<target>
#       [INCLUDE_DIRECTORIES <dir>...]  what the model header's own #includes need
#       [DEPENDS <file or target>...])  more reasons to regenerate (e.g. the target writing WEIGHTS)
#
# Builds a small driver, <target>_ctnn_gen, that includes HEADER; runs it at build time to write
# <OUTPUT_DIR>/<prefix>.h and <prefix>.c; and adds the static library <target> made of them, with
# OUTPUT_DIR as its public include directory. The files are regenerated when the driver changes
# (the model header, ctnn or the generator changed) or the weights file does, and only then.
# The driver needs {fmt} and CLI11 (Debian: libfmt-dev, libcli11-dev) on the build machine only.
# In a cross build (CMAKE_CROSSCOMPILING, e.g. an arm-none-eabi toolchain file) the driver is
# built by a nested project with the build machine's default compilers, and only the generated
# library is compiled for the target.
include_guard(GLOBAL)

# Variables are scoped to directories, functions are global: remember where the generator's
# sources are (beside this file, in the source tree and once installed) in a global property.
set_property(GLOBAL PROPERTY CTNN_GENERATOR_DIR "${CMAKE_CURRENT_LIST_DIR}")

# ONNX import and export (--onnx, --export-onnx): with Debian's libonnx-dev and libprotobuf-dev
# when found, otherwise a stand-in whose entry points say that ONNX support was not built.
# CTNN_GEN_ONNX=OFF leaves it out on purpose.
option(CTNN_GEN_ONNX "Build ctnn-gen's ONNX import and export when libonnx-dev is found" ON)
function(_ctnn_generator_onnx dir)
    if(TARGET ctnn_gen_onnx)
        return()
    endif()
    if(CTNN_GEN_ONNX)
        find_package(Protobuf QUIET)
        if(Protobuf_FOUND)
            find_package(ONNX QUIET)
        endif()
    endif()
    if(CTNN_GEN_ONNX AND Protobuf_FOUND AND ONNX_FOUND AND TARGET onnx_proto)
        add_library(ctnn_gen_onnx STATIC
            ${dir}/onnx/activation_layout.cpp ${dir}/onnx/attributes.cpp ${dir}/onnx/tensor_values.cpp
            ${dir}/onnx/graph_chain.cpp ${dir}/onnx/layer_text.cpp ${dir}/onnx/recurrent_gates.cpp ${dir}/onnx/import.cpp
            ${dir}/onnx/export.cpp)
        # Visible from every directory, all of ONNX's export set or none (its config file refuses
        # to load a second time when only some of its targets exist).
        foreach(imported onnx onnx_proto onnxifi onnxifi_dummy onnxifi_loader onnxifi_wrapper protobuf::libprotobuf)
            if(TARGET ${imported})
                get_target_property(is_global ${imported} IMPORTED_GLOBAL)
                if(NOT is_global)
                    set_target_properties(${imported} PROPERTIES IMPORTED_GLOBAL TRUE)
                endif()
            endif()
        endforeach()
        target_link_libraries(ctnn_gen_onnx PRIVATE onnx_proto protobuf::libprotobuf)
        set_property(GLOBAL PROPERTY CTNN_GEN_HAS_ONNX ON)
    else()
        add_library(ctnn_gen_onnx STATIC ${dir}/onnx/unavailable.cpp)
        message(STATUS "ctnn-gen: ONNX import/export not built (libonnx-dev and libprotobuf-dev not found)")
    endif()
    target_include_directories(ctnn_gen_onnx PUBLIC ${dir})
    target_compile_features(ctnn_gen_onnx PUBLIC cxx_std_20)
    target_link_libraries(ctnn_gen_onnx PUBLIC ctnn::ctnn PRIVATE fmt::fmt)
    target_compile_options(ctnn_gen_onnx PRIVATE $<$<CXX_COMPILER_ID:GNU,Clang,AppleClang>:-fexceptions -frtti>)
    if(TARGET ctnn_strict)
        target_link_libraries(ctnn_gen_onnx PRIVATE ctnn_strict)
    endif()
endfunction()

# ctnn_gen_has_onnx(<variable>): sets <variable> to ON when ctnn-gen is built with ONNX support
# (ctnn_add_model's ONNX option, --onnx, --export-onnx), OFF otherwise.
function(ctnn_gen_has_onnx variable)
    _ctnn_generator_core()
    get_property(has_onnx GLOBAL PROPERTY CTNN_GEN_HAS_ONNX)
    if(has_onnx)
        set(${variable} ON PARENT_SCOPE)
    else()
        set(${variable} OFF PARENT_SCOPE)
    endif()
endfunction()

# The generator's model-independent part, compiled once per build tree.
function(_ctnn_generator_core)
    if(TARGET ctnn_gen_core)
        return()
    endif()
    get_property(dir GLOBAL PROPERTY CTNN_GENERATOR_DIR)
    find_package(fmt REQUIRED)
    find_package(CLI11 REQUIRED)
    # Visible from every directory: drivers in other folders link through ctnn_gen_core.
    foreach(imported fmt::fmt CLI11::CLI11)
        get_target_property(is_global ${imported} IMPORTED_GLOBAL)
        get_target_property(aliased ${imported} ALIASED_TARGET)
        get_target_property(defined_in ${imported} SOURCE_DIR)
        if(NOT is_global AND NOT aliased AND defined_in STREQUAL CMAKE_CURRENT_SOURCE_DIR)
            set_target_properties(${imported} PROPERTIES IMPORTED_GLOBAL TRUE)
        endif()
    endforeach()
    add_library(ctnn_gen_core STATIC
        ${dir}/src/writer.cpp ${dir}/src/plan.cpp ${dir}/src/generate.cpp ${dir}/src/cli.cpp
        ${dir}/src/onnx_files.cpp)
    target_include_directories(ctnn_gen_core PUBLIC ${dir})
    target_compile_features(ctnn_gen_core PUBLIC cxx_std_20)
    target_link_libraries(ctnn_gen_core PUBLIC ctnn::ctnn PRIVATE fmt::fmt CLI11::CLI11)
    _ctnn_generator_onnx("${dir}")
    target_link_libraries(ctnn_gen_core PUBLIC ctnn_gen_onnx)
    # A firmware project may build everything with -fno-exceptions; this host tool needs them.
    target_compile_options(ctnn_gen_core PRIVATE $<$<CXX_COMPILER_ID:GNU,Clang,AppleClang>:-fexceptions -frtti>)
    if(TARGET ctnn_strict)
        target_link_libraries(ctnn_gen_core PRIVATE ctnn_strict)
    endif()
endfunction()

function(ctnn_add_model target)
    cmake_parse_arguments(PARSE_ARGV 1 arg "TRAINING;FOLD_BATCH_NORM"
        "HEADER;TYPE;NAME;WEIGHTS;INIT_SEED;INITIALIZER;ONNX;LOSS;OUTPUT_DIR" "INCLUDE_DIRECTORIES;DEPENDS")
    if(arg_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "ctnn_add_model(${target}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
    endif()
    foreach(required HEADER TYPE)
        if(NOT arg_${required})
            message(FATAL_ERROR "ctnn_add_model(${target}): ${required} is required")
        endif()
    endforeach()
    if(NOT arg_NAME)
        set(arg_NAME ${target})
    endif()
    if(NOT arg_NAME MATCHES "^[A-Za-z][A-Za-z0-9_]*$")
        string(MAKE_C_IDENTIFIER "${arg_NAME}" suggestion)
        message(FATAL_ERROR "ctnn_add_model(${target}): NAME '${arg_NAME}' must start with a letter and hold "
                            "letters, digits and '_' only (e.g. NAME ${suggestion})")
    endif()
    set(sources 0)
    foreach(source WEIGHTS INIT_SEED ONNX)
        if(DEFINED arg_${source})
            math(EXPR sources "${sources} + 1")
        endif()
    endforeach()
    if(sources GREATER 1)
        message(FATAL_ERROR "ctnn_add_model(${target}): give one of WEIGHTS, INIT_SEED and ONNX")
    endif()
    if(arg_LOSS AND NOT arg_TRAINING)
        message(FATAL_ERROR "ctnn_add_model(${target}): LOSS needs TRAINING")
    endif()
    if(arg_FOLD_BATCH_NORM AND sources EQUAL 0)
        message(FATAL_ERROR "ctnn_add_model(${target}): FOLD_BATCH_NORM needs WEIGHTS, INIT_SEED or ONNX (the folded "
                            "parameters are computed when the C is generated)")
    endif()
    if(NOT TARGET ctnn::ctnn)
        message(FATAL_ERROR "ctnn_add_model(${target}): the ctnn::ctnn target is missing: use find_package(ctnn) "
                            "or add_subdirectory(<ctnn>) first")
    endif()

    get_filename_component(header "${arg_HEADER}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    get_filename_component(header_name "${header}" NAME)
    if(NOT EXISTS "${header}")
        message(FATAL_ERROR "ctnn_add_model(${target}): HEADER ${header} does not exist")
    endif()
    if(arg_OUTPUT_DIR)
        get_filename_component(out "${arg_OUTPUT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    else()
        set(out "${CMAKE_CURRENT_BINARY_DIR}/${target}")
    endif()

    # The driver: the user's header plus ctnn_gen::main<TYPE>.
    set(driver_dir "${CMAKE_CURRENT_BINARY_DIR}/ctnn_gen_drivers/${target}")
    string(REPLACE "\\" "\\\\" type_literal "${arg_TYPE}")
    string(REPLACE "\"" "\\\"" type_literal "${type_literal}")
    file(CONFIGURE OUTPUT "${driver_dir}/driver.cpp" CONTENT
"// Generated by ctnn_add_model(${target}): the ctnn-gen driver for ${arg_TYPE}.
#include \"${header}\"

#include <ctnn_gen/describe.hpp>

int main(int argc, char** argv) { return ctnn_gen::main<${arg_TYPE}>(argc, argv, \"${type_literal}\"); }
")
    if(CMAKE_CROSSCOMPILING AND NOT CMAKE_CROSSCOMPILING_EMULATOR)
        # The target cannot run the driver: build it for this machine in a nested project.
        include(ExternalProject)
        get_property(generator_dir GLOBAL PROPERTY CTNN_GENERATOR_DIR)
        get_target_property(ctnn_includes ctnn::ctnn INTERFACE_INCLUDE_DIRECTORIES)
        string(REGEX REPLACE "\\$<INSTALL_INTERFACE:[^>]*>" "" ctnn_includes "${ctnn_includes}")
        string(REGEX REPLACE "\\$<BUILD_INTERFACE:([^>]*)>" "\\1" ctnn_includes "${ctnn_includes}")
        set(host_build "${driver_dir}/host")
        set(driver "${host_build}/${target}_ctnn_gen${CMAKE_HOST_EXECUTABLE_SUFFIX}")
        ExternalProject_Add(${target}_ctnn_gen
            SOURCE_DIR "${generator_dir}/host"
            BINARY_DIR "${host_build}"
            CMAKE_CACHE_ARGS
                "-DCTNN_GEN_DIR:PATH=${generator_dir}"
                "-DCTNN_INCLUDE_DIRS:STRING=${ctnn_includes}"
                "-DDRIVER_SOURCE:FILEPATH=${driver_dir}/driver.cpp"
                "-DDRIVER_NAME:STRING=${target}_ctnn_gen"
                "-DEXTRA_INCLUDE_DIRS:STRING=${arg_INCLUDE_DIRECTORIES}"
                "-DCMAKE_BUILD_TYPE:STRING=Release"
            INSTALL_COMMAND ""
            # The nested build runs every time (it is incremental); the C is regenerated only
            # when it relinked the driver.
            BUILD_ALWAYS ON
            BUILD_BYPRODUCTS "${driver}")
        set(command "${driver}")
        set(depends ${target}_ctnn_gen "${driver}" ${arg_DEPENDS})
    else()
        _ctnn_generator_core()
        add_executable(${target}_ctnn_gen "${driver_dir}/driver.cpp")
        target_link_libraries(${target}_ctnn_gen PRIVATE ctnn_gen_core ctnn::ctnn)
        target_include_directories(${target}_ctnn_gen PRIVATE ${arg_INCLUDE_DIRECTORIES})
        if(TARGET ctnn_strict)
            target_link_libraries(${target}_ctnn_gen PRIVATE ctnn_strict)
        endif()
        set(command $<TARGET_FILE:${target}_ctnn_gen>)
        set(depends ${target}_ctnn_gen ${arg_DEPENDS})
    endif()
    list(APPEND command --name ${arg_NAME} --file-stem ${arg_NAME} --output-dir "${out}" --source ${header_name})
    if(arg_WEIGHTS)
        get_filename_component(weights "${arg_WEIGHTS}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
        list(APPEND command --weights "${weights}")
        list(APPEND depends "${weights}")
    elseif(arg_ONNX)
        get_filename_component(onnx_model "${arg_ONNX}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
        list(APPEND command --onnx "${onnx_model}")
        list(APPEND depends "${onnx_model}")
    elseif(DEFINED arg_INIT_SEED)
        list(APPEND command --init-seed ${arg_INIT_SEED})
        if(arg_INITIALIZER)
            list(APPEND command --initializer ${arg_INITIALIZER})
        endif()
    endif()
    if(arg_TRAINING)
        list(APPEND command --training)
    endif()
    if(arg_LOSS)
        list(APPEND command --loss ${arg_LOSS})
    endif()
    if(arg_FOLD_BATCH_NORM)
        list(APPEND command --fold-batch-norm)
    endif()
    add_custom_command(
        OUTPUT "${out}/${arg_NAME}.h" "${out}/${arg_NAME}.c"
        COMMAND ${CMAKE_COMMAND} -E make_directory "${out}"
        COMMAND ${command}
        DEPENDS ${depends}
        COMMENT "ctnn-gen: ${arg_TYPE} -> ${arg_NAME}.h, ${arg_NAME}.c"
        VERBATIM)

    get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
    if(NOT "C" IN_LIST languages)
        # A C++-only project compiles the C99 source as C++ (it is valid C++ too).
        set_source_files_properties("${out}/${arg_NAME}.c" PROPERTIES LANGUAGE CXX)
    endif()
    add_library(${target} STATIC "${out}/${arg_NAME}.c" "${out}/${arg_NAME}.h")
    target_include_directories(${target} PUBLIC "$<BUILD_INTERFACE:${out}>")
    if(NOT WIN32)
        target_link_libraries(${target} PUBLIC m)  # expf, logf, tanhf, sqrtf
    endif()
    set_target_properties(${target} PROPERTIES
        CTNN_GENERATED_HEADER "${out}/${arg_NAME}.h" CTNN_GENERATED_SOURCE "${out}/${arg_NAME}.c")
endfunction()
