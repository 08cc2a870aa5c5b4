/* Readers of the NVDIMM tools' replies (ndctl, daxctl through the agent's `tool` verb),
 * for `dax` (step_dax.c): pure, declared in oracles.h, fuzzed by
 * tests/fuzz/fuzz_guest_json.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonr.h"
#include "oracles.h"

char *dax_tool_stdout(const char *reply)
{
	const char *so = strstr(reply, "--- stdout\n"), *se;

	if (strncmp(reply, "exit 0\n", 7) || !so)
		return NULL;
	so += 11;
	se = strstr(so, "\n--- stderr\n");	/* after stdout: the agent writes them so */
	return se ? strndup(so, (size_t)(se - so)) : NULL;
}

int dax_ndctl_ns(const char *json, const char *map, struct dax_ns_info *ns, char *err,
		 size_t errlen)
{
	const struct jr_val *dr, *devs;
	struct jr_val v;
	double size;

	memset(ns, 0, sizeof(*ns));
	if (jr_parse(&v, json, strlen(json), err, errlen) < 0)
		return -EINVAL;
	snprintf(ns->dev, sizeof(ns->dev), "%s", jr_str(&v, "dev", ""));
	size = jr_num(&v, "size", 0);
	/* converting a double outside uint64_t's range is undefined: the guest picks it */
	ns->usable = size >= 0 && size < 0x1p64 ? (uint64_t)size : 0;
	dr = jr_get(&v, "daxregion");
	devs = dr ? jr_get(dr, "devices") : NULL;
	if (devs && devs->type == JR_ARR && devs->len)
		snprintf(ns->chardev, sizeof(ns->chardev), "%s",
			 jr_str(&devs->items[0], "chardev", ""));
	ns->ok = !strcmp(jr_str(&v, "mode", ""), "devdax") &&
		 !strcmp(jr_str(&v, "map", ""), map) && ns->chardev[0] && ns->dev[0];
	jr_free(&v);
	return 0;
}

int dax_daxctl_mode(const char *json, const char *mode, int *has_online,
		    unsigned long *online)
{
	const char *m = strstr(json, "\"online_memblocks\":");
	char want[48];

	*has_online = m != NULL;
	*online = m ? strtoul(m + 19, NULL, 10) : 0;
	snprintf(want, sizeof(want), "\"mode\":\"%s\"", mode);
	return strstr(json, want) != NULL;
}
