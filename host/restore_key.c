/* What a saved guest depends on (see restore.h): the key, and the XML to restore with. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "arch.h"
#include "guest.h"
#include "restore.h"
#include "xml.h"

#define RUN_DIR "@RUN@"
#define SOCK "@SOCK@"
#define NAME "@NAME@"

/* Appends s to sb with every occurrence of from replaced by to. */
static int replace_all(struct strbuf *sb, const char *s, const char *from, const char *to)
{
	size_t fl = strlen(from);
	const char *p;

	if (!fl)
		return sb_adds(sb, s);
	while ((p = strstr(s, from))) {
		if (sb_add(sb, s, (size_t)(p - s)) < 0 || sb_adds(sb, to) < 0)
			return -ENOMEM;
		s = p + fl;
	}
	return sb_adds(sb, s);
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* One "file WHAT PATH dev:ino size mtime ctime" line: another file, or the same one
 * rewritten (a new kernel unpacked over the old one keeping its size and mtime), is
 * another key whatever its name: ctime cannot be set back by anyone. */
static int add_file(struct strbuf *sb, const char *what, const char *path, char *why, size_t n)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(why, n, "%s %s: %s", what, path, strerror(errno));
		return -errno;
	}
	return sb_addf(sb, "file %s %s %llu:%llu %lld %lld.%09ld %lld.%09ld\n", what, path,
		       (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		       (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		       (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
}

/* Does the neutral XML still name a file of the run dir, beyond the console log, the
 * scratch disk and pseries' NVRAM (which a restore recreates or carries)? Names the
 * first in why. */
static int uses_run_files(const char *xml, char *why, size_t n)
{
	static const char *const ok[] = { RUN_DIR "/console.log'", RUN_DIR "/scratch.img'",
					  RUN_DIR "/nvram.bin'" };

	for (const char *p = strstr(xml, RUN_DIR "/"); p; p = strstr(p + 1, RUN_DIR "/")) {
		int fine = 0;

		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
			fine |= !strncmp(p, ok[i], strlen(ok[i]));
		if (!fine) {
			size_t len = strcspn(p + strlen(RUN_DIR) + 1, "'\"<");

			snprintf(why, n, "the domain uses %.*s in the run dir, which a saved guest "
				 "cannot carry over", (int)len, p + strlen(RUN_DIR) + 1);
			return 1;
		}
	}
	return 0;
}

int restore_key(const struct run *r, const char *xml, const char *sock, const char *kernel,
		const char *initrd, unsigned long lib_ver, unsigned long qemu_ver,
		struct restore_key *k, char *why, size_t n)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, c = STRBUF_INIT;
	char dir[PATH_MAX + 2];
	int rc;

	memset(k, 0, sizeof(*k));
	snprintf(dir, sizeof(dir), "%s/", r->dir);
	/* the run's own socket, dir and name out: what remains is how the guest boots */
	if (replace_all(&a, xml, sock, SOCK) < 0 || replace_all(&b, sb_str(&a), dir, RUN_DIR "/") < 0 ||
	    replace_all(&c, sb_str(&b), r->vm_name, NAME) < 0) {
		snprintf(why, n, "out of memory");
		rc = -ENOMEM;
		goto cleanup;
	}
	rc = uses_run_files(sb_str(&c), why, n);
	if (rc)
		goto cleanup;
	sb_addf(&k->text, "hotplug-test saved guest, format %d\narch %s\nlibvirt %lu\nqemu %lu\n",
		RESTORE_FORMAT, r->arch->name, lib_ver, qemu_ver);
	if ((rc = add_file(&k->text, "kernel", kernel, why, n)) < 0 ||
	    (rc = add_file(&k->text, "initrd", initrd, why, n)) < 0 ||
	    (rc = add_file(&k->text, "emulator", r->arch->emulator, why, n)) < 0 ||
	    (r->arch->firmware && !access(r->arch->firmware, R_OK) &&
	     (rc = add_file(&k->text, "firmware", r->arch->firmware, why, n)) < 0))
		goto cleanup;
	sb_adds(&k->text, "xml\n");
	rc = sb_adds(&k->text, sb_str(&c));
	if (rc < 0) {
		snprintf(why, n, "out of memory");
		goto cleanup;
	}
	k->hash = fnv1a(k->text.buf, k->text.len);
	snprintf(k->name, sizeof(k->name), "hpt-%s-r%016llx", r->arch->name,
		 (unsigned long long)k->hash);
	{
		/* a second hash for the other 64 bits; RFC 4122 version 4 and variant bits */
		uint64_t h2 = fnv1a(k->name, strlen(k->name)) ^ k->hash * 0x9e3779b97f4a7c15ull;

		snprintf(k->uuid, sizeof(k->uuid), "%08llx-%04llx-4%03llx-%04llx-%012llx",
			 (unsigned long long)(k->hash >> 32),
			 (unsigned long long)(k->hash >> 16 & 0xffff),
			 (unsigned long long)(k->hash & 0xfff),
			 (unsigned long long)(0x8000 | (h2 >> 48 & 0x3fff)),
			 (unsigned long long)(h2 & 0xffffffffffffull));
	}
cleanup:
	sb_release(&a);
	sb_release(&b);
	sb_release(&c);
	if (rc)
		sb_release(&k->text);
	return rc;
}

/* Copies the value of the attribute that ends right before `end` (…path='VALUE' with end
 * pointing at VALUE's end) into buf; 0 or -EINVAL. */
static int attr_before(const char *xml, const char *end, char *buf, size_t n)
{
	const char *start = end;

	while (start > xml && start[-1] != '\'' && start[-1] != '"')
		start--;
	if (start == xml || (size_t)(end - start) >= n)
		return -EINVAL;
	snprintf(buf, n, "%.*s", (int)(end - start), start);
	return 0;
}

int restore_xml(struct strbuf *out, const char *saved, const char *dir, const char *sock)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, to = STRBUF_INIT;
	const char *con = strstr(saved, "/console.log'"), *ch = strstr(saved, "<source mode='bind' path='");
	char old_dir[PATH_MAX + 1], old_sock[PATH_MAX];
	int rc = -EINVAL;

	if (!con || !ch || attr_before(saved, con, old_dir, sizeof(old_dir) - 1) < 0)
		goto cleanup;
	ch += strlen("<source mode='bind' path='");
	if (!strchr(ch, '\'') || attr_before(saved, strchr(ch, '\''), old_sock, sizeof(old_sock)) < 0)
		goto cleanup;
	strcat(old_dir, "/");
	xml_esc(&to, dir, 1, 0);
	sb_adds(&to, "/");
	if (replace_all(&a, saved, old_dir, sb_str(&to)) < 0)
		goto cleanup;
	sb_reset(&to);
	xml_esc(&to, sock, 1, 0);
	if (replace_all(&b, sb_str(&a), old_sock, sb_str(&to)) < 0)
		goto cleanup;
	/* QEMU appends to the console log, which starts with the saved boot's lines */
	rc = replace_all(out, sb_str(&b), "/console.log'/>", "/console.log' append='on'/>");
cleanup:
	sb_release(&a);
	sb_release(&b);
	sb_release(&to);
	return rc < 0 ? rc : 0;
}

const char *restore_arch_refuses(const struct arch *a, const char *accel, uint64_t cpus,
				 unsigned long qemu_ver)
{
	if (!a->no_restore)
		return NULL;
	/* only what was measured: TCG (a KVM guest never ran here) */
	if (a->restore_tcg_qemu_min && accel && !strcmp(accel, "tcg") &&
	    qemu_ver >= a->restore_tcg_qemu_min &&
	    (a->restore_cpus_offline ? 1 : cpus) <= a->restore_tcg_max_cpus)
		return NULL;
	return a->no_restore;
}
