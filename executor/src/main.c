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
 *  3. go         -- with `wait-go` we wait for `go` (or `abort`) on fd 3,
 *                   otherwise we go on at once; then init is released.
 *  4. exec       -- init ran its steps and execve'd: its close-on-exec end
 *                   of the sync socket reaches EOF; we report `started`.
 *  5. exit       -- init is reaped, the console drained; we report
 *                   `exit CODE SIGNAL` and exit with CODE or 128+SIGNAL.
 */
#include "config.h"
#include "console.h"
#include "init.h"
#include "plan.h"
#include "protocol.h"
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* struct clone_args, version 0; spelled out to avoid <linux/sched.h>. */
struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls;
};

/*
 * Fork-like clone into new namespaces (no new stack: the child continues
 * here on a copy of ours). glibc does not know about this child, so init
 * avoids anything that relies on glibc's idea of its own thread (raise(3),
 * abort(3)). clone(2) is the fallback where seccomp hides clone3.
 */
static pid_t clone_init(unsigned long flags)
{
	struct clone_args_v0 args = { .flags = flags, .exit_signal = SIGCHLD };
	long pid = syscall(SYS_clone3, &args, sizeof args);

	if (pid < 0 && errno == ENOSYS)
		pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	return (pid_t)pid;
}

static void __attribute__((noreturn))
die(int index, const char *opcode, int err, const char *detail)
{
	ctl_send("error %d %s %d %s", index, opcode, err, detail);
	exit(125);
}

int main(void)
{
	static struct config cfg = { .ns_index = -1, .console_index = -1 };
	static struct plan plan;
	static struct console con;
	static struct supervisor sup = { .forced_status = -1, .ctl_open = true };
	pid_t self = getpid();
	int sv[2];

	/* A vanished TypeScript must not kill us mid-report. */
	signal(SIGPIPE, SIG_IGN);
	plan_read(CTL_FD, &cfg, &plan);

	/* Without a console we do not read the terminal: leave its foreground
	 * group so ^C reaches TypeScript only, which forwards it once. */
	if (!cfg.console)
		setpgid(0, 0);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (cfg.console && console_open(&con) < 0)
		die(cfg.console_index, "console", errno, "/dev/ptmx");
	con.escape_kill = cfg.escape_kill;
	sup.sigfd = supervisor_signalfd(&cfg);
	if (sup.sigfd < 0)
		die(-1, "signals", errno, "signalfd");
	if (sync_pair(sv) < 0)
		die(-1, "sync", errno, "socketpair");

	sup.init = clone_init(cfg.ns_flags);
	if (sup.init < 0)
		die(cfg.ns_index, "namespaces", errno, "clone");
	if (sup.init == 0)
		init_main(&cfg, &plan, sv[1], con.slave_path,
			  (cfg.ns_flags & CLONE_NEWPID) ? 0 : self);

	close(sv[1]);
	sup.cfg = &cfg;
	sup.con = cfg.console ? &con : NULL;
	sup.syncfd = sv[0];
	fcntl(sup.syncfd, F_SETFL, O_NONBLOCK);
	memcpy(sup.ctl.buf, plan.leftover, plan.nleftover);
	sup.ctl.len = plan.nleftover;
	ctl_send("pid %d", (int)sup.init);
	if (!cfg.wait_go)
		release_init(&sup);
	if (sup.con) {
		console_raw(&con);
		console_sync_winsize(&con);
	}
	supervise(&sup);
}
