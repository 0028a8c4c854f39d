/* Running the executor from a sealed in-memory copy of itself (sealed.c). */
#ifndef TSN_SEALED_H
#define TSN_SEALED_H

#include <stdbool.h>

struct config;
struct plan;

/* Whether a process in the container could see one of ours before it
 * execs the command (and so open its /proc/PID/exe). */
bool needs_sealed_copy(const struct config *cfg);

/* Re-executes the executor from a sealed memfd copy of its binary, handing
 * the plan read so far (and what followed it) to the copy through another
 * memfd: `ts-nspawn-executor --plan-fd N`. Returns only on failure (-1,
 * errno set). */
int sealed_reexec(const struct plan *plan);

#endif
