/* Entering the namespaces of a running container (`ts-nspawn exec`). */
#ifndef TSN_JOIN_H
#define TSN_JOIN_H

#include <sys/types.h>

/* Supervisor, before the clone: children are created in PID's PID
 * namespace from now on (we stay where we are). */
int join_pidns(pid_t pid);

#endif
