#include "attach.h"
#include "tty.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCKET_MODE 0600
/* Output an attached terminal has not taken yet. A client further behind
 * than this is dropped: holding more would only delay the inevitable, and
 * waiting for it would stall the monitor (reaping, the log, `stop`). */
#define CLIENT_BUFFER (1 << 20)

static void client_reset(struct client *cl)
{
	*cl = (struct client){ .sock = -1, .in = -1, .out = -1, .wfd = -1 };
}

void attach_init(struct attach *a, struct console *con)
{
	a->path = NULL;
	a->listenfd = a->pending = -1;
	a->con = con;
	client_reset(&a->client);
}

static int set_address(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun->sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun->sun_path, path);
	return 0;
}

/* A socket left behind by a monitor that was killed would make bind fail;
 * anything else at PATH is not ours to remove. */
static void remove_stale_socket(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(path);
}

int attach_listen(struct attach *a, const char *path)
{
	struct sockaddr_un sun;
	mode_t old;
	int rc;

	if (set_address(&sun, path) < 0)
		return -1;
	a->listenfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (a->listenfd < 0)
		return -1;
	remove_stale_socket(path);
	/* The socket file is created by bind with our umask applied: 0600
	 * from the start, with no window for anyone else to connect. */
	old = umask(~SOCKET_MODE & 0777);
	rc = bind(a->listenfd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc < 0 || listen(a->listenfd, 4) < 0)
		return -1;
	a->path = path;
	return 0;
}

void attach_close(struct attach *a)
{
	if (a->pending >= 0)
		close(a->pending);
	if (a->listenfd >= 0)
		close(a->listenfd);
	if (a->path)
		unlink(a->path);
	a->pending = a->listenfd = -1;
	a->path = NULL;
}

/* The client goes: its terminal back as it was, MSG (if any) on the
 * socket, everything closed. */
static void client_release(struct attach *a, const char *msg)
{
	struct client *cl = &a->client;

	if (cl->sock < 0)
		return;
	tty_restore(cl->in, &cl->mode);
	if (msg)
		send(cl->sock, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT);
	close(cl->sock);
	close(cl->in);
	close(cl->out);
	if (cl->wfd >= 0)
		close(cl->wfd);
	free(cl->buf);
	client_reset(cl);
}

/*
 * The fd we write the client's output to, without ever blocking. The
 * terminal's file description is shared with the client (and the user's
 * shell): making it non-blocking would change it under them. So a terminal
 * or a pipe is reopened through /proc/self/fd, which gives a description of
 * our own; a socket takes MSG_DONTWAIT; a regular file never blocks long
 * (and reopening it would lose its offset).
 */
static int open_writer(struct client *cl)
{
	struct stat sb;
	char path[32];

	if (fstat(cl->out, &sb) < 0)
		return -1;
	if (S_ISSOCK(sb.st_mode))
		cl->out_is_socket = true;
	if (S_ISSOCK(sb.st_mode) || S_ISREG(sb.st_mode) || S_ISBLK(sb.st_mode))
		return fcntl(cl->out, F_DUPFD_CLOEXEC, 3);
	/* O_NOCTTY: we lead a session and have no terminal; this must not
	 * become it. */
	return open(fd_path(cl->out, path),
		    O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
}

/* Writes what is buffered as far as the client takes it now. */
static void client_flush(struct attach *a)
{
	struct client *cl = &a->client;

	while (cl->len > 0) {
		ssize_t n = cl->out_is_socket
			? send(cl->wfd, cl->buf + cl->head, cl->len,
			       MSG_DONTWAIT | MSG_NOSIGNAL)
			: write(cl->wfd, cl->buf + cl->head, cl->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			client_release(a, NULL);	/* its terminal is gone */
			return;
		}
		cl->head += (size_t)n;
		cl->len -= (size_t)n;
	}
	cl->head = 0;
}

static void winsize_from(struct attach *a)
{
	struct client *cl = &a->client;

	/* The window size belongs to the terminal: ask whichever fd is one. */
	tty_copy_winsize(isatty(cl->in) ? cl->in : cl->out, a->con->master);
}

static void client_take(struct attach *a, int sock, int in, int out)
{
	struct client *cl = &a->client;

	client_release(a, "detached\n");	/* a newer client wins */
	cl->sock = sock;
	cl->in = in;
	cl->out = out;
	cl->buf = malloc(CLIENT_BUFFER);
	cl->wfd = open_writer(cl);
	if (!cl->buf || cl->wfd < 0) {
		client_release(a, "unsupported\n");
		return;
	}
	tty_raw(in, &cl->mode);
	winsize_from(a);
}

bool attach_wants_input(const struct attach *a)
{
	const struct client *cl = &a->client;

	/* Like our stdin: read only when the last chunk is in the master. */
	return cl->sock >= 0 && !cl->in_eof && a->con->npending == 0;
}

bool attach_wants_output(const struct attach *a)
{
	return a->client.sock >= 0 && a->client.len > 0;
}

/* Only our own user (root) may take the console: the socket's mode says
 * so too, but a mode is easy to loosen by mistake (or by a umask). */
static bool peer_is_us(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof cred;

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	       cred.uid == geteuid();
}

void attach_on_listen(struct attach *a)
{
	int fd = accept4(a->listenfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (!peer_is_us(fd)) {
		send(fd, "denied\n", 7, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	/* One handshake at a time: a newer connection replaces a silent one. */
	if (a->pending >= 0)
		close(a->pending);
	a->pending = fd;
}

/* The client's one message: a byte and its fds 0 and 1. */
static int receive_fds(int sock, int fds[2])
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf,
			      .msg_controllen = sizeof ctl.buf };
	struct cmsghdr *c;
	ssize_t n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	size_t nfds;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return -1;
	nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
	if (nfds == 2 && !(msg.msg_flags & MSG_CTRUNC))
		return 1;
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
	return -1;
}

void attach_on_pending(struct attach *a)
{
	int fds[2], r;

	if (a->pending < 0)
		return;
	r = receive_fds(a->pending, fds);
	if (r == 0)
		return;
	if (r > 0)
		client_take(a, a->pending, fds[0], fds[1]);
	else
		close(a->pending);	/* not a client: EOF or no fds */
	a->pending = -1;
}

void attach_on_socket(struct attach *a)
{
	struct client *cl = &a->client;
	char buf[64];
	ssize_t n;

	if (cl->sock < 0)
		return;
	n = recv(cl->sock, buf, sizeof buf, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_release(a, NULL);	/* the client is gone */
		return;
	}
	if (memchr(buf, 'w', (size_t)n))
		winsize_from(a);
}

/* Ctrl-] bytes are held back while they may be the escape, which must not
 * reach the container: a detach would otherwise leave them typed into its
 * shell. Returns true when the escape is complete. */
static bool queue_input(struct attach *a, const char *buf, size_t n)
{
	struct client *cl = &a->client;
	static const char esc = ESCAPE_BYTE;

	for (size_t i = 0; i < n; i++) {
		if (buf[i] == ESCAPE_BYTE) {
			if (escape_press(&cl->esc))
				return true;
			/* Three held, too slow for the escape: pass the oldest. */
			if (cl->held == 2)
				console_queue(a->con, &esc, 1);
			else
				cl->held++;
			continue;
		}
		for (; cl->held > 0; cl->held--)
			console_queue(a->con, &esc, 1);
		console_queue(a->con, buf + i, 1);
	}
	return false;
}

/* Whether FD can be read without blocking: the client's terminal is a
 * blocking fd we share with it, and it may have changed since poll(). */
static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

void attach_on_input(struct attach *a)
{
	struct client *cl = &a->client;
	/* Leaves room for the held bytes in the (empty) pending buffer. */
	char buf[1024];
	ssize_t n;

	if (!attach_wants_input(a) || !readable(cl->in))
		return;
	n = read(cl->in, buf, sizeof buf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		cl->in_eof = true;	/* keep relaying output */
		return;
	}
	if (queue_input(a, buf, (size_t)n))
		client_release(a, "detached\n");
}

void attach_output(struct attach *a, const char *buf, size_t n)
{
	struct client *cl = &a->client;

	if (cl->sock < 0)
		return;
	if (cl->len + n > CLIENT_BUFFER) {
		client_release(a, "dropped\n");	/* it cannot keep up */
		return;
	}
	if (cl->head + cl->len + n > CLIENT_BUFFER) {
		memmove(cl->buf, cl->buf + cl->head, cl->len);
		cl->head = 0;
	}
	memcpy(cl->buf + cl->head + cl->len, buf, n);
	cl->len += n;
	client_flush(a);
}

void attach_on_output(struct attach *a)
{
	if (a->client.sock >= 0)
		client_flush(a);
}

void attach_finish(struct attach *a, int code, int sig)
{
	char msg[64];

	snprintf(msg, sizeof msg, "exit %d %d\n", code, sig);
	/* The last output, as far as the terminal takes it without waiting. */
	if (a->client.sock >= 0)
		client_flush(a);
	client_release(a, msg);
	attach_close(a);
}
