/*
 * The two channels of the executor:
 *  - the control channel, fd 3: text lines to and from TypeScript;
 *  - the internal sync socket between the supervisor and init
 *    (SOCK_SEQPACKET, close-on-exec): the supervisor releases init with one
 *    message; init sends "X" just before execve(2) and "E INDEX OPCODE ERRNO
 *    DETAIL" if a step fails. EOF after "X" with no "E" means exec worked.
 *    The helper of an exec plan sends "P PID": the process it forked; init
 *    at a hook point sends "H NAME" and waits for another release.
 */
#ifndef TSN_PROTOCOL_H
#define TSN_PROTOCOL_H

#include <stddef.h>
#include <sys/types.h>

#define CTL_FD 3

/* Sends one line on fd 3; failures (TypeScript gone) are ignored. */
void ctl_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Buffered reader of the control lines TypeScript sends. */
struct linebuf {
	char buf[4096];
	size_t len;
};

/* Reads what is available on FD: >0 bytes, 0 on EOF, -1 nothing yet. */
ssize_t linebuf_fill(struct linebuf *lb, int fd);
/* Pops the next complete line (without '\n'), or NULL. Valid until the
 * next call on LB. */
char *linebuf_next(struct linebuf *lb);

int sync_pair(int sv[2]);
/* Supervisor side. */
int sync_release(int fd);
/* Receives one message into BUF (NUL-terminated): >0, 0 on EOF, -1 none. */
ssize_t sync_receive(int fd, char *buf, size_t len);
/* Init side. */
int sync_wait_release(int fd);
void sync_report_pid(int fd, pid_t pid);
/* Init waits at the create/start barrier (`wait-start`). */
void sync_report_waiting(int fd);
/* Init waits at a hook point (`wait-hooks NAME`) until released again. */
void sync_report_hooks(int fd, const char *name);
void sync_report_exec(int fd);
void sync_report_error(int fd, int index, const char *opcode, int err,
		       const char *detail);

#endif
