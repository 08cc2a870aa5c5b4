/* Loads a snapshot recorded from a real guest (tests/fixtures/…) or fails loudly. */
#ifndef HPT_FIXTURE_H
#define HPT_FIXTURE_H
#include <stdio.h>
#include <stdlib.h>
#include "snapshot.h"

#define FIX(dir) "tests/fixtures/" dir

static struct snapshot *fixture(const char *dir)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	char err[256];

	if (!s || snapshot_load_dir(s, dir, err, sizeof(err)) < 0 || !s->n_zones) {
		printf("Bail out! fixture %s: %s\n", dir, s ? err : "no memory");
		exit(1);
	}
	return s;
}

#endif
