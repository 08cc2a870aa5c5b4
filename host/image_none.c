/* Image guests in a controller built without libguestfs (make GUESTFS=no: the backports
 * stack root, kernels/stack-root.sh, has no libguestfs-dev): `--image` and `hotplug-test
 * image` end in an ERROR saying so, instead of the build failing. Compiled instead of
 * image.c, image_build.c and image_gfs.c. */
#include <errno.h>
#include <stdio.h>
#include "image.h"

#define WHY "this controller was built without libguestfs (make GUESTFS=no, as inside " \
	"the backports stack): image guests run on the stock stack (--stack bookworm)"

int image_debian(const char *suite, const struct arch *a, int bare, struct image_boot *ib,
		 char *err, size_t n)
{
	snprintf(err, n, "debian:%s: %s", suite, WHY);
	return -ENOTSUP;
}

int image_prepare(struct run *r, char *kernel, char *initrd, size_t len, char *err,
		  size_t n)
{
	snprintf(err, n, "--image %s: %s", r->opts->image, WHY);
	return -ENOTSUP;
}
