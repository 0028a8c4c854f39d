/*
 * The last step: become the command. Everything the executor set up for
 * itself is undone here -- signal mask and dispositions (the supervisor
 * blocked signals before the clone, and Node ignores SIGPIPE), the umask,
 * and every fd but 0/1/2 is marked close-on-exec -- but those the caller
 * passes to the command (`preserve-fds`), put at 3, 4, ...
 */
#include "engine-fds.h"
#include "plan.h"
#include "protocol.h"
#include "steps.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int step_env(struct init_state *st, const struct step *s)
{
	st->envp = s->args[0].items;
	return 0;
}

int step_search_path(struct init_state *st, const struct step *s)
{
	st->search_path = s->args[0].str;
	return 0;
}

/*
 * Where exec finds NAME: NAME itself if it has a '/', else the first
 * executable regular file of that name in SEARCH (the container's PATH,
 * from `search-path`) -- execvp(3)'s rule, but with the container's PATH
 * rather than ours and no /bin/sh fallback for scripts without #!. Returns
 * 0 with PATH filled in, or the errno to report.
 */
int command_lookup(const char *name, const char *search, char path[PATH_MAX])
{
	const char *dir = search ? search : "";
	bool eacces = false;

	if (strchr(name, '/')) {
		if (snprintf(path, PATH_MAX, "%s", name) >= PATH_MAX)
			return ENAMETOOLONG;
		return access(name, X_OK) < 0 ? errno : 0;
	}
	for (;;) {
		size_t len = strcspn(dir, ":");
		int n = snprintf(path, PATH_MAX, "%.*s%s%s", (int)len, dir,
				 len ? "/" : "", name);
		struct stat sb;

		if (n > 0 && n < PATH_MAX && stat(path, &sb) == 0 &&
		    S_ISREG(sb.st_mode)) {
			if (access(path, X_OK) == 0)
				return 0;
			eacces = true;
		}
		if (!dir[len])
			break;
		dir += len + 1;
	}
	return eacces ? EACCES : ENOENT;
}

int step_exec(struct init_state *st, const struct step *s)
{
	static char *empty_env[] = { NULL };
	char **argv = s->args[0].items;
	char **envp = st->envp ? st->envp : empty_env;
	char path[PATH_MAX];
	/* `exec-path` names the file itself (a hook's path); else ARGV[0]'s. */
	int err = command_lookup(st->exec_path ? st->exec_path : argv[0],
				 st->search_path, path);

	if (err) {
		fail(err, st->exec_path ? st->exec_path : argv[0]);
		/* Like a shell: 127 for a command that does not exist, 126 else. */
		failure.status = err == ENOENT ? 127 : 126;
		return -1;
	}
	umask(st->umask);
	reset_signals();
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	/* After the close-on-exec sweep: these are the command's. */
	if (passed_fds_place(st) < 0)
		return -1;
	/* Tell the supervisor we got this far: EOF now means exec worked. */
	sync_report_exec(st->syncfd);
	/* The filter comes last, so it never sees our own set-up; a failure
	 * after "X" still reaches the supervisor as an error. */
	if (seccomp_load_deferred(st) < 0)
		return -1;
	execve(path, argv, envp);
	err = errno;
	fail(err, argv[0]);
	failure.status = err == ENOENT ? 127 : 126;
	return -1;
}
