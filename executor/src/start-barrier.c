/*
 * The create/start barrier (`wait-start PATH`): a created container's init
 * has done every step but the last ones and waits here until someone runs
 * `start`, which may be long after the command that created it has gone.
 *
 * The barrier is a FIFO, so that nobody needs to stay around to hold it:
 * the supervisor makes it (mode 0600) and opens it O_PATH before the clone
 * (prepare_wait_start); init tells the supervisor it is waiting (`created`
 * on the control channel) and then opens it for writing through
 * /proc/self/fd, which blocks until `start` opens it for reading. Init then
 * writes one byte, which `start` reads as its proof that init went on.
 *
 * Before waiting, init looks the command up (as exec will), so that a
 * command that does not exist fails the create, not a later start.
 */
#include "plan.h"
#include "protocol.h"
#include "steps.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIFO_MODE 0600

int prepare_wait_start(struct step *s)
{
	const char *path = s->args[0].str;

	if (!*path)
		return fail(EINVAL, "empty path");
	if (mkfifo(path, FIFO_MODE) < 0)
		return fail(errno, path);
	/* mkfifo applies our umask; the mode must not depend on it. */
	if (chmod(path, FIFO_MODE) < 0)
		return fail(errno, path);
	s->fd = open(path, O_PATH | O_CLOEXEC);
	if (s->fd < 0)
		return fail(errno, path);
	return 0;
}

static void end(int sig)
{
	_exit(128 + sig);
}

/*
 * A created container ends on SIGTERM, SIGINT, SIGHUP or SIGQUIT, as
 * runc's waiting init does (`kill` of a created container), instead of
 * holding them blocked, as the supervisor left them, until `start`. As
 * PID 1 of its PID namespace it receives only the signals it handles
 * (SIGKILL aside): so a handler ends it, with the shell's status for the
 * signal. exec resets them. The other dispositions stay (SIGPIPE ignored
 * while we still write).
 */
static void ends_on_signals(void)
{
	static const int ending[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
	struct sigaction sa = { .sa_handler = end };
	sigset_t none;

	for (size_t i = 0; i < sizeof ending / sizeof ending[0]; i++)
		sigaction(ending[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The exec step this barrier guards, to look its command up. */
static const struct step *exec_step(const struct plan *plan)
{
	for (size_t i = plan->nsteps; i-- > 0;)
		if (!strcmp(plan->steps[i].op->name, "exec"))
			return &plan->steps[i];
	return NULL;
}

int step_wait_start(struct init_state *st, const struct step *s)
{
	const struct step *exec = exec_step(st->plan);
	char proc[32], path[PATH_MAX];
	int fd, err;

	if (exec && (err = command_lookup(exec->args[0].items[0], st->search_path, path)))
		return fail(err, exec->args[0].items[0]);
	ends_on_signals();
	sync_report_waiting(st->syncfd);
	do
		fd = open(fd_path(s->fd, proc), O_WRONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return fail(errno, s->args[0].str);
	err = write_all(fd, "s", 1) < 0 ? errno : 0;
	close(fd);
	close(s->fd);
	return err ? fail(err, s->args[0].str) : 0;
}
