# External dependencies, all from Debian 12 packages (scripts/install-deps).
find_package(Threads REQUIRED)
find_package(Boost 1.81.0 CONFIG REQUIRED COMPONENTS json)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(tl-expected CONFIG REQUIRED)
find_package(GTest REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
find_package(simdjson CONFIG REQUIRED)
find_package(ICU REQUIRED COMPONENTS uc i18n)

# libphonenumber: headers unpacked from Debian's libphonenumber-dev into
# .deps/ (see docs/adr/0002-libphonenumber-headers.md), runtime from
# libphonenumber8.
find_path(PHONENUMBER_INCLUDE_DIR phonenumbers/phonenumberutil.h
  PATHS ${PROJECT_SOURCE_DIR}/.deps/phonenumber/usr/include NO_DEFAULT_PATH)
find_library(PHONENUMBER_LIBRARY NAMES libphonenumber.so.8 phonenumber)
if(PHONENUMBER_INCLUDE_DIR AND PHONENUMBER_LIBRARY)
  add_library(hub_phonenumber INTERFACE)
  target_include_directories(hub_phonenumber SYSTEM INTERFACE ${PHONENUMBER_INCLUDE_DIR})
  target_link_libraries(hub_phonenumber INTERFACE ${PHONENUMBER_LIBRARY} protobuf)
else()
  message(FATAL_ERROR "libphonenumber not found: run scripts/install-deps")
endif()

# tcmalloc (Debian's libtcmalloc-minimal4) for the hub's binaries: see
# docs/adr/0005-tcmalloc.md. Linked by the runtime library's full name, as
# libphonenumber is; not under the sanitizers or libFuzzer, which bring their
# own allocator.
add_library(hub_allocator INTERFACE)
if(NOT HUB_SANITIZE AND NOT HUB_FUZZ)
  find_library(TCMALLOC_LIBRARY NAMES libtcmalloc_minimal.so.4 tcmalloc_minimal)
  if(NOT TCMALLOC_LIBRARY)
    message(FATAL_ERROR "libtcmalloc_minimal not found: run scripts/install-deps")
  endif()
  target_link_libraries(hub_allocator INTERFACE ${TCMALLOC_LIBRARY})
endif()

# Shared fixtures live beside the checkout; tests skip with a message when absent.
if(DEFINED ENV{RETAILHUB_SHARED})
  set(HUB_SHARED_DIR $ENV{RETAILHUB_SHARED})
else()
  get_filename_component(HUB_SHARED_DIR ${PROJECT_SOURCE_DIR}/../shared ABSOLUTE)
endif()
