/*
 * The container's log: everything it writes, appended to a file that is
 * rotated once (PATH -> PATH.1) before it would grow past its limit.
 */
#ifndef TSN_LOG_H
#define TSN_LOG_H

#include <stddef.h>
#include <stdint.h>

struct logfile {
	int fd;
	const char *path;
	uint64_t max;		/* 0: never rotate */
	uint64_t size;		/* bytes in the current file */
};

/* Opens (creating 0640) PATH for appending; -1 with errno on failure. */
int log_open(struct logfile *l, const char *path, uint64_t max);
/* Appends BUF, rotating first when it would not fit. Write errors (a full
 * disk) are ignored: the container must not stall on its log. */
void log_write(struct logfile *l, const char *buf, size_t n);

#endif
