/*
 * Where the container's output goes. With a console it is the master's
 * output; without one, when there is a log, init's stdout and stderr are
 * one pipe we read (one, so the log keeps the order in which they were
 * written; init's stdin is then /dev/null). Every chunk is handed to each
 * destination (sink) the supervisor wired up: our own stdout (foreground
 * only: a monitor's is /dev/null), the log, an attached client. A sink
 * must never block: the supervisor's loop would stall with it.
 */
#ifndef TSN_OUTPUT_H
#define TSN_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

/* One read's worth; on the stack, so kept modest (a PTY gives 4 KiB). */
#define OUTPUT_CHUNK 16384
#define MAX_SINKS 4

struct sink {
	void (*write)(void *ctx, const char *buf, size_t n);
	void *ctx;
};

struct output {
	struct sink sinks[MAX_SINKS];
	int nsinks;
	int pipe;		/* read end of init's stdout+stderr, or -1 */
	int init_stdio[3];	/* what init takes as fds 0/1/2, or -1 */
};

void output_init(struct output *o);
void output_add_sink(struct output *o, void (*write)(void *, const char *, size_t),
		     void *ctx);
/* Before the clone: a pipe for init's stdout and stderr, /dev/null for its
 * stdin. */
int output_make_pipe(struct output *o);
/* After the clone: init has its ends; without closing ours, no EOF. */
void output_close_init_ends(struct output *o);
void output_write(struct output *o, const char *buf, size_t n);
/* The pipe is readable (or at EOF). */
void output_on_pipe(struct output *o);
/* After init exits: copy what is left in the pipe. */
void output_drain(struct output *o);

#endif
