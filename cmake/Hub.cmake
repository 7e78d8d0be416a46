# Helpers that give every module the same shape: a static library hub_<name>
# built from the module's *.cc (tests excluded) and one test binary
# <name>_test built from its *_test.cc, registered with ctest under the
# label "unit".

# -Wmaybe-uninitialized, -Wrestrict: g++ 12 false positives at -O3 (tl::expected,
# std::string concatenation). -Wmissing-field-initializers: designated initializers
# deliberately leave defaulted fields out.
set(HUB_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wno-maybe-uninitialized
    -Wno-restrict -Wno-missing-field-initializers)
if(HUB_WERROR)
  list(APPEND HUB_WARNINGS -Werror)
endif()

if(HUB_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# hub_module(<name> [DEPS hub_x ...] [LIBS ext ...] [RECURSE])
function(hub_module name)
  cmake_parse_arguments(M "RECURSE" "" "DEPS;LIBS" ${ARGN})
  if(M_RECURSE)
    file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  else()
    file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  endif()
  set(tests ${srcs})
  list(FILTER srcs EXCLUDE REGEX "_(test|fuzz)\\.cc$")
  list(FILTER tests INCLUDE REGEX "_test\\.cc$")
  if(srcs)
    add_library(hub_${name} STATIC ${srcs})
    target_compile_options(hub_${name} PRIVATE ${HUB_WARNINGS})
    target_include_directories(hub_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(hub_${name} PUBLIC ${M_DEPS} ${M_LIBS})
  else()
    add_library(hub_${name} INTERFACE)
    target_include_directories(hub_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(hub_${name} INTERFACE ${M_DEPS} ${M_LIBS})
  endif()
  if(tests)
    add_executable(${name}_test ${tests})
    target_compile_options(${name}_test PRIVATE ${HUB_WARNINGS})
    target_link_libraries(${name}_test PRIVATE hub_${name} hub_testing GTest::gtest_main GTest::gmock)
    add_test(NAME ${name}_test COMMAND ${name}_test)
    set_tests_properties(${name}_test PROPERTIES LABELS unit
      ENVIRONMENT "TZ=UTC;RETAILHUB_SHARED=${HUB_SHARED_DIR}")
  endif()
endfunction()
