/* What a scenario needs of the guest kernel's modules: guest/mkinitramfs.sh writes, next
 * to each initramfs, what became of every module of guest/modules.list (OUT.modules:
 * "NAME USES shipped|builtin|missing"); a missing one that a line of the scenario uses is
 * an ERROR naming the module and the line, a missing optional one is a note. A kernel
 * with everything built in and only what its scenarios need then boots them. */
#ifndef HPT_MODNEEDS_H
#define HPT_MODNEEDS_H
#include <stddef.h>

struct scenario;
struct scn_line;

/* Does line l use what `uses` names (guest/modules.list's USES: LINE[,LINE…], a LINE
 * being words separated by dots, a word ending in = any option of the line)? 1 or 0. */
int modneeds_line_uses(const struct scn_line *l, const char *uses);

/* Checks `status` (the text of an OUT.modules file) against scenario s: -1 with err =
 * "module M: not in this kernel (neither in modules.dep nor built in); FILE:LINE `…`
 * needs it" for the first missing module a line needs, else 0. Each missing optional
 * module is appended to notes ("module M absent: what is lost"), a missing module no
 * line needs is ignored. A malformed status line is an error naming it. */
int modneeds_check(const struct scenario *s, const char *status, char *notes, size_t nn,
		   char *err, size_t n);

/* The same for the file `path` (absent: nothing to check, 0). */
int modneeds_check_file(const struct scenario *s, const char *path, char *notes, size_t nn,
			char *err, size_t n);

#endif
