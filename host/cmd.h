/* CLI verbs: one file each (cmd_<verb>.c), listed once in registry.c. */
#ifndef HPT_CMD_H
#define HPT_CMD_H

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the verb; returns the exit code */
	const char *summary;
};

extern const struct command *const commands[];	/* NULL-terminated, registry.c */
const struct command *command_find(const char *name);

#endif
