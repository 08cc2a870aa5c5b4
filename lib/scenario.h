/*
 * Scenario files: one step per line, split into words like a shell would, but simpler:
 * words are separated by blanks; '#' starts a comment outside quotes; "..." groups
 * words and may appear inside a word (cmdline="a b" gives the word `cmdline=a b`);
 * inside quotes \" and \\ are escapes. Blank and comment-only lines are dropped.
 * This layer knows no step names: the host dispatches argv[0] through its step table.
 */
#ifndef HPT_SCENARIO_H
#define HPT_SCENARIO_H
#include <stddef.h>

#define SCN_LINE_MAX 4096	/* bytes per line */
#define SCN_WORDS_MAX 64	/* words per line */
#define SCN_LINES_MAX 10000	/* steps per file */
#define SCN_FILE_MAX (1u << 20)

struct scn_line {
	unsigned lineno;
	int argc;
	char **argv;		/* argc words, NULL-terminated */
};

struct scenario {
	char *path;		/* as given */
	char *name;		/* basename without .scn */
	struct scn_line *lines;
	size_t n_lines;
};

/* Reads and parses path. On error returns -errno/-EINVAL with err = "path:line: msg":
 * -EINVAL for syntax (unterminated quote, NUL byte, control character), -E2BIG for a
 * line, word or step limit, -EFBIG for a file over SCN_FILE_MAX ("path: file too big"),
 * -errno when the file cannot be read ("path: <strerror>"). *s is empty on error. */
int scenario_load(struct scenario *s, const char *path, char *err, size_t errlen);
/* Parses text (need not be NUL-terminated); path is used for names and messages. */
int scenario_parse(struct scenario *s, const char *path, const char *text, size_t len,
		   char *err, size_t errlen);
void scenario_free(struct scenario *s);

#endif
