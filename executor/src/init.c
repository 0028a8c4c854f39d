/*
 * Container init, from the clone until it execs the command. Init runs with
 * umask 0 (nodes and directories get exactly the modes asked for) and stops
 * at the first failing step: it reports INDEX OPCODE ERRNO DETAIL on the
 * sync socket and exits (125, or 126/127 for exec).
 */
#include "init.h"
#include "config.h"
#include "console.h"
#include "plan.h"
#include "protocol.h"
#include "steps.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static void __attribute__((noreturn))
report(int syncfd, int index, const char *opcode)
{
	sync_report_error(syncfd, index, opcode, failure.err, failure.detail);
	_exit(failure.status ? failure.status : 125);
}

/* Dies with the supervisor -- unless it is to be handed off. */
static void detach_from_supervisor(pid_t parent, bool hand_off)
{
	if (hand_off)
		return;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The supervisor may have died before PDEATHSIG was armed. (In a new
	 * PID namespace getppid() is 0 either way; the sync socket's EOF
	 * catches that case.) */
	if (getppid() != parent)
		_exit(125);
}

static int take_stdio(const int stdio[3])
{
	for (int i = 0; i < 3; i++)
		if (stdio[i] >= 0 && dup2(stdio[i], i) < 0)
			return -1;
	return 0;
}

static int fd_order(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* fd 3 (control), the PTY master, the signalfd, the log: not init's
 * business. Kept: stdio, the sync socket and the fds the supervisor
 * prepared for init's steps (join's pidfds). */
static void close_supervisor_fds(const struct plan *plan, int syncfd)
{
	int *keep = malloc((plan->nsteps + 1) * sizeof *keep);
	size_t n = 0;
	unsigned from = 3;

	if (!keep)
		_exit(125);
	keep[n++] = syncfd;
	for (size_t i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].fd >= 0)
			keep[n++] = plan->steps[i].fd;
	qsort(keep, n, sizeof *keep, fd_order);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0U, 0);
	free(keep);
}

void init_main(const struct config *cfg, const struct plan *plan, int syncfd,
	       const char *slave_path, pid_t parent, const int stdio[3])
{
	struct init_state st = { .slavefd = -1, .syncfd = syncfd,
				 .parent = parent, .plan = plan,
				 .hand_off = cfg->hand_off };

	detach_from_supervisor(parent, cfg->hand_off);
	if (take_stdio(stdio) < 0) {
		fail(errno, "stdio");
		report(syncfd, cfg->log_index, "log");
	}
	close_supervisor_fds(plan, syncfd);
	if (sync_wait_release(syncfd) < 0)
		_exit(125);
	st.umask = umask(0);
	st.rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (st.rootfd < 0) {
		fail(errno, "/");
		report(syncfd, -1, "init");
	}
	if (cfg->console) {
		st.slavefd = console_attach(slave_path);
		if (st.slavefd < 0) {
			fail(errno, slave_path);
			report(syncfd, cfg->console_index, "console");
		}
	}
	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct step *s = &plan->steps[i];
		if (s->op->init && s->op->init(&st, s) < 0)
			report(syncfd, s->index, s->op->name);
	}
	/* Unreachable: the plan was checked to end with exec. */
	_exit(125);
}

int step_setsid(struct init_state *st, const struct step *s)
{
	(void)st;
	(void)s;
	/* With a console init already leads its own session: nothing to do. */
	if (getsid(0) == getpid())
		return 0;
	if (setsid() < 0)
		return fail(errno, "setsid");
	return 0;
}

int step_unshare(struct init_state *st, const struct step *s)
{
	unsigned long flags;

	(void)st;
	if (parse_namespaces(s->args[0].str, &flags) < 0)
		return -1;
	if (unshare((int)flags) < 0)
		return fail(errno, s->args[0].str);
	return 0;
}

int step_hostname(struct init_state *st, const struct step *s)
{
	const char *name = s->args[0].str;

	(void)st;
	if (sethostname(name, strlen(name)) < 0)
		return fail(errno, name);
	return 0;
}
