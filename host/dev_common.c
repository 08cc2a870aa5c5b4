/* Helpers shared by the memory device kinds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include "devkind.h"
#include "hpt.h"

int dev_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n <= 16 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

struct hpt_dev *dev_of_kind(struct run *r, const char *name, const struct devkind *k)
{
	struct hpt_dev *d = run_dev(r, name);

	return d && d->kind == k ? d : NULL;
}

int live_memory_element(struct run *r, const char *alias, char **elem)
{
	char *xml = virDomainGetXMLDesc(r->dom, 0), needle[80];
	const char *a, *m, *end;
	int rc = -ENOENT;

	*elem = NULL;
	if (!xml)
		return -EIO;
	snprintf(needle, sizeof(needle), "<alias name='%s'/>", alias);
	a = strstr(xml, needle);
	if (a) {
		for (m = a; m > xml && strncmp(m, "<memory ", 8); m--)
			;
		end = strstr(a, "</memory>");
		if (!strncmp(m, "<memory ", 8) && end) {
			size_t n = (size_t)(end + 9 - m);

			*elem = malloc(n + 1);
			rc = *elem ? 0 : -ENOMEM;
			if (*elem) {
				memcpy(*elem, m, n);
				(*elem)[n] = 0;
			}
		}
	}
	free(xml);
	return rc;
}
