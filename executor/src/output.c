#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

void output_init(struct output *o)
{
	o->pipe = -1;
	for (int i = 0; i < 3; i++)
		o->init_stdio[i] = -1;
}

void output_add_sink(struct output *o, void (*write)(void *, const char *, size_t),
		     void *ctx)
{
	if (o->nsinks < MAX_SINKS)
		o->sinks[o->nsinks++] = (struct sink){ write, ctx };
}

int output_make_pipe(struct output *o)
{
	int fds[2];

	o->init_stdio[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (o->init_stdio[0] < 0)
		return -1;
	/* Our end non-blocking: a quiet container must not stall the loop. */
	if (pipe2(fds, O_CLOEXEC) < 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0)
		return -1;
	o->pipe = fds[0];
	o->init_stdio[1] = o->init_stdio[2] = fds[1];
	return 0;
}

void output_close_init_ends(struct output *o)
{
	if (o->init_stdio[0] >= 0)
		close(o->init_stdio[0]);
	if (o->init_stdio[1] >= 0)
		close(o->init_stdio[1]);	/* [2] is the same fd */
	for (int i = 0; i < 3; i++)
		o->init_stdio[i] = -1;
}

void output_write(struct output *o, const char *buf, size_t n)
{
	for (int i = 0; i < o->nsinks; i++)
		o->sinks[i].write(o->sinks[i].ctx, buf, n);
}

/* One read: 1 data, 0 nothing now, -1 EOF (every writer is gone). */
static int copy_pipe(struct output *o)
{
	char buf[OUTPUT_CHUNK];
	ssize_t n = read(o->pipe, buf, sizeof buf);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		close(o->pipe);
		o->pipe = -1;
		return -1;
	}
	output_write(o, buf, (size_t)n);
	return 1;
}

void output_on_pipe(struct output *o)
{
	if (o->pipe >= 0)
		copy_pipe(o);
}

void output_drain(struct output *o)
{
	/* Bounded: without a PID namespace a leftover process could keep
	 * writing for ever. */
	for (int i = 0; i < 256 && o->pipe >= 0 && copy_pipe(o) > 0; i++)
		;
}
