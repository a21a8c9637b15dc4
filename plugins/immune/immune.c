/* immune plugin: not written yet. */
#include <twinsim/plugin.h>
