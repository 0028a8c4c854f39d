/* Entering the namespaces and root of a running container (`exec`). */
#ifndef TSN_JOIN_H
#define TSN_JOIN_H

#include <sys/types.h>

struct config;
struct init_state;
struct plan;

/* Supervisor: a pidfd for `join-pidns` (PID in the caller's namespace). */
int open_pidns(pid_t pid);

/* Init of an exec plan (the helper), outside the container's PID
 * namespace: carries out the `join` steps (namespaces and root), closes
 * every host fd and forks the process that runs the rest of the plan
 * inside the container's PID namespace, tells the supervisor its PID and
 * exits. Returns 0 in that process; -1 on failure, with the failing
 * step's INDEX and OPCODE. */
int enter_container(struct init_state *st, const struct config *cfg,
		    const struct plan *plan, int *index, const char **opcode);

#endif
