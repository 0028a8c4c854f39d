#ifndef TSN_SUPERVISE_H
#define TSN_SUPERVISE_H

#include <stdbool.h>
#include <sys/types.h>

#include "protocol.h"

struct attach;
struct config;
struct console;
struct output;

struct supervisor {
	const struct config *cfg;
	struct console *con;	/* NULL without a console */
	struct output *out;
	struct attach *att;	/* NULL without `attach-socket` */
	pid_t init;
	int sigfd;
	int syncfd;		/* -1 once init's end closed */
	bool ctl_open;
	struct linebuf ctl;
	bool released;		/* let go (`go`, or no `wait-go`) */
	bool release_sent;	/* init told so on the sync socket */
	bool paused;		/* init waits at a hook point for `resume` */
	/* exec (`join-pidns`): `init` is first the helper, until it reports
	 * the process it forked inside the container; that one is `init`
	 * from then on, and the helper is reaped before it is released. */
	bool awaiting_pid;
	pid_t helper;		/* the helper, still to be reaped; else 0 */
	bool exec_seen, error_seen;
	bool reaped;
	int wstatus;
	int forced_status;	/* -1, or the exit status to use regardless */
	int pidfd_sock;		/* `pidfd-socket`, still to get the exec'd process's pidfd; -1 */
};

/* The set of signals the supervisor receives through its signalfd. */
int supervisor_signalfd(const struct config *cfg);
void release_init(struct supervisor *s);
void supervise(struct supervisor *s) __attribute__((noreturn));

#endif
