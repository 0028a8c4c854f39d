/*
 * The last step: become the command. Everything the executor set up for
 * itself is undone here -- signal mask and dispositions (the supervisor
 * blocked signals before the clone, and Node ignores SIGPIPE), the umask,
 * and every fd but 0/1/2 is marked close-on-exec.
 */
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

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int step_env(struct init_state *st, const struct step *s)
{
	st->envp = s->args[0].items;
	return 0;
}

static const char *env_path(char **envp)
{
	for (; envp && *envp; envp++)
		if (!strncmp(*envp, "PATH=", 5))
			return *envp + 5;
	return DEFAULT_PATH;
}

/* execvpe(3) semantics, but with the container's PATH (not ours) and no
 * fallback to /bin/sh on ENOEXEC. Returns the errno to report. */
static int exec_search(char **argv, char **envp)
{
	const char *dir = env_path(envp);
	bool eacces = false;
	char path[PATH_MAX];

	for (;;) {
		size_t len = strcspn(dir, ":");
		int n = snprintf(path, sizeof path, "%.*s%s%s", (int)len, dir,
				 len ? "/" : "", argv[0]);
		if (n > 0 && (size_t)n < sizeof path) {
			execve(path, argv, envp);
			if (errno == EACCES)
				eacces = true;
			else if (errno != ENOENT && errno != ENOTDIR)
				return errno;
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
	int err;

	umask(st->umask);
	reset_signals();
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	/* Tell the supervisor we got this far: EOF now means exec worked. */
	sync_report_exec(st->syncfd);
	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, envp);
		err = errno;
	} else {
		err = exec_search(argv, envp);
	}
	fail(err, argv[0]);
	/* Like a shell: 127 for a command that does not exist, 126 else. */
	failure.status = err == ENOENT ? 127 : 126;
	return -1;
}

int command_lookup(const char *name, char **envp)
{
	const char *dir = env_path(envp);
	bool eacces = false;
	char path[PATH_MAX];

	if (strchr(name, '/'))
		return access(name, X_OK) < 0 ? errno : 0;
	for (;;) {
		size_t len = strcspn(dir, ":");
		int n = snprintf(path, sizeof path, "%.*s%s%s", (int)len, dir,
				 len ? "/" : "", name);
		struct stat sb;

		if (n > 0 && (size_t)n < sizeof path && stat(path, &sb) == 0 &&
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
