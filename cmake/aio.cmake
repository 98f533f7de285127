# Build helpers shared by every folder: warnings, sanitizers, aio_cxx_library(), aio_cxx_test().

set(AIO_SANITIZE "" CACHE STRING "Comma-separated sanitizers (address,undefined)")
if(AIO_SANITIZE)
  add_compile_options(-fsanitize=${AIO_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${AIO_SANITIZE})
endif()

set(AIO_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)

# aio_cxx_library(NAME SRCS a.cc b.cc DEPS lib1 lib2)
function(aio_cxx_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(${name} PRIVATE ${AIO_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# aio_cxx_test(NAME SRCS a_test.cc LIBS lib1 LABELS unit)
function(aio_cxx_test name)
  cmake_parse_arguments(ARG "" "" "SRCS;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_compile_options(${name} PRIVATE ${AIO_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 300)
endfunction()

# aio_fuzzer(NAME SRCS fuzz.cc parser.cc): a libFuzzer target (`ninja NAME`, not built by default),
# defined only where the compiler supports -fsanitize=fuzzer (clang; g++ does not).
include(CheckCXXSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer")
check_cxx_source_compiles(
  "#include <cstdint>
   #include <cstddef>
   extern \"C\" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }"
  AIO_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)
function(aio_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SRCS" ${ARGN})
  if(NOT AIO_HAVE_LIBFUZZER)
    return()
  endif()
  add_executable(${name} EXCLUDE_FROM_ALL ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address)
endfunction()
