/* CLI verbs: one file each (cmd_<verb>.c), listed once in registry.c. */
#ifndef HPT_CMD_H
#define HPT_CMD_H
#include <stddef.h>
#include <stdint.h>
#include "opts.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the verb; returns the exit code */
	const char *summary;
};

extern const struct command *const commands[];	/* NULL-terminated, registry.c */
const struct command *command_find(const char *name);

/* What `run` and `matrix` share: the guest a job boots and how. One table (cli_job.c)
 * parses both verbs' options into a struct job_cli they embed, prints their help, and
 * writes them back as arguments for the `run` of each matrix job. */
struct job_cli {
	char kernel[4096], modules[4096];	/* [ARCH=]VALUE, comma-joined (kernels.h) */
	const char *initrd, *connect;
	const char *image;			/* --image debian:SUITE|FILE (image.h) */
	int accel;				/* index into accel_names */
	int debug_kernel;
	uint64_t console_max;			/* bytes */
};
extern const struct opt job_opts[];
extern const char *const accel_names[];	/* "auto", "tcg", "kvm" */
/* Checks paths and the URI before anything starts; 0 or -EINVAL with err filled. */
int job_cli_check(const struct job_cli *c, char *err, size_t n);

#endif
