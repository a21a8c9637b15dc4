# The one place that chooses the SUNDIALS installation twinsim links against.
#
# TWINSIM_SUNDIALS_ROOT
#   a prefix holding an optimised CVODE built by .ci/setup.sh (static libraries, -O3); or
#   "system" for Debian's libsundials-dev, which is compiled without optimisation (about 3x slower, see
#   docs/performance.md), announced with a warning.
# Result: the INTERFACE target twinsim::sundials (CVODE, serial N_Vector, dense matrix and linear solver).
set(TWINSIM_SUNDIALS_ROOT "system" CACHE STRING "Prefix of an optimised SUNDIALS 6.4 build, or 'system'")

if(TWINSIM_SUNDIALS_ROOT STREQUAL "system")
  message(WARNING "twinsim: linking Debian's libsundials, which is built without optimisation; "
                  "run .ci/setup.sh to build an optimised CVODE into .deps/sundials")
  find_package(SUNDIALS 6.4 REQUIRED COMPONENTS cvode nvecserial sunmatrixdense sunlinsoldense)
  set(_ts_sundials_kind shared)
else()
  find_package(SUNDIALS 6.4 REQUIRED PATHS "${TWINSIM_SUNDIALS_ROOT}" NO_DEFAULT_PATH)
  set(_ts_sundials_kind static)
endif()

add_library(twinsim_sundials INTERFACE)
add_library(twinsim::sundials ALIAS twinsim_sundials)
foreach(_c cvode nvecserial sunmatrixdense sunlinsoldense)
  target_link_libraries(twinsim_sundials INTERFACE SUNDIALS::${_c}_${_ts_sundials_kind})
endforeach()
set(TWINSIM_SUNDIALS_DESCRIPTION "SUNDIALS ${SUNDIALS_VERSION} (${_ts_sundials_kind}, ${TWINSIM_SUNDIALS_ROOT})")
message(STATUS "twinsim: ${TWINSIM_SUNDIALS_DESCRIPTION}")
