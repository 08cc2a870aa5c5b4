/* What the capability model needs to know about a run: the guest kernel's version and
 * config, QEMU's version (see caps.h). */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libvirt/libvirt.h>
#include "arch.h"
#include "caps.h"
#include "kernels.h"
#include "guest.h"
#include "hpt.h"
#include "virt.h"

#define IMAGE_SCAN_MAX (256u << 20)

/* A release string starts with digits '.' digits and has no blanks. */
static int release_at(const char *p, const char *end, char *rel, size_t n)
{
	size_t len = 0;
	const char *q = p;

	while (q < end && *q >= '0' && *q <= '9')
		q++;
	if (q == p || q >= end || *q != '.' || q + 1 >= end || q[1] < '0' || q[1] > '9')
		return 0;
	while (p + len < end && p[len] > ' ' && p[len] < 127)
		len++;
	if (len < 3 || len >= n)
		return 0;
	memcpy(rel, p, len);
	rel[len] = 0;
	return 1;
}

int kimage_release(const char *path, char *rel, size_t n)
{
	static const char banner[] = "Linux version ";
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, size;
	struct stat st;
	int found = 0;

	if (!f)
		return -errno;
	size = fstat(fileno(f), &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 0;
	if (size > IMAGE_SCAN_MAX)
		size = IMAGE_SCAN_MAX;
	buf = size ? malloc(size) : NULL;
	if (buf)
		len = fread(buf, 1, size, f);
	fclose(f);
	if (!buf)
		return size ? -ENOMEM : -ENOENT;
	/* uncompressed images (ppc64 vmlinux, x86 vmlinux): the banner */
	for (size_t i = 0; !found && len > sizeof(banner) && i < len - sizeof(banner); i++)
		if (buf[i] == 'L' && !memcmp(buf + i, banner, sizeof(banner) - 1))
			found = release_at(buf + i + sizeof(banner) - 1, buf + len, rel, n);
	/* x86 bzImage: boot header "HdrS" at 0x202, kernel_version pointer at 0x20e */
	if (!found && len > 0x210 && !memcmp(buf + 0x202, "HdrS", 4)) {
		size_t off = (size_t)((unsigned char)buf[0x20e] | (unsigned char)buf[0x20f] << 8);

		if (off && off + 0x200 < len)
			found = release_at(buf + off + 0x200, buf + len, rel, n);
	}
	/* s390 image: the decompressor's "RELEASE (user@host) #1 …" string */
	for (size_t i = 0; !found && len > 96 && i < len - 96; i++) {
		const char *lp;

		if ((i && buf[i - 1] >= ' ' && buf[i - 1] < 127) || buf[i] < '0' || buf[i] > '9')
			continue;
		lp = memchr(buf + i, ' ', 64);
		if (lp && lp[1] == '(' && memchr(lp, '@', 64) && release_at(buf + i, lp, rel, n))
			found = 1;
	}
	free(buf);
	return found ? 0 : -ENOENT;
}

/* Reads the .config next to the image: DIR/config (ours), DIR/.config (a build tree's
 * vmlinux), DIR/../../../.config (arch/X/boot/IMAGE). Cached per path. */
static const char *kernel_config(const char *image)
{
	static char *text, cached[PATH_MAX];
	static const char *const rel[] = { "config", ".config", "../../../.config" };
	char dir[PATH_MAX], path[PATH_MAX + 32];

	if (!strcmp(cached, image))
		return text;
	free(text);
	text = NULL;
	snprintf(cached, sizeof(cached), "%s", image);
	snprintf(dir, sizeof(dir), "%s", image);
	dirname(dir);
	for (size_t i = 0; !text && i < sizeof(rel) / sizeof(rel[0]); i++) {
		FILE *f;
		long sz;

		snprintf(path, sizeof(path), "%s/%s", dir, rel[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) > 0 && sz < (16 << 20) &&
		    fseek(f, 0, SEEK_SET) == 0 && (text = calloc(1, (size_t)sz + 1)) &&
		    fread(text, 1, (size_t)sz, f) != (size_t)sz) {
			free(text);
			text = NULL;
		}
		fclose(f);
	}
	return text;
}

static int release_version(const char *rel)
{
	int maj, min;

	return sscanf(rel, "%d.%d", &maj, &min) == 2 ? CAP_VER(maj, min) : 0;
}

void caps_query_for(struct run *r, const char *kind, struct cap_query *q)
{
	char image[PATH_MAX], rel[96], path[PATH_MAX + 16];
	unsigned long ver = 0;
	FILE *f;

	memset(q, 0, sizeof(*q));
	q->arch = r->arch->name;
	q->kind = kind;
	guest_kernel_image(r, image, sizeof(image));
	if (r->guest.major) {
		q->kernel = CAP_VER(r->guest.major, r->guest.minor);
	} else {
		/* ours: the version file written with the kernel; else the image itself */
		snprintf(path, sizeof(path), "%s", image);
		snprintf(path + strlen(dirname(path)), 16, "/version");
		/* a kernel the user brought has no version file we wrote (a Debian kernel
		 * directory, given as a path by a matrix, has one, with its package file) */
		kernel_package_of(image, rel, sizeof(rel));
		f = !image[0] || (r->ksel && !rel[0]) ? NULL : fopen(path, "r");
		if (f) {
			if (fgets(rel, sizeof(rel), f))
				q->kernel = release_version(rel);
			fclose(f);
		} else {
			/* read once per image: images are tens of MiB, needs are asked often */
			static char cached[PATH_MAX];
			static int cached_ver;

			if (image[0] && strcmp(cached, image)) {
				snprintf(cached, sizeof(cached), "%s", image);
				cached_ver = kimage_release(image, rel, sizeof(rel)) == 0 ?
					     release_version(rel) : 0;
			}
			q->kernel = image[0] ? cached_ver : 0;
		}
	}
	if (r->virt && r->virt->conn && virConnectGetVersion(r->virt->conn, &ver) == 0)
		q->qemu = ver;
	if (r->virt && r->virt->conn && virConnectGetLibVersion(r->virt->conn, &ver) == 0)
		q->libvirt = ver;
	q->config = image[0] ? kernel_config(image) : NULL;
}

int caps_need(struct run *r, enum cap_kind cap, const char *kind, char *why, size_t n)
{
	struct cap_query q;
	struct cap_fact f;

	caps_query_for(r, kind, &q);
	if (caps_ask(cap, &q, &f) != CAP_NO)
		return 0;
	snprintf(why, n, "%s", f.why);
	return -1;
}
