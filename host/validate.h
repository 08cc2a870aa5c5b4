/* Command-line values checked before anything starts, with messages that name the
 * option: paths (length, control characters, what must exist), libvirt URIs, counts.
 * Shared by `run` and `matrix`. */
#ifndef HPT_VALIDATE_H
#define HPT_VALIDATE_H
#include <stddef.h>

/* Longest --out we accept: room for "/<stamp>-<scenario>-<arch>/snapshots/NN-NAME/FILE". */
#define HPT_OUT_MAX 3000
#define HPT_SCENARIOS_MAX 256	/* scenario files on one command line */

/* --out: not empty, at most HPT_OUT_MAX bytes, no control characters. */
int validate_out(const char *opt, const char *path, char *err, size_t errlen);
/* A file QEMU must read (--kernel, --initrd): a readable, non-empty regular file. */
int validate_input_file(const char *opt, const char *path, char *err, size_t errlen);
/* --connect: "driver[+transport]://[host]/path[?query]" of printable characters. */
int validate_uri(const char *opt, const char *uri, char *err, size_t errlen);

#endif
