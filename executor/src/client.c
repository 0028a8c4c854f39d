/*
 * The attach client. It does no relaying itself: the monitor reads and
 * writes our terminal through the fds we pass it, so the client only waits
 * on the socket, and tells the monitor about window size changes (only we
 * get SIGWINCH: the terminal is not the monitor's).
 *
 * We keep a copy of the terminal's mode and put it back when we leave: the
 * monitor restores it too, but a monitor that was SIGKILLed cannot.
 */
#include "client.h"
#include "tty.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLIENT_FAILED 125

/* One byte (SCM_RIGHTS needs some data) carrying fds 0 and 1. */
static int send_terminal(int sock)
{
	static const int fds[2] = { STDIN_FILENO, STDOUT_FILENO };

	return send_fds(sock, fds, 2, "a", 1);
}

/* "detached" -> 0, "exit CODE SIGNAL" -> CODE or 128+SIGNAL, else -1. */
static int parse_reply(const char *line)
{
	int code, sig;

	if (!strcmp(line, "detached"))
		return 0;
	if (!strcmp(line, "dropped")) {
		fprintf(stderr, "\r\nts-nspawn-executor: attach: detached: this "
			"terminal did not keep up with the container's output\r\n");
		return CLIENT_FAILED;
	}
	if (!strcmp(line, "denied")) {
		fprintf(stderr, "ts-nspawn-executor: attach: refused: the "
			"monitor accepts only its own user\n");
		return CLIENT_FAILED;
	}
	if (sscanf(line, "exit %d %d", &code, &sig) == 2)
		return sig ? 128 + sig : code;
	return -1;
}

/* Reads the monitor's reply: an exit status, -1 for more to come, or
 * -2 if the monitor went away without one. */
static int read_reply(int sock, char *buf, size_t size, size_t *len)
{
	char *nl;
	ssize_t n = recv(sock, buf + *len, size - 1 - *len, 0);

	if (n < 0 && errno == EINTR)
		return -1;
	if (n <= 0)
		return -2;
	*len += (size_t)n;
	buf[*len] = '\0';
	nl = strchr(buf, '\n');
	if (!nl)
		return *len == size - 1 ? -2 : -1;
	*nl = '\0';
	n = parse_reply(buf);
	return n < 0 ? -2 : (int)n;
}

/* SIGWINCH, and the signals that end us: those must restore the terminal
 * and close the socket (so the monitor lets go of the terminal too). */
static int signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* 0, or 128+N for a signal N that ends us. */
static int on_signal(int sigfd, int sock)
{
	struct signalfd_siginfo si;

	while (read(sigfd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo != SIGWINCH)
			return 128 + (int)si.ssi_signo;
		send(sock, "w", 1, MSG_NOSIGNAL);
	}
	return 0;
}

static int wait_for_monitor(int sock, int sigfd)
{
	char buf[128];
	size_t len = 0;

	for (;;) {
		struct pollfd p[2] = { { .fd = sock, .events = POLLIN },
				       { .fd = sigfd, .events = POLLIN } };
		int r = -1;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return -2;
		if (p[1].revents && (r = on_signal(sigfd, sock)) > 0)
			return r;
		r = -1;
		if (p[0].revents)
			r = read_reply(sock, buf, sizeof buf, &len);
		if (r != -1)
			return r;
	}
}

static int failed(const char *path, const char *what)
{
	fprintf(stderr, "ts-nspawn-executor: attach %s: %s\n", path, what);
	return CLIENT_FAILED;
}

int attach_client(const char *path)
{
	struct ttymode mode = { .raw = false };
	int sock, sigfd, status;

	signal(SIGPIPE, SIG_IGN);
	sock = unix_connect(path);
	if (sock < 0)
		return failed(path, strerror(errno));
	sigfd = signal_fd();
	if (sigfd < 0)
		return failed(path, strerror(errno));
	/* Saved before the monitor makes it raw; restored whatever happens. */
	mode.raw = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &mode.saved) == 0;
	/* A refused client still reads why (the monitor may already have
	 * closed its end: then sending fails). */
	if (send_terminal(sock) < 0 && errno != EPIPE && errno != ECONNRESET)
		return failed(path, strerror(errno));
	status = wait_for_monitor(sock, sigfd);
	tty_restore(STDIN_FILENO, &mode);
	if (status < 0)
		return failed(path, "the container's monitor closed the connection");
	return status;
}
