#include "console.h"
#include "output.h"
#include "resolve.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The container's /dev/ptmx, resolved inside its root (ROOTFD), opened
 * only if it is the PTY multiplexer (5:2): the PTY then comes from the
 * container's own devpts instance, never the host's. */
static int open_container_ptmx(int rootfd)
{
	struct stat sb;
	char buf[32];
	int fd = resolve_open(rootfd, "/dev/ptmx", 0), master;

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || !S_ISCHR(sb.st_mode) ||
	    major(sb.st_rdev) != 5 || minor(sb.st_rdev) != 2) {
		close(fd);
		errno = ENOTTY;
		return -1;
	}
	master = open(fd_path(fd, buf), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	close(fd);
	return master;
}

static int open_in_container(struct console *c, int rootfd)
{
	int unlock = 0;
	unsigned int n;

	c->master = open_container_ptmx(rootfd);
	if (c->master < 0)
		return -1;
	if (ioctl(c->master, TIOCSPTLCK, &unlock) < 0 ||
	    ioctl(c->master, TIOCGPTN, &n) < 0)
		return -1;
	snprintf(c->slave_path, sizeof c->slave_path, "/dev/pts/%u", n);
	/* The slave by the master, not by a path anybody could swap. */
	c->slave = ioctl(c->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return c->slave < 0 ? -1 : 0;
}

int console_open(struct console *c, int rootfd)
{
	c->slave = -1;
	/* A container without /dev/ptmx gets one of the host's, as init does. */
	if (rootfd >= 0 && (open_in_container(c, rootfd) == 0 || errno != ENOENT))
		return c->slave < 0 ? -1 : 0;
	/* Non-blocking: the relay must never stall on the master. */
	c->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (c->master < 0)
		return -1;
	if (grantpt(c->master) < 0 || unlockpt(c->master) < 0 ||
	    ptsname_r(c->master, c->slave_path, sizeof c->slave_path) != 0)
		return -1;
	return 0;
}

/* A monitor never touches its own stdin: it is not the user's terminal. */
void console_raw(struct console *c)
{
	if (c->local)
		tty_raw(STDIN_FILENO, &c->mode);
}

void console_restore(struct console *c)
{
	tty_restore(STDIN_FILENO, &c->mode);
}

void console_sync_winsize(struct console *c)
{
	if (c->local)
		tty_copy_winsize(STDIN_FILENO, c->master);
}

static void set_hup(struct console *c)
{
	c->hup = true;
	c->hup_since = now_ms();
}

int console_retry_timeout(struct console *c)
{
	long long left;

	if (!c->hup)
		return -1;
	left = c->hup_since + HUP_RETRY_MS - now_ms();
	if (left > 0)
		return (int)left;
	c->hup = false;		/* poll the master again */
	return -1;
}

/* The escape on our own stdin. The bytes are still passed through. */
static bool escape_typed(struct console *c, const char *buf, size_t n)
{
	for (size_t i = 0; c->escape_kill && i < n; i++)
		if ((unsigned char)buf[i] == ESCAPE_BYTE && escape_press(&c->esc))
			return true;
	return false;
}

bool console_read_stdin(struct console *c)
{
	size_t room = sizeof c->pending - c->npending;
	ssize_t n = read(STDIN_FILENO, c->pending + c->npending, room);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n <= 0) {
		c->stdin_eof = true;	/* stop reading, keep relaying output */
		/* A terminal in raw mode has no end-of-file key: reading
		 * nothing (or EIO) means it hung up -- a closed window, a
		 * dropped ssh -- and nobody will see this console again. */
		c->terminal_lost = c->mode.raw && (n == 0 || errno == EIO);
		return false;
	}
	c->npending += (size_t)n;
	return escape_typed(c, c->pending + c->npending - n, (size_t)n);
}

void console_queue(struct console *c, const char *buf, size_t n)
{
	memcpy(c->pending + c->npending, buf, n);
	c->npending += n;
}

static void console_write_master(struct console *c)
{
	ssize_t n = write(c->master, c->pending, c->npending);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			set_hup(c);	/* keep the bytes for the next slave */
		return;
	}
	c->npending -= (size_t)n;
	memmove(c->pending, c->pending + n, c->npending);
}

/* One read from the master out: 1 data, 0 nothing now, -1 no slave. */
static int copy_master(struct console *c)
{
	char buf[OUTPUT_CHUNK];
	ssize_t n = read(c->master, buf, sizeof buf);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;	/* EIO: every slave fd is closed (or hung up) */
	output_write(c->out, buf, (size_t)n);
	return 1;
}

void console_on_master(struct console *c, short revents)
{
	int r = 0;

	if (revents & (POLLIN | POLLHUP | POLLERR))
		r = copy_master(c);
	/* POLLHUP without data to read also means "no slave": do not spin. */
	if (r < 0 || (r == 0 && (revents & (POLLHUP | POLLERR))))
		set_hup(c);
	/* Input written while no slave is open is lost when one opens:
	 * keep it pending until a slave is there again. */
	if (!c->hup && (revents & POLLOUT) && !(revents & POLLHUP))
		console_write_master(c);
}

void console_drain(struct console *c)
{
	/* Bounded: without a PID namespace a leftover process could keep
	 * writing for ever. */
	for (int i = 0; i < 256 && copy_master(c) > 0; i++)
		;
}

int console_take(int slavefd)
{
	if (setsid() < 0 || ioctl(slavefd, TIOCSCTTY, 0) < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (dup2(slavefd, i) < 0)
			return -1;
	return 0;
}
