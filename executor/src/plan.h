/*
 * The plan: what TypeScript decided, as parsed steps. See docs/executor.md.
 *
 * Every opcode is described once, in the table in plan.c: its name, its
 * number of arguments, which of them are lists, and the function that
 * carries it out -- either in the supervisor before the clone, or in init.
 * An init step may also have a `prepare` function: what the supervisor must
 * open for it before the clone because init could not (`join` names a
 * process by its PID in the caller's PID namespace, which init may have
 * left already). Its result is the step's fd, which init inherits.
 */
#ifndef TSN_PLAN_H
#define TSN_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "failure.h"	/* every step reports through fail() */

#define PLAN_MAGIC "TSNPLAN/1"
#define MAX_ARGS 8

struct arg {
	const char *str;	/* a scalar argument (for a list: its count) */
	size_t count;		/* a list argument: number of items */
	char **items;		/* a list argument: NULL-terminated */
};

struct config;
struct init_state;

struct step {
	const struct opdef *op;
	int index;		/* 0-based position among all steps */
	struct arg args[MAX_ARGS];
	int fd;			/* opened by `prepare` for init, else -1 */
	int rootfd;		/* `join`: the container's root, else -1 */
	bool staged;		/* between `stage-mounts` and `stage-end`:
				 * run by the stage's helper (stage.c) */
};

struct opdef {
	const char *name;
	int nargs;
	unsigned lists;		/* bit i set: argument i is a list */
	int (*supervisor)(struct config *, const struct step *);
	int (*init)(struct init_state *, const struct step *);
	int (*prepare)(struct step *);
};

struct plan {
	struct step *steps;
	size_t nsteps;
	bool staged;		/* the plan has a `stage-mounts` block */
	size_t stage_at;	/* its `stage-mounts` step, in steps[] */
	char leftover[4096];	/* bytes read past `end`: control messages */
	size_t nleftover;
};

/* Reads the plan from FD up to `end`, applying supervisor steps to CFG.
 * On any error it reports on the control channel and exits 125. */
void plan_read(int fd, struct config *cfg, struct plan *plan);

/* Runs the `prepare` functions (after plan_read, once we know we will not
 * re-execute: they may create files). A failure is reported like a
 * supervisor step's, and the executor exits 125. */
void plan_prepare(struct plan *plan);

/* Supervisor, after the clone: the fds `prepare` opened are init's now. */
void plan_close_prepared(const struct plan *plan);

#endif
