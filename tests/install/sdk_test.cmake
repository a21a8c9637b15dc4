# cmake -DBUILD_DIR=... -DWORK_DIR=... -DGENERATOR=... -DC_COMPILER=... -DLIBDIR=... -DPKG_CONFIG=... -P sdk_test.cmake
# The steps of docs/plugin-guide.md, against an installed twinsim. Any failed step ends the test with its output.
foreach(v BUILD_DIR WORK_DIR GENERATOR C_COMPILER LIBDIR)
  if(NOT DEFINED ${v} OR "${${v}}" STREQUAL "")
    message(FATAL_ERROR "sdk_test.cmake: -D${v}= is required")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(src "${WORK_DIR}/src")
set(build "${WORK_DIR}/build")
set(twinsim "${prefix}/bin/twinsim")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# Runs a command; fails the test unless it exits 0. The output is kept in OUT_<name>.
function(step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " cmd)
    message(FATAL_ERROR "step '${name}' failed (exit ${rc}): ${cmd}\n--- stdout\n${out}\n--- stderr\n${err}")
  endif()
  message(STATUS "ok: ${name}")
  set(OUT_${name} "${out}" PARENT_SCOPE)
endfunction()

function(expect_file path)
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "not installed: ${path}")
  endif()
endfunction()

step(install ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
foreach(f bin/twinsim include/twinsim/plugin.h ${LIBDIR}/libtwinsim.a ${LIBDIR}/twinsim/plugins/pk.so
          ${LIBDIR}/twinsim/plugins/tumor.so ${LIBDIR}/cmake/twinsim/twinsimConfig.cmake
          ${LIBDIR}/cmake/twinsim/twinsimConfigVersion.cmake ${LIBDIR}/pkgconfig/twinsim.pc)
  expect_file("${prefix}/${f}")
endforeach()

step(new "${twinsim}" plugin new demo_model "${src}")
expect_file("${src}/demo_model/CMakeLists.txt")
# A second `plugin new` into the same folder must refuse (exit 2) and leave it alone.
execute_process(COMMAND "${twinsim}" plugin new demo_model "${src}" RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "plugin new into an existing folder exited ${rc}, expected 2")
endif()
execute_process(COMMAND "${twinsim}" plugin new 9lives "${src}" RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 2 OR EXISTS "${src}/9lives")
  message(FATAL_ERROR "plugin new with a name that is not an identifier exited ${rc}, expected 2")
endif()

# Out of tree, as a plugin author would: only CMAKE_PREFIX_PATH tells CMake where twinsim is. No sanitizer flags
# are passed on: the plugin is an ordinary library even when the host is instrumented.
step(configure ${CMAKE_COMMAND} -S "${src}/demo_model" -B "${build}" -G "${GENERATOR}"
     -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix})
step(build ${CMAKE_COMMAND} --build "${build}")
set(lib "${build}/demo_model.so")
expect_file("${lib}")

step(check "${twinsim}" plugin check "${lib}")
step(run ${CMAKE_COMMAND} -E env "TWINSIM_PLUGIN_PATH=${build}"
     "${twinsim}" run "${src}/demo_model/scenario.yaml" -o "${WORK_DIR}/example.db" --quiet)
expect_file("${WORK_DIR}/example.db")

step(plugins ${CMAKE_COMMAND} -E env "TWINSIM_PLUGIN_PATH=${build}" "${twinsim}" plugins)
string(FIND "${OUT_plugins}" "${lib}" at)
if(at LESS 0)
  message(FATAL_ERROR "`twinsim plugins` does not list ${lib}:\n${OUT_plugins}")
endif()
string(FIND "${OUT_plugins}" "demo_model" at)
if(at LESS 0)
  message(FATAL_ERROR "`twinsim plugins` does not name demo_model:\n${OUT_plugins}")
endif()

# The template's own tests (plugin check and the scenario through ctest) must pass too.
step(ctest ${CMAKE_CTEST_COMMAND} --test-dir "${build}" --output-on-failure)

if(PKG_CONFIG)
  step(pkgconfig ${CMAKE_COMMAND} -E env "PKG_CONFIG_PATH=${prefix}/${LIBDIR}/pkgconfig" "${PKG_CONFIG}" --cflags twinsim)
  string(REGEX MATCH "-I([^ \n]+)" _ "${OUT_pkgconfig}")
  if(NOT CMAKE_MATCH_1 OR NOT EXISTS "${CMAKE_MATCH_1}/twinsim/plugin.h")
    message(FATAL_ERROR "pkg-config --cflags twinsim gave '${OUT_pkgconfig}', not the installed header's folder")
  endif()
  file(REAL_PATH "${CMAKE_MATCH_1}" got)
  file(REAL_PATH "${prefix}/include" want)
  if(NOT got STREQUAL want)
    message(FATAL_ERROR "pkg-config --cflags twinsim points at ${got}, expected ${want}")
  endif()
  step(plugindir ${CMAKE_COMMAND} -E env "PKG_CONFIG_PATH=${prefix}/${LIBDIR}/pkgconfig" "${PKG_CONFIG}"
       --variable=plugindir twinsim)
  string(STRIP "${OUT_plugindir}" plugindir)
  expect_file("${plugindir}/pk.so")
else()
  message(FATAL_ERROR "pkg-config not found")
endif()
message(STATUS "install.sdk: all steps passed")
