/*
 * Per-process settings from the spec that init applies to itself and the
 * command inherits: `rlimit`, `umask`, and the container's namespaced
 * `sysctl`s; and `join-ns`, entering an existing namespace by path.
 */
#include "config.h"
#include "plan.h"
#include "steps.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

/* ---- join-ns TYPE PATH -------------------------------------------------- */

static int ns_flag(const char *type, int *flag)
{
	unsigned long flags;

	/* One namespace, by the same names `namespaces` uses. */
	if (strchr(type, ',') || parse_namespaces(type, &flags) < 0 || !flags)
		return fail(EINVAL, type);
	*flag = (int)flags;
	return 0;
}

/*
 * Supervisor, while reading the plan: a PID namespace is joined now, by
 * the supervisor itself, because only children change PID namespace --
 * the clone then creates init inside it. Init's parent (we) is then
 * outside init's PID namespace, as with `join-pidns`.
 */
int sup_join_ns(struct config *cfg, const struct step *st)
{
	int flag, fd;

	if (ns_flag(st->args[0].str, &flag) < 0)
		return -1;
	/* A user namespace is joined by a helper, before the others are
	 * created, so that it owns them (userns.c). */
	if (flag == CLONE_NEWUSER) {
		fd = open(st->args[1].str, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail(errno, st->args[1].str);
		cfg->join_userns_fd = fd;
		cfg->join_userns_index = st->index;
		return 0;
	}
	if (flag != CLONE_NEWPID)
		return 0;
	fd = open(st->args[1].str, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, st->args[1].str);
	if (setns(fd, CLONE_NEWPID) < 0) {
		int err = errno;

		close(fd);
		return fail(err, st->args[1].str);
	}
	close(fd);
	cfg->joined_pidns = true;
	return 0;
}

/* The other types: opened now (a missing path fails before the clone),
 * entered by init as its step. */
int prepare_join_ns(struct step *s)
{
	int flag;

	if (ns_flag(s->args[0].str, &flag) < 0)
		return -1;
	if (flag == CLONE_NEWPID || flag == CLONE_NEWUSER)
		return 0;
	s->fd = open(s->args[1].str, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return fail(errno, s->args[1].str);
	return 0;
}

int step_join_ns(struct init_state *st, const struct step *s)
{
	int flag;

	(void)st;
	if (ns_flag(s->args[0].str, &flag) < 0)
		return -1;
	if (flag == CLONE_NEWPID || flag == CLONE_NEWUSER)
		return 0;	/* done before the clone / by the helper */
	/* setns checks that the file is a namespace of this type (EINVAL). */
	if (setns(s->fd, flag) < 0)
		return fail(errno, s->args[1].str);
	return 0;
}

/* ---- rlimit TYPE SOFT HARD ---------------------------------------------- */

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

/* A decimal number or `infinity`. */
static int parse_limit(const char *s, rlim_t *out)
{
	uint64_t n;

	if (!strcmp(s, "infinity")) {
		*out = RLIM_INFINITY;
		return 0;
	}
	if (parse_u64(s, 10, UINT64_MAX, &n) < 0)
		return fail(EINVAL, s);
	*out = (rlim_t)n;
	return 0;
}

int step_rlimit(struct init_state *st, const struct step *s)
{
	const char *name = s->args[0].str;
	struct rlimit limit;

	(void)st;
	if (parse_limit(s->args[1].str, &limit.rlim_cur) < 0 ||
	    parse_limit(s->args[2].str, &limit.rlim_max) < 0)
		return -1;
	for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++) {
		if (strcmp(rlimits[i].name, name) != 0)
			continue;
		/* EPERM: raising the hard limit without CAP_SYS_RESOURCE. */
		if (setrlimit(rlimits[i].resource, &limit) < 0)
			return fail(errno, name);
		return 0;
	}
	return fail(EINVAL, name);
}

/* ---- umask MODE --------------------------------------------------------- */

int step_umask(struct init_state *st, const struct step *s)
{
	uint64_t mode;

	if (parse_u64(s->args[0].str, 8, 0777, &mode) < 0)
		return fail(EINVAL, s->args[0].str);
	/* Init keeps umask 0 for its own steps; this is what exec restores. */
	st->umask = (mode_t)mode;
	return 0;
}

/* ---- sysctl KEY VALUE --------------------------------------------------- */

/*
 * Writes /proc/sys/KEY (dots become slashes) in the container's own /proc,
 * after pivot-root. TypeScript admits only namespaced keys; the file must
 * be on procfs, so a tree without /proc mounted cannot make us write into
 * one of its own files instead.
 */
int step_sysctl(struct init_state *st, const struct step *s)
{
	const char *key = s->args[0].str, *value = s->args[1].str;
	char path[PATH_MAX];
	struct statfs fs;
	size_t len = strlen(value);
	int fd, n;

	n = snprintf(path, sizeof path, "proc/sys/%s", key);
	if (n < 0 || (size_t)n >= sizeof path || strstr(key, "..") || strchr(key, '/'))
		return fail(EINVAL, key);
	for (char *p = path + strlen("proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	fd = openat(st->rootfd, path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, key);
	if (fstatfs(fd, &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC) {
		close(fd);
		return fail(EXDEV, "/proc is not procfs");
	}
	if (write(fd, value, len) != (ssize_t)len) {
		int err = errno;

		close(fd);
		return fail(err ? err : EIO, key);
	}
	close(fd);
	return 0;
}
