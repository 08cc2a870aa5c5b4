/* The QEMU reaper (reaper.c): reaps the QEMU zombies libvirt daemonized. */
#ifndef HPT_REAPER_H
#define HPT_REAPER_H

/* Becomes a child subreaper and starts the reaping thread; call before any other thread
 * exists (it blocks SIGCHLD process-wide). */
void reaper_start(void);

#endif
