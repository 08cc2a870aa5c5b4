/* libFuzzer target: a snapshot bundle as the guest sends it (lib/bundle.c) and every
 * /proc parser of the snapshot model (lib/snapshot*.c) the host runs on it, plus the
 * file names the host would create from it: only flat, safe names may pass. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bundle.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int unsafe(const char *name)
{
	const char *p = name;

	if (*p == '/')
		return 1;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 1;
		p += n;
		if (*p == '/' && !*++p)
			return 1;	/* trailing slash */
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle_iter it;
	struct bundle_file f;
	struct snapshot s;
	char err[256];

	bundle_iter_init(&it, (const char *)data, size);
	while (bundle_next(&it, &f) == 1) {
		/* what host/step_common.c joins to the run dir: no empty, "." or ".."
		 * component, nothing absolute */
		if (!bundle_name_ok(f.name) || unsafe(f.name))
			abort();
		if ((const uint8_t *)f.data < data || (const uint8_t *)f.data + f.len > data + size)
			abort();
	}
	if (snapshot_parse_bundle(&s, (const char *)data, size, err, sizeof(err)) == 0)
		snapshot_free(&s);
	return 0;
}
