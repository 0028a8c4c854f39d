/*
 * Joining a running container: `join-pidns` in the supervisor (only our
 * children change PID namespace, so init is born inside it) and the init
 * step `join`. Both go through a pidfd: setns(pidfd, flags) enters all the
 * namespaces at once, in the order the kernel needs (user first), and the
 * pidfd pins the process, so a recycled PID cannot swap in another one.
 *
 * PIDs in the plan are in the caller's PID namespace. Init may be in the
 * container's already (after `join-pidns`), where that number means
 * nothing -- so `join`'s pidfd is opened by the supervisor (prepare_join)
 * before the clone, and init inherits it as the step's fd.
 */
#include "join.h"
#include "config.h"
#include "plan.h"
#include "steps.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

static int pidfd_open_pid(pid_t pid)
{
	/* Close-on-exec by definition: the command never sees it. */
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int join_pidns(pid_t pid)
{
	int fd = pidfd_open_pid(pid), rc;

	if (fd < 0)
		return -1;
	rc = setns(fd, CLONE_NEWPID);
	close(fd);
	return rc;
}

int prepare_join(struct step *s)
{
	unsigned long flags;
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
	return 0;
}

int step_join(struct init_state *st, const struct step *s)
{
	const char *list = s->args[1].str;
	unsigned long flags;
	int fd;

	if (parse_namespaces(list, &flags) < 0)
		return -1;
	if (setns(s->fd, (int)flags) < 0)
		return fail(errno, list);
	if (!(flags & CLONE_NEWNS))
		return 0;
	/* setns moved us to the container's root and cwd; inside paths now
	 * resolve there, not in the root init started from. */
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "/");
	set_root(st, fd);
	return 0;
}
