/* Other processes' /proc entries, read by the QEMU reaper (reaper.c), the stale-root
 * cleanup (stale.c) and destroy (virt.c). */
#ifndef HPT_PROCFS_H
#define HPT_PROCFS_H
#include <stddef.h>
#include <sys/types.h>

struct proc_stat {
	char comm[32];
	char state;		/* R, S, D, Z, … */
	pid_t ppid, pgrp, sid;
};

/* /proc/<pid>/<what> into buf, NULs turned into spaces (a cmdline reads as one line),
 * NUL-terminated, at most n - 1 bytes. 0, or -1 (gone, unreadable). */
int proc_read(pid_t pid, const char *what, char *buf, size_t n);
/* The fields of /proc/<pid>/stat above (a comm may hold spaces and parentheses: the
 * last ')' ends it). 0, or -1. */
int proc_stat(pid_t pid, struct proc_stat *st);
/* 1 if pid's comm is qemu-system-* */
int proc_is_qemu(pid_t pid);
#endif
