# Build helpers shared by every part of rathaus.

# Warnings for our own code (generated code gets none of these).
function(rathaus_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
endfunction()

# rathaus_proto_library(NAME <target> ROOT <proto root> PROTOS <files relative to ROOT>
#                       [DEPS <proto libs>] [GRPC])
# Generates C++ (and gRPC stubs with GRPC) for one proto package into the build tree and makes a
# static library of it. Includes resolve against ROOT and proto/ (for rathaus/common/v1/...).
function(rathaus_proto_library)
  cmake_parse_arguments(P "GRPC" "NAME;ROOT" "PROTOS;DEPS" ${ARGN})
  set(out ${CMAKE_BINARY_DIR}/gen)
  set(srcs)
  foreach(proto ${P_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" base ${proto})
    set(outputs ${out}/${base}.pb.cc ${out}/${base}.pb.h)
    set(plugin_args)
    if(P_GRPC)
      list(APPEND outputs ${out}/${base}.grpc.pb.cc ${out}/${base}.grpc.pb.h)
      set(plugin_args --grpc_out=${out} --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN})
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
      COMMAND protobuf::protoc --cpp_out=${out} ${plugin_args}
              -I ${P_ROOT} -I ${PROJECT_SOURCE_DIR}/proto ${P_ROOT}/${proto}
      DEPENDS ${P_ROOT}/${proto} protobuf::protoc
      COMMENT "protoc ${proto}"
      VERBATIM)
    list(APPEND srcs ${outputs})
  endforeach()
  if(P_GRPC)
    # The package's descriptor set (with its imports) for the gateway, which routes services it
    # was not compiled with from these files (RATHAUS_GATEWAY_DESCRIPTOR_DIR, gateway/main.cc).
    set(descriptor_dir ${CMAKE_BINARY_DIR}/descriptors)
    set(descriptor ${descriptor_dir}/${P_NAME}.pb)
    set(proto_paths)
    foreach(proto ${P_PROTOS})
      list(APPEND proto_paths ${P_ROOT}/${proto})
    endforeach()
    add_custom_command(
      OUTPUT ${descriptor}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${descriptor_dir}
      COMMAND protobuf::protoc --descriptor_set_out=${descriptor} --include_imports
              -I ${P_ROOT} -I ${PROJECT_SOURCE_DIR}/proto ${proto_paths}
      DEPENDS ${proto_paths} protobuf::protoc
      COMMENT "descriptor set ${P_NAME}"
      VERBATIM)
    list(APPEND srcs ${descriptor})
  endif()
  add_library(${P_NAME} STATIC ${srcs})
  target_include_directories(${P_NAME} PUBLIC ${out})
  target_link_libraries(${P_NAME} PUBLIC protobuf::libprotobuf ${P_DEPS})
  if(P_GRPC)
    target_link_libraries(${P_NAME} PUBLIC gRPC::grpc++)
  endif()
endfunction()

# rathaus_embed(TARGET <library> NAMESPACE <c++ namespace> FILES <files>)
# Embeds text files (Lua scripts, catalogs) at build time as
#   std::string_view <namespace>::k<CamelName>  in header <target>_embedded.h.
function(rathaus_embed)
  cmake_parse_arguments(E "" "TARGET;NAMESPACE" "FILES" ${ARGN})
  set(gen_dir ${CMAKE_CURRENT_BINARY_DIR}/embedded)
  set(header ${gen_dir}/${E_TARGET}_embedded.h)
  set(source ${gen_dir}/${E_TARGET}_embedded.cc)
  set(abs_files)
  foreach(f ${E_FILES})
    get_filename_component(abs ${f} ABSOLUTE)
    list(APPEND abs_files ${abs})
  endforeach()
  add_custom_command(
    OUTPUT ${header} ${source}
    COMMAND ${CMAKE_COMMAND} -DHEADER=${header} -DSOURCE=${source} -DNAMESPACE=${E_NAMESPACE}
            "-DFILES=${abs_files}" -P ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${abs_files} ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    COMMENT "embedding ${E_FILES}"
    VERBATIM)
  target_sources(${E_TARGET} PRIVATE ${source} ${header})
  target_include_directories(${E_TARGET} PUBLIC ${gen_dir})
endfunction()

# gtest_discover_tests marks a case "skipped" when its output has "[  SKIPPED ]" — also when its
# suite's SetUpTestSuite failed, so a system that never started passed as "not run". No case is
# skipped on purpose here. The pattern below alone does not help (CMake 3.25 keeps its own
# pattern beside it in the list, and any match skips); what does is rathaus_gtest_main
# (tests/gtest_main), which prints such a case as FAILED and exits 1.
set(RATHAUS_NO_SKIP SKIP_REGULAR_EXPRESSION "rathaus: this pattern never matches a test's output")

# rathaus_unit_tests(<dir>): every *_test.cc below <dir> becomes one test binary, linked with
# the given libraries; its cases are registered with ctest under the label `unit`.
function(rathaus_unit_tests)
  cmake_parse_arguments(U "" "DIR;PREFIX" "LIBS" ${ARGN})
  file(GLOB_RECURSE tests CONFIGURE_DEPENDS ${U_DIR}/*_test.cc)
  foreach(t ${tests})
    get_filename_component(name ${t} NAME_WE)
    set(target ${U_PREFIX}${name})
    add_executable(${target} ${t})
    rathaus_warnings(${target})
    target_link_libraries(${target} PRIVATE ${U_LIBS} GTest::gmock rathaus_gtest_main)
    gtest_discover_tests(${target} PROPERTIES LABELS unit TIMEOUT 120 DISCOVERY_TIMEOUT 60
                         ${RATHAUS_NO_SKIP})
  endforeach()
endfunction()

# Where the ctest fixture `servers` (tests/CMakeLists.txt) runs Redis and Kafka.
set(RATHAUS_TEST_SERVERS_DIR ${CMAKE_BINARY_DIR}/tests/servers)

# rathaus_server_tests(LABEL <label> FILES <test files> [LIBS <libs>] [SERIAL]): one gtest binary
# per file, each case a ctest test that needs the shared servers (fixture `servers`); the harness
# (tests/harness/harness.h) finds them through RATHAUS_TEST_SERVERS_DIR.
function(rathaus_server_tests)
  cmake_parse_arguments(T "SERIAL" "LABEL" "FILES;LIBS" ${ARGN})
  foreach(f ${T_FILES})
    get_filename_component(name ${f} NAME_WE)
    add_executable(${name} ${f})
    rathaus_warnings(${name})
    target_link_libraries(${name} PRIVATE rathaus_test_harness ${T_LIBS} rathaus_gtest_main)
    add_dependencies(${name} rathaus-test-worker)
    # A suite whose SetUpTestSuite failed (the system under test did not start) prints its cases
    # as "[  SKIPPED ]", which gtest_discover_tests' default skip pattern turned into "not run"
    # and a green ctest. The project skips no test on purpose (no GTEST_SKIP): rathaus_gtest_main
    # prints such cases as FAILED and exits 1.
    set(props LABELS ${T_LABEL} FIXTURES_REQUIRED servers TIMEOUT 600
        ENVIRONMENT "RATHAUS_TEST_SERVERS_DIR=${RATHAUS_TEST_SERVERS_DIR}"
        ${RATHAUS_NO_SKIP})
    if(T_SERIAL)
      list(APPEND props RUN_SERIAL TRUE)
    endif()
    gtest_discover_tests(${name} PROPERTIES ${props} DISCOVERY_TIMEOUT 60)
  endforeach()
endfunction()

