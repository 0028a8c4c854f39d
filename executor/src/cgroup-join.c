/*
 * `join-cgroup TASKS`: init moves itself into a cgroup v1 hierarchy by
 * writing "0" to the cgroup's `tasks` file.
 *
 * Moving a whole process (cgroup.procs, or another process's PID) takes
 * the kernel's threadgroup lock for writing, which first waits for an RCU
 * grace period: 5-10 ms per container start. A single-threaded process
 * that moves only its own thread needs no such lock (Linux 6.0 and
 * later; older kernels take it and are merely slower). Init is single-
 * threaded and has forked nothing yet, so moving its one thread moves it
 * all. cgroup v2 needs none of this: init is cloned straight into its
 * cgroup (`clone-into-cgroup`).
 *
 * The supervisor opens the file while reading the plan, with the host
 * root's credentials, which the kernel checks the write against (the
 * opener's): init may already be in a user namespace of its own.
 */
#include "failure.h"
#include "plan.h"
#include "steps.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int prepare_join_cgroup(struct step *s)
{
	s->fd = open(s->args[0].str, O_WRONLY | O_CLOEXEC);
	if (s->fd < 0)
		return fail(errno, s->args[0].str);
	return 0;
}

int step_join_cgroup(struct init_state *st, const struct step *s)
{
	(void)st;
	if (write(s->fd, "0", 1) != 1)
		return fail(errno, s->args[0].str);
	close(s->fd);
	return 0;
}
