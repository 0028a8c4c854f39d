/*
 * Attributes of the process that the command inherits through execve:
 * `domainname`, `oom-score-adj`, `io-priority`, `scheduler`,
 * `personality`, `cpu-affinity` (and the supervisor's
 * `initial-cpu-affinity` and `time-namespace`, a new time namespace with
 * its offsets) and the LSM label of the next exec (`exec-label`). TypeScript turns the spec's
 * names into the numbers given here; these steps only make the calls.
 *
 * Files under /proc are opened from a /proc that must be procfs, without
 * crossing a mount or following a magic link (openat2), so a container
 * whose own /proc is seen (exec) cannot redirect a write -- such as the
 * label that confines it -- onto another file.
 */
#include "config.h"
#include "plan.h"
#include "steps.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/openat2.h>

/* A signed decimal within [min, max]. */
static int parse_s64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	uint64_t n;
	bool negative = *s == '-';

	if (parse_u64(s + negative, 10, negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &n) < 0)
		return fail(EINVAL, s);
	*out = negative ? (int64_t)(0 - n) : (int64_t)n;
	if (*out < min || *out > max)
		return fail(ERANGE, s);
	return 0;
}

static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
	if (parse_u64(s, 10, max, out) < 0)
		return fail(EINVAL, s);
	return 0;
}

/* /proc/REL (REL starting with self/ or thread-self/), opened as said above. */
static int open_proc_self(const char *rel, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC,
		.resolve = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	char path[PATH_MAX];
	struct statfs fs;
	int proc, fd, err;

	proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0)
		return -1;
	if (fstatfs(proc, &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC) {
		close(proc);
		errno = EXDEV;
		return -1;
	}
	snprintf(path, sizeof path, "%s", rel);
	fd = (int)syscall(SYS_openat2, proc, path, &how, sizeof how);
	err = errno;
	close(proc);
	errno = err;
	return fd;
}

static int write_proc_self(const char *rel, const char *value)
{
	size_t len = strlen(value);
	int fd = open_proc_self(rel, O_WRONLY), err;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, value, len);
	err = n < 0 ? errno : (size_t)n == len ? 0 : EIO;
	close(fd);
	errno = err;
	return err ? -1 : 0;
}

/* ---- domainname NAME ---------------------------------------------------- */

int step_domainname(struct init_state *st, const struct step *s)
{
	const char *name = s->args[0].str;

	(void)st;
	if (setdomainname(name, strlen(name)) < 0)
		return fail(errno, name);
	return 0;
}

/* ---- oom-score-adj N ---------------------------------------------------- */

int step_oom_score_adj(struct init_state *st, const struct step *s)
{
	int64_t n;

	(void)st;
	if (parse_s64(s->args[0].str, -1000, 1000, &n) < 0)
		return -1;
	/* EACCES: lowering it below what it was needs CAP_SYS_RESOURCE. */
	if (write_proc_self("self/oom_score_adj", s->args[0].str) < 0)
		return fail(errno, s->args[0].str);
	return 0;
}

/* ---- io-priority CLASS LEVEL -------------------------------------------- */

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

int step_io_priority(struct init_state *st, const struct step *s)
{
	uint64_t class, level;

	(void)st;
	if (parse_num(s->args[0].str, 3, &class) < 0 ||
	    parse_num(s->args[1].str, 7, &level) < 0)
		return -1;
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
		    (int)(class << IOPRIO_CLASS_SHIFT | level)) < 0)
		return fail(errno, s->args[0].str);
	return 0;
}

/* ---- scheduler POLICY FLAGS NICE PRIORITY RUNTIME DEADLINE PERIOD ------- */

/* struct sched_attr as of its first version (SCHED_ATTR_SIZE_VER0). */
struct sched_attr_v0 {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

int step_scheduler(struct init_state *st, const struct step *s)
{
	struct sched_attr_v0 attr = { .size = sizeof attr };
	uint64_t policy, flags, priority, runtime, deadline, period;
	int64_t nice;

	(void)st;
	if (parse_num(s->args[0].str, 6, &policy) < 0 ||
	    parse_num(s->args[1].str, 0x7f, &flags) < 0 ||
	    parse_s64(s->args[2].str, -20, 19, &nice) < 0 ||
	    parse_num(s->args[3].str, 99, &priority) < 0 ||
	    parse_num(s->args[4].str, UINT64_MAX, &runtime) < 0 ||
	    parse_num(s->args[5].str, UINT64_MAX, &deadline) < 0 ||
	    parse_num(s->args[6].str, UINT64_MAX, &period) < 0)
		return -1;
	attr.policy = (uint32_t)policy;
	attr.flags = flags;
	attr.nice = (int32_t)nice;
	attr.priority = (uint32_t)priority;
	attr.runtime = runtime;
	attr.deadline = deadline;
	attr.period = period;
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		return fail(errno, s->args[0].str);
	return 0;
}

/* ---- personality DOMAIN ------------------------------------------------- */

int step_personality(struct init_state *st, const struct step *s)
{
	uint64_t domain;

	(void)st;
	if (parse_num(s->args[0].str, 0xffffffffu - 1, &domain) < 0)
		return -1;
	if (personality((unsigned long)domain) < 0)
		return fail(errno, s->args[0].str);
	return 0;
}

/* ---- cpu-affinity LIST, initial-cpu-affinity LIST ----------------------- */

/* "0,1,5": the CPUs, as TypeScript expanded the spec's ranges. */
static int parse_cpus(const char *list, cpu_set_t *set)
{
	const char *p = list;

	CPU_ZERO(set);
	while (*p) {
		char number[16];
		size_t len = strcspn(p, ",");
		uint64_t cpu;

		if (len == 0 || len >= sizeof number)
			return fail(EINVAL, list);
		memcpy(number, p, len);
		number[len] = '\0';
		if (parse_u64(number, 10, CPU_SETSIZE - 1, &cpu) < 0)
			return fail(EINVAL, list);
		CPU_SET(cpu, set);
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int set_affinity(const char *list)
{
	cpu_set_t set;

	if (parse_cpus(list, &set) < 0)
		return -1;
	if (sched_setaffinity(0, sizeof set, &set) < 0)
		return fail(errno, list);
	return 0;
}

int step_cpu_affinity(struct init_state *st, const struct step *s)
{
	(void)st;
	return set_affinity(s->args[0].str);
}

/* Supervisor, before the clone: init is created (and moved into its cgroup)
 * on these CPUs, and inherits them. */
int sup_initial_cpu_affinity(struct config *cfg, const struct step *st)
{
	(void)cfg;
	return set_affinity(st->args[0].str);
}

/* ---- time-namespace MONO_SECS MONO_NSECS BOOT_SECS BOOT_NSECS (supervisor) --- */

/* While reading the plan: only the offsets are kept (a sealed re-exec reads
 * the plan again); time_namespace_set_up makes the namespace. */
int sup_time_namespace(struct config *cfg, const struct step *st)
{
	int64_t mono, boot;
	uint64_t mono_ns, boot_ns;

	if (parse_s64(st->args[0].str, INT64_MIN, INT64_MAX, &mono) < 0 ||
	    parse_num(st->args[1].str, 999999999, &mono_ns) < 0 ||
	    parse_s64(st->args[2].str, INT64_MIN, INT64_MAX, &boot) < 0 ||
	    parse_num(st->args[3].str, 999999999, &boot_ns) < 0)
		return -1;
	snprintf(cfg->time_offsets, sizeof cfg->time_offsets,
		 "monotonic %lld %llu\nboottime %lld %llu\n", (long long)mono,
		 (unsigned long long)mono_ns, (long long)boot,
		 (unsigned long long)boot_ns);
	cfg->time_index = st->index;
	return 0;
}

/* Just before the clone: unshare(CLONE_NEWTIME) moves only our children
 * into the new namespace, which has no process yet, so its offsets can be
 * written; init is then cloned into it (on every kernel with time
 * namespaces, not only those that switch at execve). We stay where we
 * were, keeping a handle to go back before running the exit command. */
int time_namespace_set_up(struct config *cfg)
{
	cfg->time_ns_fd = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
	if (cfg->time_ns_fd < 0)
		return fail(errno, "/proc/self/ns/time");
	if (unshare(CLONE_NEWTIME) < 0)
		return fail(errno, "unshare");
	if (write_proc_self("self/timens_offsets", cfg->time_offsets) < 0)
		return fail(errno, "timens_offsets");
	return 0;
}

/* ---- exec-label LSM LABEL ----------------------------------------------- */

/* The label the next execve switches to: AppArmor's `exec PROFILE` (its own
 * attr directory, or the shared one of older kernels), or SELinux's
 * context. TypeScript only asks for an LSM the host has. */
int step_exec_label(struct init_state *st, const struct step *s)
{
	const char *lsm = s->args[0].str, *label = s->args[1].str;
	char text[4096];

	(void)st;
	if (!strcmp(lsm, "apparmor")) {
		snprintf(text, sizeof text, "exec %s", label);
		if (write_proc_self("thread-self/attr/apparmor/exec", text) == 0)
			return 0;
		if (errno != ENOENT || write_proc_self("thread-self/attr/exec", text) < 0)
			return fail(errno, label);
		return 0;
	}
	if (!strcmp(lsm, "selinux")) {
		if (write_proc_self("thread-self/attr/exec", label) < 0)
			return fail(errno, label);
		return 0;
	}
	return fail(EINVAL, lsm);
}
