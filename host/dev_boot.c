/* `boot` device kind: memory the guest booted with, named by the `blocks` step. It is
 * never plugged or unplugged; online/offline work on it as on any device. */
#include <stddef.h>
#include "devkind.h"

const struct devkind dev_boot = {
	.name = "boot",
	.help = "boot memory blocks named with `blocks` (offline/online only, never unplugged)",
	.plug = NULL,
	.unplug = NULL,
};
