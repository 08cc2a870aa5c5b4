/* `hotplug-test merge [--out DIR] DIR…`: joins the output dirs of a matrix's shards
 * (`matrix --shard K/N` on N machines) into one: every run dir, one results.json,
 * junit.xml and index.html, written by the matrix's own reporters from the shards'
 * results.json, as if one machine had run the whole matrix. Shards must be of one plan
 * (same jobs, same N, same split) and all there, each once; output dirs of matrices that
 * are not shards are joined when no job is in two of them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "arch.h"
#include "cmd.h"
#include "hpt.h"
#include "json.h"
#include "jsonr.h"
#include "matrix.h"
#include "report.h"
#include "virt.h"

#define RESULTS_MAX (256u << 20)

struct merge_cli {
	const char *out;
};

static const struct opt merge_opts[] = {
	{ "out", OPT_STR, offsetof(struct merge_cli, out), 0, 0, 0, NULL,
	  "the joined output dir (default runs/matrix-<time>)" },
	{ 0 }
};

struct input {
	const char *dir;
	struct strbuf text;
	struct jr_val v;
	const struct jr_val *m, *runs, *shard;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: hotplug-test merge [--out DIR] MATRIX-DIR…\n\noptions:\n");
	opts_usage(f, merge_opts, 1);
	fprintf(f, "\njoins the output dirs of `matrix --shard K/N` (every K of one N, each once) "
		   "into one:\nrun dirs, results.json, junit.xml, index.html and the table.\n"
		   "exit status: as the whole matrix's would be (1 FAIL, 2 ERROR, 0), 2 if the "
		   "dirs do not join\n");
}

static int load(struct input *in, char *err, size_t n)
{
	char path[PATH_MAX + 16];
	int rc;

	snprintf(path, sizeof(path), "%s/results.json", in->dir);
	rc = jr_load(&in->v, &in->text, path, RESULTS_MAX, err, n);
	if (rc < 0)
		return rc;
	in->m = jr_get(&in->v, "matrix");
	in->runs = jr_get(&in->v, "runs");
	if (!in->m || !in->runs || in->runs->type != JR_ARR) {
		snprintf(err, n, "%s: not a matrix's results (no \"matrix\" and \"runs\")", path);
		return -EINVAL;
	}
	in->shard = jr_get(in->m, "shard");
	return 0;
}

/* Every input a shard of the same plan and every shard there once, or none a shard. */
static int check_shards(struct input *in, int n, char *err, size_t errlen)
{
	int count = 0, missing = 0, *seen;
	const char *plan = NULL;
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		if (!in[i].shard != !in[0].shard) {
			snprintf(err, errlen, "%s is %sa shard but %s is%s", in[i].dir,
				 in[i].shard ? "" : "not ", in[0].dir, in[0].shard ? "" : " not");
			return -EINVAL;
		}
		if (!in[i].shard)
			continue;
		if (!count) {
			count = (int)jr_num(in[i].shard, "count", 0);
			plan = jr_str(in[i].shard, "plan", "");
		}
		if ((int)jr_num(in[i].shard, "count", 0) != count ||
		    strcmp(jr_str(in[i].shard, "plan", ""), plan)) {
			snprintf(err, errlen, "%s (shard %.0f/%.0f, plan %s) and %s (shard %.0f/%d, plan "
				 "%s) split different matrices: give every machine the same "
				 "scenarios, arches, N and --shard-times", in[i].dir,
				 jr_num(in[i].shard, "index", 0), jr_num(in[i].shard, "count", 0),
				 jr_str(in[i].shard, "plan", "?"), in[0].dir,
				 jr_num(in[0].shard, "index", 0), count, plan);
			return -EINVAL;
		}
	}
	if (!count)
		return 0;
	seen = calloc((size_t)count + 1, sizeof(*seen));
	if (!seen)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		int k = (int)jr_num(in[i].shard, "index", 0);

		if (k < 1 || k > count || seen[k]) {
			snprintf(err, errlen, "%s: shard %d/%d %s", in[i].dir, k, count,
				 k < 1 || k > count ? "is out of range" : "is given twice");
			free(seen);
			return -EINVAL;
		}
		seen[k] = i + 1;
	}
	len = (size_t)snprintf(err, errlen, "shard(s) missing:");
	for (int k = 1; k <= count; k++)
		if (!seen[k]) {
			missing++;
			if (len < errlen)
				len += (size_t)snprintf(err + len, errlen - len, " %d/%d", k, count);
		}
	free(seen);
	if (missing && len < errlen)
		snprintf(err + len, errlen - len, " (every part of the matrix must be joined)");
	return missing ? -ENOENT : 0;
}

/* Hard links (copies across filesystems) of the tree src at dst. */
static int copy_tree(const char *src, const char *dst)
{
	char s[PATH_MAX], d[PATH_MAX], buf[65536];
	struct dirent *e;
	DIR *dir = opendir(src);
	int rc = 0;

	if (!dir)
		return -errno;
	if (mkdir(dst, 0700) < 0 && errno != EEXIST) {
		closedir(dir);
		return -errno;
	}
	while ((e = readdir(dir)) && rc == 0) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(s, sizeof(s), "%s/%s", src, e->d_name);
		snprintf(d, sizeof(d), "%s/%s", dst, e->d_name);
		if (lstat(s, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = copy_tree(s, d);
		} else if (S_ISREG(st.st_mode) && link(s, d) < 0) {
			int in = open(s, O_RDONLY | O_CLOEXEC);
			int out = open(d, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0777);
			ssize_t got = 0;

			while (in >= 0 && out >= 0 && (got = read(in, buf, sizeof(buf))) > 0)
				if (write(out, buf, (size_t)got) != got) {
					got = -1;
					break;
				}
			if (in < 0 || out < 0 || got < 0)
				rc = -EIO;
			if (in >= 0)
				close(in);
			if (out >= 0)
				close(out);
		}
	}
	closedir(dir);
	return rc;
}

static const char *base_of(const char *p)
{
	return strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
}

/* The run dir of run r of input in, as found now ("" if it is nowhere). */
static void find_run_dir(const struct input *in, const struct jr_val *r, const char *key,
			 char *out, size_t n)
{
	const char *rd = jr_str(r, "run_dir", NULL);
	struct stat st;

	snprintf(out, n, "%s/%s", in->dir, key);	/* a moved shard dir keeps its runs */
	if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
		return;
	snprintf(out, n, "%s", rd && rd[0] == '/' ? rd : "");
	if (!out[0] || stat(out, &st) < 0 || !S_ISDIR(st.st_mode))
		out[0] = 0;
}

static int arch_index(struct matrix *m, const char *name)
{
	const struct arch *a = arch_find(name);

	for (int i = 0; a && i < m->n_arches; i++)
		if (m->arches[i] == a)
			return i;
	if (!a || m->n_arches == MATRIX_ARCHES_MAX)
		return -1;
	m->arches[m->n_arches] = a;
	return m->n_arches++;
}

static int host_index(struct matrix *m, const char *uri)
{
	const char *u = uri && strcmp(uri, VIRT_EMBED_URI) ? uri : "";

	for (int i = 0; i < m->n_hosts; i++)
		if (!strcmp(m->hosts[i].uri, u))
			return i;
	if (m->n_hosts == MATRIX_HOSTS_MAX)
		return 0;
	snprintf(m->hosts[m->n_hosts].uri, sizeof(m->hosts[0].uri), "%s", u);
	return m->n_hosts++;
}

/* The matrix-wide facts: arches, hosts, kernels, start, wall time, -j. */
/* The (arch, kernel) of the joined matrix that spec names, added if new ("" or a spec no
 * shard listed among its kernels: the arch's default kernel); NULL when full. */
static struct matrix_kernel *merge_kernel(struct matrix *m, const struct arch *a,
					  const char *spec)
{
	int n = 0;

	for (int i = 0; i < m->n_mks; i++)
		if (m->mks[i].arch == a &&
		    (m->mks[i].sel ? !strcmp(m->mks[i].sel->spec, spec) : !spec[0]))
			return &m->mks[i];
	for (int i = 0; i < m->n_mks; i++)
		n += m->mks[i].arch == a;
	if (m->n_mks == MATRIX_ARCHES_MAX * (KERNELS_MAX + 1) ||
	    (spec[0] && m->kernels.n == KERNELS_MAX))
		return NULL;
	m->mks[m->n_mks].arch = a;
	for (int i = 0; i < m->n_mks; i++)	/* an arch with several kernels: labels in names */
		if (m->mks[i].arch == a)
			m->mks[i].many = 1;
	m->mks[m->n_mks].many = n > 0;
	return &m->mks[m->n_mks++];
}

static int join_headers(struct matrix *m, struct input *in, int n, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		const struct jr_val *a = jr_get(in[i].m, "arches"), *h = jr_get(in[i].m, "hosts");
		const struct jr_val *k = jr_get(in[i].m, "kernels");
		const char *started = jr_str(in[i].m, "started", "");
		uint64_t wall = (uint64_t)jr_num(in[i].m, "wall_ms", 0);

		for (size_t x = 0; a && a->type == JR_ARR && x < a->len; x++)
			if (a->items[x].type != JR_STR || arch_index(m, a->items[x].str) < 0) {
				snprintf(err, errlen, "%s: unknown arch in \"arches\"", in[i].dir);
				return -EINVAL;
			}
		for (size_t x = 0; h && h->type == JR_ARR && x < h->len; x++)
			if (h->items[x].type == JR_STR)
				host_index(m, h->items[x].str);
		for (size_t x = 0; k && k->type == JR_ARR && x < k->len; x++) {
			const struct jr_val *kx = &k->items[x];
			int ai = arch_index(m, jr_str(kx, "arch", "?"));
			struct matrix_kernel *mk;

			if (ai < 0 || !(mk = merge_kernel(m, m->arches[ai], jr_str(kx, "spec", ""))))
				continue;
			if (!mk->sel) {	/* first seen: the kernel the shard prepared */
				struct kernel_sel *ks = &m->kernels.k[m->kernels.n++];

				ks->arch = m->arches[ai];
				ks->debian = !strncmp(jr_str(kx, "spec", ""), "debian:", 7);
				snprintf(ks->spec, sizeof(ks->spec), "%s", jr_str(kx, "spec", ""));
				snprintf(ks->image, sizeof(ks->image), "%s", ks->debian ? "" :
					 jr_str(kx, "image", ""));
				snprintf(ks->modules, sizeof(ks->modules), "%s",
					 jr_str(kx, "modules", ""));
				snprintf(ks->label, sizeof(ks->label), "%s",
					 jr_str(kx, "label", ks->spec));
				mk->sel = ks;
				snprintf(mk->p.image, sizeof(mk->p.image), "%s", jr_str(kx, "image", ""));
				snprintf(mk->p.release, sizeof(mk->p.release), "%s",
					 jr_str(kx, "release", ""));
				snprintf(mk->p.package, sizeof(mk->p.package), "%s",
					 jr_str(kx, "package", ""));
			}
		}
		if (started[0] && (!m->started[0] || strcmp(started, m->started) < 0))
			snprintf(m->started, sizeof(m->started), "%s", started);
		if (wall > m->wall_ms)	/* the shards ran side by side */
			m->wall_ms = wall;
		m->parallel += (int)jr_num(in[i].m, "parallel", 0);
	}
	if (!m->n_hosts)
		host_index(m, NULL);
	if (!m->wall_ms)
		m->wall_ms = 1;
	return 0;
}

/* One job of the joined matrix from run r of an input. */
static int join_run(struct matrix *m, struct job *j, const struct jr_val *r, const char *key,
		    char *err, size_t errlen)
{
	const struct jr_val *res = jr_get(r, "results");
	const char *v = jr_str(r, "verdict", "ERROR"), *host = jr_str(r, "host", NULL);
	int ai = arch_index(m, jr_str(r, "arch", "?"));
	uint64_t ms = (uint64_t)(jr_num(r, "seconds", 0) * 1000.0);

	if (ai < 0) {
		snprintf(err, errlen, "run %s: unknown arch %s", key, jr_str(r, "arch", "?"));
		return -EINVAL;
	}
	j->name = jr_str(r, "scenario", "?");
	j->path = jr_str(r, "file", "?");
	j->arch = m->arches[ai];
	for (int i = 0; i < m->n_mks && !j->mk; i++)	/* the kernel the shard named */
		if (m->mks[i].arch == j->arch && m->mks[i].sel &&
		    !strcmp(m->mks[i].sel->spec, jr_str(r, "kernel_spec", "")))
			j->mk = &m->mks[i];
	if (!j->mk && !(j->mk = merge_kernel(m, j->arch, ""))) {
		snprintf(err, errlen, "run %s: too many kernels to join", key);
		return -E2BIG;
	}
	j->index = (size_t)jr_num(r, "index", 0);
	j->host = host_index(m, host);
	j->state = JOB_DONE;
	j->t_start = m->t0;	/* only the duration is known */
	j->t_end = m->t0 + ms;
	j->untimed = 1;
	snprintf(j->dir, sizeof(j->dir), "%s/%s", m->out, key);
	if (res && res->type == JR_OBJ) {
		struct strbuf text = STRBUF_INIT;
		struct json w;

		job_from_results(j, res);
		json_init(&w, &text, 0);
		jr_write(&w, NULL, res);
		j->json = text.buf;	/* the run's results, as the shard kept them */
	}
	j->v = V_ERROR;
	for (int x = 0; x < V__COUNT; x++)
		if (!strcmp(verdict_names[x], v))
			j->v = (enum verdict)x;	/* the shard's verdict for the job stands */
	if (jr_str(r, "kernel", NULL))
		snprintf(j->kernel, sizeof(j->kernel), "%s", jr_str(r, "kernel", ""));
	snprintf(j->note, sizeof(j->note), "%s", jr_str(r, "note", ""));
	return 0;
}

/* The whole matrix's order of jobs: as the shard with the lowest K recorded it (every
 * shard of a plan has the same jobs; their order follows its command line). */
static const struct jr_val *whole_order(const struct input *in, int n)
{
	const struct jr_val *best = NULL;
	double k = 1e300;

	for (int i = 0; i < n; i++) {
		const struct jr_val *o = jr_get(in[i].shard, "order");

		if (o && o->type == JR_ARR && jr_num(in[i].shard, "index", 1e300) < k) {
			best = o;
			k = jr_num(in[i].shard, "index", 1e300);
		}
	}
	return best;
}

/* A job's place: in that order, or after all of it in the order the dirs were named. */
static size_t place(const struct jr_val *order, const char *key, size_t seq)
{
	for (size_t i = 0; order && i < order->len; i++)
		if (order->items[i].type == JR_STR && !strcmp(order->items[i].str, key))
			return i;
	return (order ? order->len : 0) + seq;
}

static int by_index(const void *a, const void *b)
{
	const struct job *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* --out must not be one of the inputs (it would hold a matrix already: say which). */
static int out_dir(struct matrix *m, const char *out, struct input *in, int n)
{
	char o[PATH_MAX], r[PATH_MAX];

	for (int i = 0; out && realpath(out, o) && i < n; i++)
		if (realpath(in[i].dir, r) && !strcmp(r, o)) {
			fprintf(stderr, "hotplug-test merge: --out %s is one of the dirs to join\n",
				out);
			return -1;
		}
	return matrix_out_dir(m, out, "merge");
}

/* "merged": where each part came from, for the joined results.json. */
static char *merged_json(struct input *in, int n)
{
	struct strbuf sb = STRBUF_INIT;
	struct json w;
	char r[PATH_MAX], k[32];

	json_init(&w, &sb, 0);
	json_arr_begin(&w, NULL);
	for (int i = 0; i < n; i++) {
		json_obj_begin(&w, NULL);
		json_str(&w, "dir", realpath(in[i].dir, r) ? r : in[i].dir);
		if (in[i].shard)
			snprintf(k, sizeof(k), "%.0f/%.0f", jr_num(in[i].shard, "index", 0),
				 jr_num(in[i].shard, "count", 0));
		json_str(&w, "shard", in[i].shard ? k : NULL);
		json_u64(&w, "runs", in[i].runs->len);
		json_str(&w, "started", jr_str(in[i].m, "started", NULL));
		json_u64(&w, "wall_ms", (uint64_t)jr_num(in[i].m, "wall_ms", 0));
		json_i64(&w, "exit_code", (int64_t)jr_num(in[i].m, "exit_code", 2));
		json_obj_end(&w);
	}
	json_arr_end(&w);
	return sb.buf;
}

/* 1 (a FAIL) over 2 (an ERROR) over 0. */
static int worse(int a, int b)
{
	return a == 1 || b == 1 ? 1 : a == 2 || b == 2 ? 2 : 0;
}

static int cmd(int argc, char **argv)
{
	static struct matrix m;
	static const struct job_cli none;
	struct merge_cli cli = { 0 };
	struct input *in = NULL;
	char err[2048], src[PATH_MAX];
	size_t total = 0, missing = 0;
	const struct jr_val *order;
	int first, n, code = 2;

	memset(&m, 0, sizeof(m));
	first = opts_cli(merge_opts, &cli, argc - 1, argv + 1, err, sizeof(err));
	if (first == -EAGAIN) {
		usage(stdout);
		return 0;
	}
	if (first < 0) {
		fprintf(stderr, "hotplug-test merge: %s\n", err);
		usage(stderr);
		return 2;
	}
	first++;
	n = argc - first;
	if (n <= 0) {
		fprintf(stderr, "hotplug-test merge: name the matrix output dirs to join\n");
		usage(stderr);
		return 2;
	}
	in = calloc((size_t)n, sizeof(*in));
	if (!in)
		return 2;
	for (int i = 0; i < n; i++) {
		in[i].dir = argv[first + i];
		if (load(&in[i], err, sizeof(err)) < 0)
			goto fail;
		total += in[i].runs->len;
	}
	if (check_shards(in, n, err, sizeof(err)) < 0)
		goto fail;
	order = whole_order(in, n);
	m.job = &none;
	m.t0 = now_ms();
	m.jobs = calloc(total ? total : 1, sizeof(*m.jobs));
	m.mks = calloc(MATRIX_ARCHES_MAX * (KERNELS_MAX + 1), sizeof(*m.mks));
	if (!m.jobs || !m.mks || out_dir(&m, cli.out, in, n) < 0)
		goto cleanup;
	if (join_headers(&m, in, n, err, sizeof(err)) < 0)
		goto fail;
	for (int i = 0; i < n; i++)
		for (size_t x = 0; x < in[i].runs->len; x++) {
			const struct jr_val *r = &in[i].runs->items[x];
			const char *rd = jr_str(r, "run_dir", NULL);
			char key[256];
			struct job *j = &m.jobs[m.n];

			if (rd && base_of(rd)[0])
				snprintf(key, sizeof(key), "%s", base_of(rd));
			else
				snprintf(key, sizeof(key), "%s.%s", jr_str(r, "scenario", "?"),
					 jr_str(r, "arch", "?"));
			for (size_t y = 0; y < m.n; y++)
				if (!strcmp(base_of(m.jobs[y].dir), key)) {
					snprintf(err, sizeof(err), "job %s is in two of the dirs (%s "
						 "too): merge joins disjoint parts", key, in[i].dir);
					goto fail;
				}
			if (join_run(&m, j, r, key, err, sizeof(err)) < 0)
				goto fail;
			j->index = place(order, key, m.n);
			m.n++;
			find_run_dir(&in[i], r, key, src, sizeof(src));
			if (!src[0] || copy_tree(src, j->dir) < 0)
				missing++;
		}
	m.axis = m.kernels.n > 0;
	/* the whole matrix's order: a scenario's jobs together, as the table wants them */
	qsort(m.jobs, m.n, sizeof(*m.jobs), by_index);
	m.merged_json = merged_json(in, n);
	code = matrix_exit_code(&m);
	for (int i = 0; i < n; i++)
		code = worse(code, (int)jr_num(in[i].m, "exit_code", 2));
	if (missing)
		fprintf(stderr, "hotplug-test merge: %zu run dir(s) not found (their results are "
			"kept, without a report to link to)\n", missing);
	matrix_table(stdout, &m);
	if (report_matrix_files(&m, code) < 0) {
		fprintf(stderr, "hotplug-test merge: cannot write the reports into %s\n", m.out);
		code = 2;
	}
	goto cleanup;
fail:
	fprintf(stderr, "hotplug-test merge: %s\n", err);
	code = 2;
cleanup:
	for (size_t i = 0; i < m.n; i++)
		job_free(&m.jobs[i]);
	free(m.jobs);
	free(m.mks);
	free((char *)m.merged_json);
	for (int i = 0; in && i < n; i++) {
		jr_free(&in[i].v);
		sb_release(&in[i].text);
	}
	free(in);
	return code;
}

const struct command cmd_merge = { "merge", cmd,
	"join the output dirs of a matrix's shards (matrix --shard K/N) into one" };
