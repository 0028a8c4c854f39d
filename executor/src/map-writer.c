/*
 * Rootless user namespaces: who writes init's ID maps. A privileged
 * supervisor writes /proc/PID/{uid,gid}_map itself (userns.c). An
 * unprivileged one may write only a map of its own uid and gid (and must
 * deny setgroups first); a map with the user's subordinate ranges
 * (/etc/subuid, /etc/subgid) is written by the setuid helpers newuidmap
 * and newgidmap, which check those files. TypeScript decides which: the
 * `user-map-writer` step carries the helpers' argv (empty: write it
 * ourselves); the supervisor adds the PID and the extents and runs them
 * at the sync point "maps".
 */
#include "config.h"
#include "failure.h"
#include "plan.h"
#include "userns.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int sup_user_map_writer(struct config *cfg, const struct step *st)
{
	/* Both or neither: a map written by a helper and the other by us
	 * would need setgroups denied for one and allowed for the other. */
	if ((st->args[0].count == 0) != (st->args[1].count == 0))
		return fail(EINVAL, "user-map-writer: give both helpers or none");
	cfg->uid_helper = st->args[0].count ? st->args[0].items : NULL;
	cfg->uid_helper_count = st->args[0].count;
	cfg->gid_helper = st->args[1].count ? st->args[1].items : NULL;
	cfg->gid_helper_count = st->args[1].count;
	cfg->maps_unprivileged = true;
	return 0;
}

/* HELPER... PID INSIDE OUTSIDE COUNT...: 0 if it exited 0. */
int run_map_helper(char **helper, size_t nhelper, pid_t pid, char **items,
		   size_t count)
{
	size_t argc = nhelper + 1 + 3 * count, n = 0;
	char **argv = calloc(argc + 1, sizeof *argv);
	char pidbuf[16], *words;
	int status, err = 0;
	pid_t child;

	words = calloc(count, 36);
	if (!argv || !words) {
		free(argv);
		free(words);
		return fail(ENOMEM, helper[0]);
	}
	for (size_t i = 0; i < nhelper; i++)
		argv[n++] = helper[i];
	snprintf(pidbuf, sizeof pidbuf, "%d", (int)pid);
	argv[n++] = pidbuf;
	/* "INSIDE OUTSIDE COUNT" -> three arguments. */
	for (size_t i = 0; i < count; i++) {
		char *w = words + 36 * i, *save = NULL;

		snprintf(w, 36, "%s", items[i]);
		for (char *t = strtok_r(w, " ", &save); t && n < argc;
		     t = strtok_r(NULL, " ", &save))
			argv[n++] = t;
	}
	child = fork();
	if (child == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		reset_signals();
		if (devnull >= 0)
			dup2(devnull, 0);
		/* Its complaint goes to our stderr: the user sees why. */
		close_fds_except(NULL, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	if (child < 0)
		err = errno;
	else
		while (waitpid(child, &status, 0) < 0)
			if (errno != EINTR) {
				err = errno;
				break;
			}
	free(argv);
	free(words);
	if (err)
		return fail(err, helper[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fail(WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
			    ENOENT : EPERM, helper[0]);
	return 0;
}
