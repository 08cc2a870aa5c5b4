/* Stale libvirt roots (host/stale.c): a root's owner file appears already locked, never
 * unlocked under its final name (inotify: "owner" only ever arrives by rename, its lock
 * is held when it does), so another run's stale check cannot take a live root for a
 * dead one; while its owner lives stale_clean() leaves it, once the owner is gone
 * stale_clean() removes it. (A concurrent check that found the owner file made in place
 * but not yet locked removed a live root in a matrix: its job ended without results.) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "virt.h"

int main(void)
{
	char root[] = "/tmp/hpt.XXXXXX", owner[64], buf[4096];
	int in, fd, lk, created_owner = 0, moved_owner = 0, created_new = 0;
	ssize_t n;

	if (!mkdtemp(root))
		return 1;
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	inotify_add_watch(in, root, IN_CREATE | IN_MOVED_TO);
	lk = stale_own(root);
	ok(lk >= 0, "stale_own: the root is ours (lock fd %d)", lk);
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)(void *)p;

			if (e->len && !strcmp(e->name, "owner") && (e->mask & IN_CREATE))
				created_owner++;
			if (e->len && !strcmp(e->name, "owner") && (e->mask & IN_MOVED_TO))
				moved_owner++;
			if (e->len && !strcmp(e->name, "owner.new") && (e->mask & IN_CREATE))
				created_new++;
			p += sizeof(*e) + e->len;
		}
	}
	close(in);
	ok(created_new == 1 && moved_owner == 1 && created_owner == 0,
	   "owner is made as owner.new and renamed, never created in place (created %d, "
	   "renamed %d, owner.new %d)", created_owner, moved_owner, created_new);
	snprintf(owner, sizeof(owner), "%s/owner", root);
	fd = open(owner, O_RDONLY | O_CLOEXEC);
	ok(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK,
	   "a second open of owner cannot lock it: held");
	if (fd >= 0)
		close(fd);
	stale_clean();
	ok(access(owner, F_OK) == 0, "stale_clean leaves a root whose owner lives");
	close(lk);
	stale_clean();
	ok(access(root, F_OK) < 0 && errno == ENOENT, "its owner gone, stale_clean removes it");
	return done();
}
