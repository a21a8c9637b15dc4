# What `cmake --install` puts under the prefix, besides the targets installed where they are defined (libtwinsim and
# the twinsim command in core/, the bundled plugins in plugins/):
#   include/twinsim/plugin.h                      the plugin ABI, the only header a plugin includes
#   <libdir>/cmake/twinsim/twinsimConfig.cmake    find_package(twinsim): twinsim::plugin_api, twinsim_add_plugin()
#   <libdir>/pkgconfig/twinsim.pc                 pkg-config: Cflags for the header, variable plugindir
# Both package files are relocatable: they find the prefix from their own location, so an installed tree may be
# moved or installed with `cmake --install --prefix` into another folder than CMAKE_INSTALL_PREFIX.
include(${CMAKE_CURRENT_LIST_DIR}/TwinsimInstallDirs.cmake)
include(CMakePackageConfigHelpers)

# The plugin ABI version, read from the header so that it is stated in one place.
file(STRINGS "${PROJECT_SOURCE_DIR}/include/twinsim/plugin.h" _ts_abi REGEX "^#define TS_PLUGIN_ABI_(MAJOR|MINOR) ")
string(REGEX REPLACE ".*MAJOR ([0-9]+).*" "\\1" TWINSIM_PLUGIN_ABI_MAJOR "${_ts_abi}")
string(REGEX REPLACE ".*MINOR ([0-9]+).*" "\\1" _ts_abi_minor "${_ts_abi}")
set(TWINSIM_PLUGIN_ABI "${TWINSIM_PLUGIN_ABI_MAJOR}.${_ts_abi_minor}")

set(TWINSIM_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/twinsim")

install(FILES "${PROJECT_SOURCE_DIR}/include/twinsim/plugin.h" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/twinsim")

# twinsim::plugin_api: the include folder and nothing else (a plugin never links against libtwinsim).
add_library(twinsim_plugin_api INTERFACE)
set_target_properties(twinsim_plugin_api PROPERTIES EXPORT_NAME plugin_api)
target_include_directories(twinsim_plugin_api INTERFACE
  "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>" "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
add_library(twinsim::plugin_api ALIAS twinsim_plugin_api)
install(TARGETS twinsim_plugin_api EXPORT twinsimTargets)
install(EXPORT twinsimTargets NAMESPACE twinsim:: DESTINATION "${TWINSIM_INSTALL_CMAKEDIR}")

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/twinsimConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/cmake/twinsimConfig.cmake"
  INSTALL_DESTINATION "${TWINSIM_INSTALL_CMAKEDIR}"
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_BINDIR TWINSIM_INSTALL_PLUGINDIR)
# Plugins are bound by the ABI major version, not by twinsim's: SameMajorVersion while twinsim is 0.x means a
# project asking for 0.1 accepts any 0.y >= 0.1.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/cmake/twinsimConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/cmake/twinsimConfig.cmake" "${PROJECT_BINARY_DIR}/cmake/twinsimConfigVersion.cmake"
  DESTINATION "${TWINSIM_INSTALL_CMAKEDIR}")

# pkg-config: ${pcfiledir} makes the file relocatable; the relative path from it to the prefix is fixed here.
file(RELATIVE_PATH _ts_pc_to_prefix "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" _ts_pc_to_prefix "${_ts_pc_to_prefix}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/twinsim.pc.in" "${PROJECT_BINARY_DIR}/cmake/twinsim.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/cmake/twinsim.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
