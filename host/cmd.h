/* CLI verbs: one file each (cmd_<verb>.c), listed once in registry.c. */
#ifndef HPT_CMD_H
#define HPT_CMD_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "opts.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the verb; returns the exit code */
	const char *summary;
};

extern const struct command *const commands[];	/* NULL-terminated, registry.c */
const struct command *command_find(const char *name);
/* The verbs and what to read next (`hotplug-test`, `hotplug-test help`). */
void help_main(FILE *f);
/* The scenario-language and oracle reference in Markdown (doc/reference.md). */
void help_markdown(FILE *f);

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
	int no_restore;				/* always boot (restore.h) */
	int no_probe;				/* placement inferred, without proof */
	int strict;				/* a SKIP check makes the exit status 1 */
	int stack;				/* index into stack_names (stack.c) */
};
extern const struct opt job_opts[];
extern const char *const accel_names[];	/* "auto", "tcg", "kvm" */
extern const char *const stack_names[];	/* "bookworm" (the system's), "backports" */
/* --stack: for the system's stack (or inside the chosen one's root) 0 at once; else
 * prepares the stack's root and its controller and runs this command line again there
 * (argv[0] is the verb): returns only on failure, -1 with the message printed. */
int stack_enter(const struct job_cli *c, const char *verb, int argc, char **argv);
/* Checks paths and the URI before anything starts; 0 or -EINVAL with err filled. */
int job_cli_check(const struct job_cli *c, char *err, size_t n);
/* The prologue of `run` and `matrix`: tab's defaults into cli, then argv's --options
 * (argv[0] is the verb), then at least one scenario file. Returns the index of the first
 * file, or -1 with the exit code in *code (0 after -h; 2 with the message and the usage
 * printed). */
int job_cli_parse(const char *verb, const struct opt *tab, void *cli, int argc, char **argv,
		  void (*usage)(FILE *f), int *code);
struct arch;
/* The arches of a comma-separated --arch list into out (at most max, none twice); their
 * count, or -EINVAL with the message printed. */
int job_cli_arches(const char *verb, const char *list, const struct arch **out, int max);

#endif
