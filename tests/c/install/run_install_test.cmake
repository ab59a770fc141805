# Installs asynclog into a scratch prefix and proves a user can build
# against it both ways, and run the result:
#   1. cc consumer.c $(pkg-config --cflags --libs asynclog), run with
#      LD_LIBRARY_PATH=<prefix>/lib
#   2. a CMake project with find_package(asynclog REQUIRED), run through
#      its build rpath
# It also checks the installed files, the library links and the package
# version rules.
#
# cmake -DROOT_DIR= -DBUILD_DIR= -DPREFIX= -DSOURCE_DIR= -DLIBDIR=
#       -DINCLUDEDIR= -DVERSION= -DC_COMPILER= -DGENERATOR=
#       -P run_install_test.cmake

cmake_minimum_required(VERSION 3.16)

function(run)
  execute_process(COMMAND ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

function(expect_link name target)
  set(path "${PREFIX}/${LIBDIR}/${name}")
  if(NOT IS_SYMLINK "${path}")
    message(FATAL_ERROR "${path}: not a symbolic link")
  endif()
  file(READ_SYMLINK "${path}" points_to)
  if(NOT points_to STREQUAL target)
    message(FATAL_ERROR "${path} -> ${points_to}; expected -> ${target}")
  endif()
endfunction()

string(REGEX MATCH "^[0-9]+" MAJOR "${VERSION}")
set(lib "${PREFIX}/${LIBDIR}")
set(work "${PREFIX}-work")
file(REMOVE_RECURSE "${PREFIX}" "${work}")
file(MAKE_DIRECTORY "${work}")

# The installed tree.
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}")
foreach(file
    "${LIBDIR}/libasynclog.so.${VERSION}"
    "${LIBDIR}/libasynclog.a"
    "${LIBDIR}/pkgconfig/asynclog.pc"
    "${LIBDIR}/cmake/asynclog/asynclogConfig.cmake"
    "${LIBDIR}/cmake/asynclog/asynclogConfigVersion.cmake"
    "${INCLUDEDIR}/asynclog.h")
  if(NOT EXISTS "${PREFIX}/${file}")
    message(FATAL_ERROR "not installed: ${PREFIX}/${file}")
  endif()
endforeach()
# The optional headers, when the tree has them.
if(EXISTS "${ROOT_DIR}/include/asynclog_plugin.h" AND
   NOT EXISTS "${PREFIX}/${INCLUDEDIR}/asynclog_plugin.h")
  message(FATAL_ERROR "not installed: ${INCLUDEDIR}/asynclog_plugin.h")
endif()
file(GLOB_RECURSE cpp_headers RELATIVE "${ROOT_DIR}/bindings/cpp/include"
  "${ROOT_DIR}/bindings/cpp/include/*")
foreach(header IN LISTS cpp_headers)
  if(NOT EXISTS "${PREFIX}/${INCLUDEDIR}/${header}")
    message(FATAL_ERROR "not installed: ${INCLUDEDIR}/${header}")
  endif()
endforeach()
expect_link("libasynclog.so.${MAJOR}" "libasynclog.so.${VERSION}")
expect_link("libasynclog.so" "libasynclog.so.${MAJOR}")

# The library names itself by its SONAME.
find_program(READELF readelf)
if(READELF)
  run("${READELF}" -d "${lib}/libasynclog.so.${VERSION}")
  if(NOT run_output MATCHES "SONAME[^\n]*\\[libasynclog\\.so\\.${MAJOR}\\]")
    message(FATAL_ERROR "no SONAME libasynclog.so.${MAJOR}:\n${run_output}")
  endif()
endif()

# 1. pkg-config.
set(ENV{PKG_CONFIG_PATH} "${lib}/pkgconfig")
unset(ENV{PKG_CONFIG_LIBDIR})
run(pkg-config --modversion asynclog)
string(STRIP "${run_output}" pc_version)
if(NOT pc_version STREQUAL VERSION)
  message(FATAL_ERROR "pkg-config says ${pc_version}; expected ${VERSION}")
endif()
run(pkg-config --static --libs asynclog)
foreach(flag -L${lib} -lasynclog -lpthread -ldl -lm)
  string(FIND "${run_output}" "${flag}" at)
  if(at LESS 0)
    message(FATAL_ERROR "pkg-config --static --libs lacks ${flag}: "
      "${run_output}")
  endif()
endforeach()
find_program(CC_PROGRAM cc)
if(NOT CC_PROGRAM)
  set(CC_PROGRAM "${C_COMPILER}")
endif()
run(sh -c "\"${CC_PROGRAM}\" -std=c11 -Wall -Wextra -Werror -pedantic \
\"${SOURCE_DIR}/consumer.c\" -o \"${work}/pc-consumer\" \
$(pkg-config --cflags --libs asynclog)")
run("${CMAKE_COMMAND}" -E env "LD_LIBRARY_PATH=${lib}"
    "${work}/pc-consumer")
message(STATUS "pkg-config consumer: ${run_output}")

# 2. find_package, through the build rpath CMake gives an imported
# library: no LD_LIBRARY_PATH at all.
run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${work}/cmake-consumer"
    -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${PREFIX}"
    "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DASYNCLOG_WANT_VERSION=${MAJOR}")
run("${CMAKE_COMMAND}" --build "${work}/cmake-consumer")
run("${CMAKE_COMMAND}" -E env --unset=LD_LIBRARY_PATH
    "${work}/cmake-consumer/consumer")
message(STATUS "find_package consumer: ${run_output}")

# SameMajorVersion: another major is refused.
math(EXPR other "${MAJOR} + 1")
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}"
    -B "${work}/cmake-wrong-major" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${PREFIX}" "-DCMAKE_C_COMPILER=${C_COMPILER}"
    "-DASYNCLOG_WANT_VERSION=${other}.0"
  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(rc EQUAL 0)
  message(FATAL_ERROR "find_package(asynclog ${other}.0) was accepted "
    "by version ${VERSION}")
endif()

message(STATUS "install test passed")
