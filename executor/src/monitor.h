/* What happens once init has ended: the exit file and the exit command
 * (the runtime's clean-up hook), mostly for a monitor (`detach`), whose
 * caller is no longer there to hear `exit`. */
#ifndef TSN_MONITOR_H
#define TSN_MONITOR_H

/* Writes "CODE SIGNAL\n" to PATH atomically (PATH.tmp, then rename).
 * Failures are silent: there is nobody left to tell. */
void write_exit_file(const char *path, int code, int sig);

/* Replaces the supervisor with ARGV (execv), stdio on /dev/null, with
 * nothing of ours left over (signal mask, fds, subreaper). On failure it
 * exits 127 (no such file) or 126. */
void run_exit_command(char **argv) __attribute__((noreturn));

#endif
