/*
 * Where the runtime's hooks run (runtime-spec config.md "hooks").
 *
 * `wait-hooks NAME`: init stops here and tells the supervisor (`H NAME` on
 * the sync socket, reported as `hooks NAME`); TypeScript runs the hooks of
 * that point -- on the host, or in a process that joins init's namespaces
 * -- and answers `resume`, upon which the supervisor lets init go on, or
 * `abort`. `create` stands after the mounts and before `pivot-root` (the
 * prestart, createRuntime and createContainer hooks), `start` where a
 * created container would wait for `start` (startContainer).
 *
 * `exec-path PATH`: the file the final `exec` runs, its ARGV[0] being only
 * the name the program is given (a hook's `path` and `args`).
 */
#include "plan.h"
#include "protocol.h"
#include "steps.h"
#include "util.h"

#include <errno.h>

int step_wait_hooks(struct init_state *st, const struct step *s)
{
	sync_report_hooks(st->syncfd, s->args[0].str);
	/* EOF: the supervisor died, or it was told to give up. */
	if (sync_wait_release(st->syncfd) < 0)
		return fail(ECANCELED, s->args[0].str);
	return 0;
}

int step_exec_path(struct init_state *st, const struct step *s)
{
	if (s->args[0].str[0] != '/')
		return fail(EINVAL, s->args[0].str);
	st->exec_path = s->args[0].str;
	return 0;
}
