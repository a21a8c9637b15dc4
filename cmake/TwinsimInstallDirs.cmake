# Installation folders, included by every directory that installs something or compiles a folder in (variables are
# per directory, so each includes this file). Relative to the prefix unless named FULL.
#   TWINSIM_INSTALL_PLUGINDIR       <libdir>/twinsim/plugins: the bundled plugins
#   TWINSIM_INSTALL_FULL_PLUGINDIR  the same, absolute, as the CLI searches it
include(GNUInstallDirs)
set(TWINSIM_INSTALL_PLUGINDIR "${CMAKE_INSTALL_LIBDIR}/twinsim/plugins")
set(TWINSIM_INSTALL_FULL_PLUGINDIR "${CMAKE_INSTALL_FULL_LIBDIR}/twinsim/plugins")
