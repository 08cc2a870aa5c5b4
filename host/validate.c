/* Command-line value checks (see validate.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "validate.h"

/* Index of the first control character (or byte 0x7f) in s, or -1. */
static long control_char(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return p - s;
	return -1;
}

int validate_out(const char *opt, const char *path, char *err, size_t errlen)
{
	if (!*path) {
		snprintf(err, errlen, "%s: empty path", opt);
		return -EINVAL;
	}
	if (strlen(path) > HPT_OUT_MAX) {
		snprintf(err, errlen, "%s: path longer than %d bytes", opt, HPT_OUT_MAX);
		return -ENAMETOOLONG;
	}
	if (control_char(path) >= 0) {
		snprintf(err, errlen, "%s: control character in the path (byte %ld)", opt,
			 control_char(path));
		return -EINVAL;
	}
	return 0;
}

int validate_input_file(const char *opt, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int rc = validate_out(opt, path, err, errlen);

	if (rc < 0)
		return rc;
	if (stat(path, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s %s: %s", opt, path, strerror(errno));
		return rc;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		snprintf(err, errlen, "%s %s: not a non-empty regular file", opt, path);
		return -EINVAL;
	}
	if (access(path, R_OK) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s %s: %s", opt, path, strerror(errno));
		return rc;
	}
	return 0;
}

int validate_uri(const char *opt, const char *uri, char *err, size_t errlen)
{
	size_t n = strspn(uri, "abcdefghijklmnopqrstuvwxyz0123456789+-.");

	if (strlen(uri) > 1024) {
		snprintf(err, errlen, "%s: URI longer than 1024 bytes", opt);
		return -EINVAL;
	}
	if (!n || uri[0] < 'a' || uri[0] > 'z' || strncmp(uri + n, "://", 3)) {
		snprintf(err, errlen, "%s %.100s: not a libvirt URI (want DRIVER://[HOST]/PATH, "
			 "e.g. qemu:///system)", opt, uri);
		return -EINVAL;
	}
	for (const char *p = uri; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || (unsigned char)*p >= 0x80) {
			snprintf(err, errlen, "%s: the URI has a blank, control or non-ASCII byte at "
				 "%ld", opt, (long)(p - uri));
			return -EINVAL;
		}
	return 0;
}
