/*
 * Container init, from the clone until it execs the command. Init runs with
 * umask 0 (nodes and directories get exactly the modes asked for) and stops
 * at the first failing step: it reports INDEX OPCODE ERRNO DETAIL on the
 * sync socket and exits (125, or 126/127 for exec).
 */
#include "init.h"
#include "config.h"
#include "console.h"
#include "engine-fds.h"
#include "join.h"
#include "plan.h"
#include "protocol.h"
#include "steps.h"
#include "userns.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
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

/* fd 3 (control), the PTY master, the signalfd, the log: not init's
 * business. Kept: stdio, the sync socket, the console slave, the fds
 * the supervisor prepared for init's steps (join's pidfds and roots, the
 * pidfd of `join-pidns`) and those the caller passes to the command
 * (`preserve-fds`). */
static void close_supervisor_fds(const struct config *cfg,
				 const struct plan *plan,
				 const struct init_state *st)
{
	int *keep = malloc((2 * plan->nsteps + 4 + (size_t)cfg->passed_fds) * sizeof *keep);
	size_t n = 0;

	if (!keep)
		_exit(125);
	keep[n++] = st->syncfd;
	keep[n++] = st->slavefd;
	keep[n++] = cfg->join_pidns ? cfg->join_pidns_fd : -1;
	keep[n++] = cfg->join_userns_fd;
	for (size_t i = 0; i < plan->nsteps; i++) {
		keep[n++] = plan->steps[i].fd;
		keep[n++] = plan->steps[i].rootfd;
	}
	passed_fds_keep(cfg, keep, &n);
	close_fds_except(keep, n);
	free(keep);
}

/* The exec process, released: it was the helper's child until now, and
 * the parent-death signal is about the parent it has (the supervisor). */
static void rearm_after_release(int syncfd)
{
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* EOF: the supervisor died before the signal was armed. */
	if (recv(syncfd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
		_exit(125);
}

void init_main(const struct config *cfg, const struct plan *plan, int syncfd,
	       int slavefd, const char *slave_path, pid_t parent, const int stdio[3])
{
	struct init_state st = { .rootfd = -1, .slavefd = -1, .syncfd = syncfd,
				 .parent = parent, .plan = plan,
				 .hand_off = cfg->hand_off,
				 .passed_fds = cfg->passed_fds };
	const char *opcode = "init";
	int index = -1;

	/* Until execve (which resets it) nobody may ptrace us or open our
	 * /proc/PID/{mem,fd,root,cwd,exe}: a process in the container could
	 * see us (exec, or a PID namespace that is not our own). Rootless,
	 * only once mapped: an unprivileged writer of our maps (or newuidmap
	 * checking who owns /proc/PID) needs us to be the user's until then;
	 * nothing of the container can see us before. */
	if (!cfg->maps_unprivileged)
		prctl(PR_SET_DUMPABLE, 0);
	detach_from_supervisor(parent, cfg->hand_off);
	if (take_stdio(stdio) < 0) {
		fail(errno, "stdio");
		report(syncfd, cfg->log_index, "log");
	}
	/* By its host path, before any namespace is joined. */
	if (cfg->console) {
		st.slavefd = slavefd >= 0 ? slavefd : open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (st.slavefd < 0) {
			fail(errno, slave_path);
			report(syncfd, cfg->console_index, "console");
		}
	}
	close_supervisor_fds(cfg, plan, &st);
	st.umask = umask(0);
	st.rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (st.rootfd < 0) {
		fail(errno, "/");
		report(syncfd, -1, "init");
	}
	/* exec: from here on we are a process inside the container, holding
	 * nothing of the host (join.c). */
	if (cfg->join_pidns && enter_container(&st, cfg, plan, &index, &opcode) < 0)
		report(syncfd, index, opcode);
	if (cfg->join_userns_fd >= 0 && enter_user_namespace(&st, cfg) < 0)
		report(syncfd, cfg->join_userns_index, "join-ns");
	/* In our own mount namespace, still with the host root's IDs. */
	if (open_root_targets(plan, false) < 0)
		report(syncfd, -1, "enter-root");
	/* Sent before the release, after the maps (userns.c). */
	if (cfg->uid_map &&
	    userns_receive_trees(plan, syncfd, &index, &opcode) < 0)
		report(syncfd, index, opcode);
	if (sync_wait_release(syncfd) < 0)
		_exit(125);
	if ((cfg->join_pidns || cfg->join_userns_fd >= 0) && !cfg->hand_off)
		rearm_after_release(syncfd);
	/* Mapped: root of our user namespace. A uid change clears the
	 * parent-death signal and the dumpable flag: set both again. */
	if (cfg->uid_map || cfg->join_userns_fd >= 0) {
		if (userns_become_root(cfg) < 0)
			report(syncfd, cfg->uid_map ? cfg->user_map_index :
				       cfg->join_userns_index,
			       cfg->uid_map ? "user-map" : "join-ns");
		prctl(PR_SET_DUMPABLE, 0);
		if (!cfg->hand_off)
			rearm_after_release(syncfd);
	}
	if (cfg->console && console_take(st.slavefd) < 0) {
		fail(errno, slave_path);
		report(syncfd, cfg->console_index, "console");
	}
	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct step *s = &plan->steps[i];

		if (cfg->join_pidns && (s->op->init == step_join ||
					s->op->init == step_join_cgroup))
			continue;	/* done by the helper */
		if (s->staged)
			continue;	/* done in the stage (stage.c) */
		if (s->op->init && s->op->init(&st, s) < 0)
			report(syncfd, s->index, s->op->name);
		/* A uid change resets it (to fs.suid_dumpable). */
		prctl(PR_SET_DUMPABLE, 0);
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
