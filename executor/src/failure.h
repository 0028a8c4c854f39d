/*
 * Why a step failed. Step functions (supervisor and init alike) return
 * fail(...), so their caller can report `error INDEX OPCODE ERRNO DETAIL`;
 * status is init's exit code. One process fails one step at a time, so a
 * single record is enough.
 */
#ifndef TSN_FAILURE_H
#define TSN_FAILURE_H

struct failure {
	int err;
	const char *detail;
	int status;
};

extern struct failure failure;

/* Records a failure (exit status 125) and returns -1. */
int fail(int err, const char *detail);

#endif
