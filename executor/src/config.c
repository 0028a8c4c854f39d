/* The supervisor steps: they only fill in struct config. */
#include "config.h"
#include "failure.h"
#include "plan.h"
#include "util.h"

#include <fcntl.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>

static const struct {
	const char *name;
	unsigned long flag;
} namespaces[] = {
	{ "mount", CLONE_NEWNS },   { "pid", CLONE_NEWPID },
	{ "uts", CLONE_NEWUTS },    { "ipc", CLONE_NEWIPC },
	{ "net", CLONE_NEWNET },    { "cgroup", CLONE_NEWCGROUP },
	{ "user", CLONE_NEWUSER },   { "time", CLONE_NEWTIME },
};

static int namespace_flag(const char *name, size_t len, unsigned long *flag)
{
	for (size_t i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++) {
		if (strlen(namespaces[i].name) == len &&
		    !strncmp(namespaces[i].name, name, len)) {
			*flag = namespaces[i].flag;
			return 0;
		}
	}
	return -1;
}

int parse_namespaces(const char *list, unsigned long *flags)
{
	const char *p = list;

	*flags = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		unsigned long flag;

		if (namespace_flag(p, len, &flag) < 0)
			return fail(EINVAL, list);
		*flags |= flag;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* A decimal number, or a name with or without "SIG" ("TERM", "SIGTERM"). */
static int parse_signal(const char *s)
{
	uint64_t n;

	if (parse_u64(s, 10, NSIG - 1, &n) == 0)
		return n > 0 ? (int)n : -1;
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && !strcmp(abbrev, s))
			return sig;
	}
	return -1;
}

int forward_target(const struct config *cfg, int from)
{
	/* The last entry for a signal wins. */
	for (int i = cfg->nforwards - 1; i >= 0; i--)
		if (cfg->forwards[i].from == from)
			return cfg->forwards[i].to;
	return 0;
}

int sup_namespaces(struct config *cfg, const struct step *st)
{
	cfg->ns_index = st->index;
	return parse_namespaces(st->args[0].str, &cfg->ns_flags);
}

int sup_console(struct config *cfg, const struct step *st)
{
	cfg->console = true;
	cfg->console_index = st->index;
	return 0;
}

int sup_escape(struct config *cfg, const struct step *st)
{
	const char *mode = st->args[0].str;

	if (!strcmp(mode, "kill"))
		cfg->escape_kill = true;
	else if (!strcmp(mode, "none"))
		cfg->escape_kill = false;
	else
		return fail(EINVAL, mode);
	return 0;
}

int sup_forward_signal(struct config *cfg, const struct step *st)
{
	int from = parse_signal(st->args[0].str);
	int to = parse_signal(st->args[1].str);

	/* SIGKILL/SIGSTOP cannot be blocked, so they can never be received. */
	if (from < 0 || from == SIGKILL || from == SIGSTOP)
		return fail(EINVAL, st->args[0].str);
	if (to < 0)
		return fail(EINVAL, st->args[1].str);
	if (cfg->nforwards == MAX_FORWARDS)
		return fail(E2BIG, st->args[0].str);
	cfg->forwards[cfg->nforwards++] = (struct forward){ from, to };
	return 0;
}

int sup_wait_go(struct config *cfg, const struct step *st)
{
	(void)st;
	cfg->wait_go = true;
	return 0;
}

int sup_detach(struct config *cfg, const struct step *st)
{
	(void)st;
	cfg->detach = true;
	return 0;
}

int sup_log(struct config *cfg, const struct step *st)
{
	const char *path = st->args[0].str;

	if (!*path)
		return fail(EINVAL, "empty path");
	if (parse_u64(st->args[1].str, 10, INT64_MAX, &cfg->log_max) < 0)
		return fail(EINVAL, st->args[1].str);
	cfg->log_path = path;
	cfg->log_index = st->index;
	return 0;
}

/* Only recorded: whether there is a console is known after the whole plan. */
int sup_attach_socket(struct config *cfg, const struct step *st)
{
	const char *path = st->args[0].str;

	if (!*path)
		return fail(EINVAL, "empty path");
	cfg->attach_path = path;
	cfg->attach_index = st->index;
	return 0;
}

int sup_exit_file(struct config *cfg, const struct step *st)
{
	const char *path = st->args[0].str;

	if (!*path)
		return fail(EINVAL, "empty path");
	cfg->exit_file = path;
	return 0;
}

int sup_exit_command(struct config *cfg, const struct step *st)
{
	if (st->args[0].count == 0 || !*st->args[0].items[0])
		return fail(EINVAL, "empty command");
	cfg->exit_argv = st->args[0].items;
	return 0;
}

int parse_pid(const char *s, pid_t *pid)
{
	uint64_t n;

	if (parse_u64(s, 10, INT32_MAX, &n) < 0 || n == 0)
		return -1;
	*pid = (pid_t)n;
	return 0;
}

/* The setns(2) itself happens just before the clone (main.c). */
/*
 * cgroup v2: init is created directly inside this cgroup (clone3 with
 * CLONE_INTO_CGROUP), so no process is ever moved between cgroups -- a
 * move waits for an RCU grace period in the kernel.
 */
int sup_clone_into_cgroup(struct config *cfg, const struct step *st)
{
	const char *path = st->args[0].str;
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return fail(errno, path);
	cfg->cgroup_fd = fd;
	cfg->cgroup_index = st->index;
	return 0;
}

int sup_join_pidns(struct config *cfg, const struct step *st)
{
	if (parse_pid(st->args[0].str, &cfg->join_pidns) < 0)
		return fail(EINVAL, st->args[0].str);
	cfg->join_pidns_index = st->index;
	return 0;
}
