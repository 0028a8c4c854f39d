/*
 * Joining a running container (`ts-nspawn exec`). Everything goes through
 * a pidfd of the container's PID 1: setns(pidfd, flags) enters all the
 * namespaces at once, in the order the kernel needs (user first), and the
 * pidfd pins the process, so a recycled PID cannot swap in another one.
 *
 * The process that joins (init of the exec plan, "the helper") must never
 * be seen from inside while it still holds anything of the host: a process
 * in the container could take its root, cwd or fds through /proc/PID (the
 * CVE-2016-9962 / CVE-2024-21626 class). So it stays in the caller's PID
 * namespace while it joins: it moves into the container's v1 cgroups
 * (`join-cgroup`, inherited by its child), enters the other namespaces and
 * the container's root (`join`), closes every host fd, and only then sets the
 * container's PID namespace for its children and forks the process that
 * runs the rest of the plan, born inside with nothing but container state
 * (enter_container). It is non-dumpable all along, and so is that child
 * until it execs.
 *
 * setns(CLONE_NEWNS) alone moves us to the root of the container's mount
 * namespace, which is not the container's root when the namespace still
 * has mounts above it; so the root is entered explicitly, through
 * /proc/PID/root of the container's PID 1, opened by the supervisor before
 * anything is joined (as `nsenter --root` does).
 */
#include "join.h"
#include "config.h"
#include "engine-fds.h"
#include "plan.h"
#include "protocol.h"
#include "steps.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int pidfd_open_pid(pid_t pid)
{
	/* Close-on-exec by definition: the command never sees it. */
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int open_pidns(pid_t pid)
{
	return pidfd_open_pid(pid);
}

int prepare_join(struct step *s)
{
	unsigned long flags;
	char root[64];
	pid_t pid;

	if (parse_pid(s->args[0].str, &pid) < 0)
		return fail(EINVAL, s->args[0].str);
	if (parse_namespaces(s->args[1].str, &flags) < 0)
		return -1;
	/* setns(2) with no namespace at all is EINVAL: say so now. */
	if (flags == 0)
		return fail(EINVAL, "no namespaces");
	s->fd = pidfd_open_pid(pid);
	if (s->fd < 0)
		return fail(errno, s->args[0].str);
	snprintf(root, sizeof root, "/proc/%d/root", (int)pid);
	s->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0)
		return fail(errno, root);
	/* Still alive, so /proc/PID was the pidfd's process, not a new one
	 * with a recycled PID. */
	if (syscall(SYS_pidfd_send_signal, s->fd, 0, NULL, 0) < 0)
		return fail(errno, s->args[0].str);
	return 0;
}

/* chroot to ROOTFD (a directory of the mount namespace we are in now). */
static int enter_root(struct init_state *st, int rootfd)
{
	int fd;

	if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return fail(errno, "root");
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "/");
	set_root(st, fd);	/* inside paths resolve here from now on */
	return 0;
}

int step_join(struct init_state *st, const struct step *s)
{
	const char *list = s->args[1].str;
	unsigned long flags;
	int rc;

	if (parse_namespaces(list, &flags) < 0)
		return -1;
	if (setns(s->fd, (int)flags) < 0)
		return fail(errno, list);
	close(s->fd);
	/* Also without a mount namespace: init's root is the container's. */
	rc = enter_root(st, s->rootfd);
	close(s->rootfd);
	return rc;
}

/* Only stdio, the sync socket, the console slave, the container's root,
 * the pipes the supervisor sends compiled seccomp filters through and what
 * the caller passes to the command (`preserve-fds`) are left; all of them
 * the process inside may hold. */
static void close_host_fds(const struct init_state *st, const struct config *cfg,
			   const struct plan *plan)
{
	int *keep = malloc((3 + plan->nsteps + (size_t)cfg->passed_fds) * sizeof *keep);
	size_t n = 0;

	if (!keep)
		_exit(125);
	keep[n++] = st->syncfd;
	keep[n++] = st->slavefd;
	keep[n++] = st->rootfd;
	for (size_t i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].op->init == step_seccomp)
			keep[n++] = plan->steps[i].fd;
	passed_fds_keep(cfg, keep, &n);
	close_fds_except(keep, n);
	free(keep);
}

int enter_container(struct init_state *st, const struct config *cfg,
		    const struct plan *plan, int *index, const char **opcode)
{
	long pid;

	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct step *s = &plan->steps[i];

		*index = s->index;
		*opcode = s->op->name;
		if ((s->op->init == step_join_cgroup || s->op->init == step_join) &&
		    s->op->init(st, s) < 0)
			return -1;
	}
	*index = cfg->join_pidns_index;
	*opcode = "join-pidns";
	/* For our children only: we stay where we are. */
	if (setns(cfg->join_pidns_fd, CLONE_NEWPID) < 0)
		return fail(errno, "setns");
	close_host_fds(st, cfg, plan);	/* that pidfd included: done with */
	/* Like fork(2); raw, as glibc does not know this process (main.c). */
	pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		return fail(errno, "fork");
	if (pid > 0) {
		sync_report_pid(st->syncfd, (pid_t)pid);
		_exit(0);
	}
	st->parent = 0;		/* the supervisor, outside our PID namespace */
	return 0;
}
