/*
 * ts-nspawn-executor: carries out a plan compiled by TypeScript and
 * supervises the container. The contract is docs/executor.md.
 *
 *   ts-nspawn (TypeScript) --fd 3--> supervisor --clone--> init --exec--> cmd
 *
 * Synchronisation points:
 *  1. plan read  -- the whole plan is parsed from fd 3; supervisor steps are
 *                   applied (PTY allocated, signals blocked into a signalfd).
 *  2. cloned     -- init exists in its new namespaces, blocked on the
 *                   internal sync socket; we report `pid N`.
 *  2a. maps      -- (`user-map`) init's uid_map/gid_map are written from
 *                   here, outside its user namespace, and the idmapped
 *                   trees its steps mount are sent to it (userns.c).
 *  2b. stage     -- (`stage-mounts`) a helper in init's namespaces builds
 *                   the container's tree in the mount namespace init was
 *                   cloned into, so it is locked in init's copy; then we
 *                   go back to the host's (stage.c).
 *  3. go         -- with `wait-go` we wait for `go` (or `abort`) on fd 3,
 *                   otherwise we go on at once; then init is released.
 *  3a. hooks     -- (`wait-hooks NAME`) init stops at a hook point; we
 *                   report `hooks NAME`, TypeScript runs that point's hooks
 *                   and says `resume` (or `abort`); we release init again.
 *                   `create` stands before pivot-root, `start` where a
 *                   created container waits for start.
 *  4. exec       -- init ran its steps and execve'd: its close-on-exec end
 *                   of the sync socket reaches EOF; we report `started`.
 *  5. exit       -- init is reaped, the console drained; we report
 *                   `exit CODE SIGNAL` and exit with CODE or 128+SIGNAL.
 *
 * With `detach` the supervisor is a monitor: TypeScript hangs up after
 * `started` and we stay, keeping the log and the attach socket, until init
 * is gone. `ts-nspawn-executor attach SOCKET` is the client (client.c).
 */
#include "attach.h"
#include "client.h"
#include "config.h"
#include "console.h"
#include "engine-fds.h"
#include "init.h"
#include "join.h"
#include "log.h"
#include "output.h"
#include "signal-command.h"
#include "plan.h"
#include "protocol.h"
#include "sealed.h"
#include "stage.h"
#include "supervise.h"
#include "steps.h"
#include "userns.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* struct clone_args up to version 2 (with `cgroup`); spelled out to avoid <linux/sched.h>. */
struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

#define CLONE_ARGS_SIZE_VER0 64
#define CLONE_INTO_CGROUP_FLAG 0x200000000ULL

/*
 * Fork-like clone into new namespaces (no new stack: the child continues
 * here on a copy of ours). glibc does not know about this child, so init
 * avoids anything that relies on glibc's idea of its own thread (raise(3),
 * abort(3)). clone(2) is the fallback where seccomp hides clone3.
 */
static pid_t clone_init(unsigned long flags, int cgroup_fd)
{
	struct clone_args_v2 args = { .flags = flags, .exit_signal = SIGCHLD };
	size_t size = CLONE_ARGS_SIZE_VER0;
	long pid;

	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP_FLAG;
		args.cgroup = (uint64_t)cgroup_fd;
		size = sizeof args;
	}
	pid = syscall(SYS_clone3, &args, size);
	/* Only a plain clone has a fallback: clone(2) cannot pick a cgroup. */
	if (pid < 0 && errno == ENOSYS && cgroup_fd < 0)
		pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	return (pid_t)pid;
}

/*
 * A failed clone3 names no culprit: were the namespaces refused (a user
 * namespace in a chroot, say), or the cgroup? The namespaces alone are
 * tried with a child that exits at once; errno is theirs when refused.
 */
static bool namespaces_refused(unsigned long flags)
{
	pid_t pid;

	if (!flags)
		return false;
	pid = clone_init(flags, -1);
	if (pid < 0)
		return true;
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return false;
}

static void __attribute__((noreturn))
die(int index, const char *opcode, int err, const char *detail)
{
	ctl_send("error %d %s %d %s", index, opcode, err, detail);
	exit(125);
}

static void __attribute__((noreturn))
die_pid(int index, const char *opcode, int err, pid_t pid)
{
	char detail[16];

	snprintf(detail, sizeof detail, "%d", (int)pid);
	die(index, opcode, err, detail);
}

/* The output destinations (output.h): our stdout, the log, a client. */
static void to_stdout(void *ctx, const char *buf, size_t n)
{
	bool *dead = ctx;

	/* Foreground: the user's own terminal, which may make us wait. */
	if (!*dead && write_all(STDOUT_FILENO, buf, n) < 0)
		*dead = true;	/* keep reading, discard */
}

static void to_log(void *ctx, const char *buf, size_t n)
{
	log_write(ctx, buf, n);
}

static void to_client(void *ctx, const char *buf, size_t n)
{
	attach_output(ctx, buf, n);
}

/* Where the supervisor stands before the clone: process group, set-up
 * that can fail (reported by the step responsible, exit 125). */
static void set_up(struct config *cfg, struct console *con,
		   struct logfile *log, struct output *out, int exec_root)
{
	static bool stdout_dead;

	/* Known only now that the whole plan is read. */
	if (cfg->attach_path && !cfg->console)
		die(cfg->attach_index, "attach-socket", 0, "no console");
	/* A monitor must outlive its caller and the caller's terminal (which
	 * TypeScript's detached spawn already arranges: then this fails). */
	if (cfg->detach)
		setsid();
	/* Without a console we do not read the terminal: leave its foreground
	 * group so ^C reaches TypeScript only, which forwards it once. */
	else if (!cfg->console)
		setpgid(0, 0);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (cfg->console && console_open(con, exec_root) < 0)
		die(cfg->console_index, "console", errno, "/dev/ptmx");
	if (cfg->console && (cfg->console_rows || cfg->console_cols)) {
		struct winsize ws = { .ws_row = cfg->console_rows, .ws_col = cfg->console_cols };
		ioctl(con->master, TIOCSWINSZ, &ws);
	}
	if (cfg->console_socket &&
	    console_send_master(con, cfg->console_socket) < 0)
		die(cfg->console_index, "console-socket", errno,
		    cfg->console_socket);
	con->local = !cfg->detach;
	con->escape_kill = cfg->escape_kill;
	con->out = out;
	if (!cfg->detach)
		output_add_sink(out, to_stdout, &stdout_dead);
	if (cfg->log_path && log_open(log, cfg->log_path, cfg->log_max) < 0)
		die(cfg->log_index, "log", errno, cfg->log_path);
	if (cfg->log_path)
		output_add_sink(out, to_log, log);
	if (cfg->log_path && !cfg->console && output_make_pipe(out) < 0)
		die(cfg->log_index, "log", errno, "pipe");
	if (cfg->join_pidns) {
		cfg->join_pidns_fd = open_pidns(cfg->join_pidns);
		if (cfg->join_pidns_fd < 0)
			die_pid(cfg->join_pidns_index, "join-pidns", errno,
				cfg->join_pidns);
	}
	if (cfg->time_offsets[0] && time_namespace_set_up(cfg) < 0)
		die(cfg->time_index, "time-namespace", failure.err,
		    failure.detail);
	if (cfg->pidfd_socket && pidfd_socket_connect(cfg) < 0)
		die(cfg->pidfd_socket_index, "pidfd-socket", errno,
		    cfg->pidfd_socket);
}

/* exec: the container's root, as the `join` step opened it (join.c). */
static int joined_root(const struct plan *plan)
{
	for (size_t i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].rootfd >= 0)
			return plan->steps[i].rootfd;
	return -1;
}

static int run_plan(int plan_fd)
{
	static struct config cfg = { .ns_index = -1, .console_index = -1,
				     .cgroup_fd = -1, .join_pidns_fd = -1,
				     .time_ns_fd = -1, .join_userns_fd = -1,
				     .pidfd_socket_fd = -1 };
	static struct plan plan;
	static struct console con = { .slave = -1 };
	static struct logfile log;
	static struct output out;
	static struct attach att;
	static struct stage stage = { -1, -1, -1 };
	static struct supervisor sup = { .forced_status = -1, .ctl_open = true,
					 .pidfd_sock = -1 };
	pid_t self = getpid();
	unsigned long clone_flags;
	bool own_pidns, exec_plan;
	int sv[2];

	/* A vanished TypeScript must not kill us mid-report. */
	signal(SIGPIPE, SIG_IGN);
	output_init(&out);
	attach_init(&att, &con);
	plan_read(plan_fd, &cfg, &plan);
	if (plan_fd != CTL_FD)
		close(plan_fd);	/* we are the sealed copy already */
	else if (needs_sealed_copy(&cfg) && sealed_reexec(&plan) < 0)
		die(-1, "sealed-copy", errno, "/proc/self/exe");
	plan_prepare(&plan);
	exec_plan = joined_root(&plan) >= 0;
	set_up(&cfg, &con, &log, &out, cfg.join_pidns ? joined_root(&plan) : -1);
	sup.sigfd = supervisor_signalfd(&cfg);
	if (sup.sigfd < 0)
		die(-1, "signals", errno, "signalfd");
	if (sync_pair(sv) < 0)
		die(-1, "sync", errno, "socketpair");
	/* Last before the clone: nothing after it leaves the socket behind. */
	if (cfg.attach_path && attach_listen(&att, cfg.attach_path) < 0)
		die(cfg.attach_index, "attach-socket", errno, cfg.attach_path);
	if (cfg.attach_path)
		output_add_sink(&out, to_client, &att);
	/* Init shares the stage's mount namespace until `stage-mounts`. */
	if (plan.staged && stage_enter(&stage) < 0) {
		attach_close(&att);
		die(plan.steps[plan.stage_at].index, "stage-mounts", failure.err,
		    failure.detail);
	}

	/* Joining a user namespace: a helper clones init (userns.c). */
	clone_flags = cfg.join_userns_fd >= 0 ? 0 : cfg.ns_flags;
	sup.init = clone_init(clone_flags, cfg.cgroup_fd);
	if (sup.init < 0) {
		int err = errno;

		attach_close(&att);
		if (cfg.cgroup_fd >= 0 && !namespaces_refused(clone_flags))
			die(cfg.cgroup_index, "clone-into-cgroup", err, "clone3");
		if (cfg.cgroup_fd >= 0)
			err = errno;
		die(cfg.ns_index, "namespaces", err, "clone");
	}
	if (cfg.cgroup_fd >= 0)
		close(cfg.cgroup_fd);
	/* Init's parent is outside its PID namespace: getppid() says 0. (The
	 * helper of an exec plan joins the container's only for its child.) */
	own_pidns = (clone_flags & CLONE_NEWPID) || cfg.joined_pidns;
	if (sup.init == 0)
		init_main(&cfg, &plan, sv[1], con.slave, con.slave_path,
			  own_pidns ? 0 : self, out.init_stdio);

	close(sv[1]);
	if (cfg.uid_map) {
		const char *opcode;
		int index;

		if (userns_set_up(&cfg, &plan, sup.init, sv[0],
				  cfg.console ? con.slave_path : NULL, &index,
				  &opcode) < 0) {
			int err = failure.err;

			kill(sup.init, SIGKILL);
			attach_close(&att);
			die(index, opcode, err, failure.detail ? failure.detail : "");
		}
	}
	if (plan.staged) {
		char error[4096];
		int rc = stage_run(&plan, &cfg, sup.init,
				   cfg.console ? con.slave_path : NULL, error,
				   sizeof error);

		/* Back in the host's namespace before anything uses a path. */
		if (stage_leave(&stage) < 0 && rc == 0) {
			snprintf(error, sizeof error, "%d stage-mounts %d %s",
				 plan.steps[plan.stage_at].index, failure.err,
				 failure.detail);
			rc = -1;
		}
		if (rc < 0) {
			kill(sup.init, SIGKILL);
			attach_close(&att);
			ctl_send("error %s", error);
			exit(125);
		}
	}
	/* Init's now: the master sees the hang-up once init's copies close. */
	if (cfg.console && con.slave >= 0)
		close(con.slave);
	passed_fds_close(&cfg);
	output_close_init_ends(&out);
	plan_close_prepared(&plan);
	sup.cfg = &cfg;
	/* A console given away is not ours to relay. */
	sup.con = cfg.console && !cfg.console_socket ? &con : NULL;
	if (cfg.console_socket)
		close(con.master);
	sup.out = &out;
	sup.att = cfg.attach_path ? &att : NULL;
	sup.syncfd = sv[0];
	fcntl(sup.syncfd, F_SETFL, O_NONBLOCK);
	memcpy(sup.ctl.buf, plan.leftover, plan.nleftover);
	sup.ctl.len = plan.nleftover;
	/* exec: the PID is that of the process the helper forks (`P`). */
	sup.awaiting_pid = cfg.join_pidns != 0 || cfg.join_userns_fd >= 0;
	if (cfg.join_userns_fd >= 0)
		close(cfg.join_userns_fd);
	/* The engine's pidfd, before the process is released; for exec, of
	 * the process the helper forks (supervise.c). */
	if (sup.awaiting_pid)
		sup.pidfd_sock = cfg.pidfd_socket_fd;
	else if (cfg.pidfd_socket_fd >= 0 &&
		 pidfd_socket_send(cfg.pidfd_socket_fd, sup.init,
				   exec_plan ? "setns" : "standard") < 0) {
		int err = errno;

		kill(sup.init, SIGKILL);
		attach_close(&att);
		die(cfg.pidfd_socket_index, "pidfd-socket", err, cfg.pidfd_socket);
	}
	if (!sup.awaiting_pid)
		ctl_send("pid %d", (int)sup.init);
	if (!cfg.wait_go)
		release_init(&sup);
	/* libseccomp's work, while init sets the container up (seccomp.c). */
	seccomp_compile_for_init();
	if (sup.con) {
		console_raw(&con);
		console_sync_winsize(&con);
	}
	supervise(&sup);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "attach")) {
		if (argc != 3) {
			fprintf(stderr, "usage: ts-nspawn-executor attach SOCKET\n");
			return 125;
		}
		return attach_client(argv[2]);
	}
	if (argc > 1 && !strcmp(argv[1], "signal"))
		return signal_command(argc - 2, argv + 2);
	/* Only from sealed_reexec (sealed.c). */
	if (argc == 3 && !strcmp(argv[1], "--plan-fd"))
		return run_plan(atoi(argv[2]));
	return run_plan(CTL_FD);
}
