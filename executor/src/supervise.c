/*
 * The supervisor's event loop. One poll() over:
 *   - a signalfd: SIGCHLD (reap), SIGWINCH (resize), forwarded signals, and
 *     SIGHUP/SIGINT/SIGTERM/SIGQUIT when not forwarded (their default would
 *     kill us and leave the terminal raw: we kill init and exit instead);
 *   - fd 3: `go`, `resume`, `abort`; EOF means TypeScript died: kill init,
 *     exit -- unless we are a monitor (`detach`) and init was released
 *     (and does not wait at a hook point);
 *   - the sync socket: init's error report, or exec (EOF after "X");
 *   - stdin and the PTY master (console mode);
 *   - the pipe of init's stdout/stderr (a log without a console);
 *   - the attach socket, a client's handshake, its socket and terminal
 *     (for output only while some is queued: writes never block).
 * When init is reaped we write the exit file, drain, report `exit`, tell
 * the attached client, restore the tty and exit (or run the exit command).
 */
#include "supervise.h"
#include "attach.h"
#include "config.h"
#include "console.h"
#include "engine-fds.h"
#include "monitor.h"
#include "output.h"
#include "protocol.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
	P_SIG, P_CTL, P_SYNC, P_STDIN, P_MASTER, P_OUTPUT,
	P_CLIENT, P_CLIENT_IN, P_CLIENT_OUT, P_PENDING, P_LISTEN, P_COUNT
};

static const int fatal_signals[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT };

int supervisor_signalfd(const struct config *cfg)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGWINCH);
	for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
		sigaddset(&set, fatal_signals[i]);
	for (int i = 0; i < cfg->nforwards; i++)
		sigaddset(&set, cfg->forwards[i].from);
	/* Blocked before the clone, so none is lost in between. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Waits (at most TIMEOUT_MS) until whoever holds the control channel
 * closes it; what it still sends is of no use any more. */
static void await_ctl_close(int timeout_ms)
{
	char buf[256];
	struct pollfd p = { .fd = CTL_FD, .events = POLLIN };

	while (poll(&p, 1, timeout_ms) > 0) {
		ssize_t n = read(CTL_FD, buf, sizeof buf);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return;
	}
}

static void __attribute__((noreturn)) leave(struct supervisor *s, int status)
{
	if (s->con)
		console_restore(s->con);
	/* The hook cleans up after the container when nobody else will: a
	 * monitor always, a foreground supervisor only once its caller is gone
	 * (a live caller cleans up itself, sooner). */
	if (s->cfg->exit_argv && (s->cfg->detach || !s->ctl_open)) {
		/* A monitor's creator records the container as running once it
		 * runs; a command that ends at once must not have its end recorded
		 * (and its record released) before that: the hook waits until the
		 * creator lets go of the control channel. */
		if (s->cfg->detach && s->ctl_open)
			await_ctl_close(10000);
		/* The runtime's clock, not the container's (`time-namespace`). */
		if (s->cfg->time_ns_fd >= 0)
			setns(s->cfg->time_ns_fd, CLONE_NEWTIME);
		run_exit_command(s->cfg->exit_argv);
	}
	exit(status);
}

static void kill_and_reap(struct supervisor *s)
{
	if (s->reaped)
		return;
	kill(s->init, SIGKILL);
	while (waitpid(s->init, &s->wstatus, 0) < 0 && errno == EINTR)
		;
	s->reaped = true;
}

/* Init is released once it is let go and, for exec, once it is our child
 * (the helper reaped): only then can it arm its parent-death signal. */
static void try_release(struct supervisor *s)
{
	if (!s->released || s->release_sent || s->awaiting_pid || s->helper)
		return;
	s->release_sent = true;
	sync_release(s->syncfd);	/* fails only if init is already gone */
}

void release_init(struct supervisor *s)
{
	s->released = true;
	try_release(s);
}

static void __attribute__((noreturn)) stop(struct supervisor *s, int status);

/* The exec helper forked the real process (PID in our namespace). */
static void on_exec_pid(struct supervisor *s, const char *text)
{
	pid_t pid;

	if (parse_pid(text, &pid) < 0)
		return;
	s->helper = s->init;
	s->init = pid;
	s->awaiting_pid = false;
	if (s->pidfd_sock >= 0) {
		int sock = s->pidfd_sock;

		s->pidfd_sock = -1;
		if (pidfd_socket_send(sock, pid, "setns") < 0) {
			ctl_send("error %d pidfd-socket %d %s", s->cfg->pidfd_socket_index, errno, s->cfg->pidfd_socket);
			stop(s, 125);
		}
	}
	ctl_send("pid %d", (int)pid);
}

static void on_sync(struct supervisor *s)
{
	char msg[4096];
	ssize_t n;

	while ((n = sync_receive(s->syncfd, msg, sizeof msg)) > 0) {
		if (msg[0] == 'W') {
			ctl_send("created");
			/* Handed off: init is the engine's from now on. */
			if (s->cfg->hand_off)
				exit(0);
		} else if (msg[0] == 'H' && msg[1] == ' ') {
			/* A hook point: TypeScript runs them, then says `resume`. */
			s->paused = true;
			ctl_send("hooks %s", msg + 2);
		} else if (msg[0] == 'X') {
			s->exec_seen = true;
		} else if (msg[0] == 'P' && msg[1] == ' ' && s->awaiting_pid) {
			on_exec_pid(s, msg + 2);
		} else if (msg[0] == 'E' && msg[1] == ' ') {
			s->error_seen = true;
			ctl_send("error %s", msg + 2);
		}
	}
	if (n < 0)
		return;
	/* EOF: init's end closed, by a successful exec or by its death. */
	close(s->syncfd);
	s->syncfd = -1;
	if (s->exec_seen && !s->error_seen) {
		ctl_send("started");
		if (s->cfg->hand_off)
			exit(0);
	}
}

/* Reaps every child (we are a subreaper); remembers init's status. */
static void reap_children(struct supervisor *s)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		/* The exec helper's last message may not have been read. */
		if (pid == s->init && s->awaiting_pid && s->syncfd >= 0)
			on_sync(s);
		if (pid == s->helper) {
			s->helper = 0;
			try_release(s);
		} else if (pid == s->init) {
			s->reaped = true;
			s->wstatus = status;
		}
	}
}

/* The exit path for everything after the clone. */
static void __attribute__((noreturn)) finish(struct supervisor *s)
{
	int status, code = 0, sig = 0;

	if (WIFEXITED(s->wstatus))
		code = WEXITSTATUS(s->wstatus);
	else if (WIFSIGNALED(s->wstatus))
		sig = WTERMSIG(s->wstatus);
	/* First: whoever looks at a container sees it ended at once. */
	if (s->cfg->exit_file)
		write_exit_file(s->cfg->exit_file, code, sig);
	if (s->syncfd >= 0)
		on_sync(s);	/* init is dead: this reads up to EOF */
	if (s->con)
		console_drain(s->con);
	output_drain(s->out);
	ctl_send("exit %d %d", code, sig);
	if (s->att)
		attach_finish(s->att, code, sig);
	status = sig ? 128 + sig : code;
	leave(s, s->forced_status >= 0 ? s->forced_status : status);
}

static void __attribute__((noreturn)) stop(struct supervisor *s, int status)
{
	kill_and_reap(s);
	s->forced_status = status;
	finish(s);
}

static bool is_fatal(int sig)
{
	for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
		if (fatal_signals[i] == sig)
			return true;
	return false;
}

static void on_signal(struct supervisor *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof si) == sizeof si) {
		int sig = (int)si.ssi_signo, to = forward_target(s->cfg, sig);

		if (sig == SIGCHLD)
			reap_children(s);
		if (sig == SIGWINCH && s->con)
			console_sync_winsize(s->con);	/* no-op for a monitor */
		if (to > 0 && !s->reaped)
			kill(s->init, to);
		else if (to == 0 && is_fatal(sig))
			stop(s, 128 + sig);
	}
}

static void handle_ctl_lines(struct supervisor *s)
{
	char *line;

	while ((line = linebuf_next(&s->ctl))) {
		if (!strcmp(line, "go"))
			release_init(s);
		else if (!strcmp(line, "resume") && s->paused) {
			s->paused = false;
			sync_release(s->syncfd);
		}
		else if (!strcmp(line, "abort"))
			stop(s, 125);
		/* Anything else is from a newer TypeScript: ignore it. */
	}
}

static void on_ctl(struct supervisor *s)
{
	ssize_t n = linebuf_fill(&s->ctl, CTL_FD);

	if (n != 0) {
		handle_ctl_lines(s);	/* n < 0: nothing yet */
		return;
	}
	/* fd 3 stays open (writes to it just fail), so no other file can
	 * take its number and receive our messages. Marked closed first: the
	 * exit hook runs when nobody is listening any more. */
	s->ctl_open = false;
	/* TypeScript is gone: so is the container -- unless it is detached.
	 * A monitor's init held at `wait-go` or at a hook point would never be
	 * let go, though. */
	if (!s->cfg->detach || !s->released || s->paused)
		stop(s, 125);
}

static void on_stdin(struct supervisor *s)
{
	if (console_read_stdin(s->con) && !s->reaped) {
		kill(s->init, SIGKILL);
		ctl_send("escape");
		s->con->escape_kill = false;	/* once is enough */
	}
	/* A foreground container whose user's terminal hung up would run on
	 * unseen and unreachable: it ends with the terminal. */
	if (s->con->terminal_lost && !s->cfg->detach && !s->reaped) {
		kill(s->init, SIGKILL);
		ctl_send("hangup");
		s->con->terminal_lost = false;
	}
}

/* Which fds to watch this round; -1 entries are ignored by poll(). */
static int prepare_poll(struct supervisor *s, struct pollfd *p)
{
	struct console *c = s->con;
	int timeout = -1;

	for (int i = 0; i < P_COUNT; i++)
		p[i] = (struct pollfd){ .fd = -1, .events = POLLIN };
	p[P_SIG].fd = s->sigfd;
	p[P_CTL].fd = s->ctl_open ? CTL_FD : -1;
	p[P_SYNC].fd = s->syncfd;
	if (c) {
		timeout = console_retry_timeout(c);
		/* Read stdin only when the last chunk is in the master; a
		 * monitor's stdin is not the user's: never. */
		if (c->local && !c->stdin_eof && c->npending == 0)
			p[P_STDIN].fd = STDIN_FILENO;
		if (!c->hup)
			p[P_MASTER].fd = c->master;
		if (c->npending)
			p[P_MASTER].events |= POLLOUT;
	}
	p[P_OUTPUT].fd = s->out->pipe;
	if (s->att) {
		p[P_LISTEN].fd = s->att->listenfd;
		p[P_PENDING].fd = s->att->pending;
		p[P_CLIENT].fd = s->att->client.sock;
		if (attach_wants_input(s->att))
			p[P_CLIENT_IN].fd = s->att->client.in;
		if (attach_wants_output(s->att)) {
			p[P_CLIENT_OUT].fd = s->att->client.wfd;
			p[P_CLIENT_OUT].events = POLLOUT;
		}
	}
	return timeout;
}

static void dispatch(struct supervisor *s, struct pollfd *p)
{
	if (p[P_SYNC].revents)
		on_sync(s);
	if (p[P_SIG].revents)
		on_signal(s);
	if (p[P_CTL].revents)
		on_ctl(s);
	if (p[P_STDIN].revents)
		on_stdin(s);
	if (p[P_MASTER].revents)
		console_on_master(s->con, p[P_MASTER].revents);
	if (p[P_OUTPUT].revents)
		output_on_pipe(s->out);
	/* Last, as they may replace the client polled above. */
	if (p[P_CLIENT].revents)
		attach_on_socket(s->att);
	if (p[P_CLIENT_IN].revents)
		attach_on_input(s->att);
	if (p[P_CLIENT_OUT].revents)
		attach_on_output(s->att);
	if (p[P_PENDING].revents)
		attach_on_pending(s->att);
	if (p[P_LISTEN].revents)
		attach_on_listen(s->att);
}

void supervise(struct supervisor *s)
{
	struct pollfd p[P_COUNT];

	/* Bytes TypeScript sent right after the plan, e.g. `go`. */
	handle_ctl_lines(s);
	for (;;) {
		int timeout = prepare_poll(s, p);

		if (s->reaped)
			finish(s);
		if (poll(p, P_COUNT, timeout) < 0 && errno != EINTR)
			stop(s, 125);
		else
			dispatch(s, p);
	}
}
