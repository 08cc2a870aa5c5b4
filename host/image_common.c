/* What every controller knows about image guests (image.h), with or without libguestfs:
 * the spec's suite and, for messages and evidence, who onlined memory by itself. */
#include <stdio.h>
#include <string.h>
#include "image.h"

const char *image_debian_suite(const char *spec)
{
	if (strncmp(spec, "debian:", 7))
		return NULL;
	return spec + 7;
}

const char *image_self_online_by(const struct run *r, char *buf, size_t n)
{
	const struct guest_info *g = &r->guest;

	if (!g->self_online)
		snprintf(buf, n, "%s", "");
	else if (g->udev_online[0])
		snprintf(buf, n, "udev (%s)", g->udev_online);
	else
		snprintf(buf, n, "the kernel (auto_online_blocks=%s)", g->auto_online);
	return buf;
}
