/* Small helpers shared by the supervisor and init. */
#ifndef TSN_UTIL_H
#define TSN_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Strict unsigned parse: the whole string, no sign, no spaces, <= max. */
int parse_u64(const char *s, int base, uint64_t max, uint64_t *out);

/* Write everything, retrying short writes, EINTR and EAGAIN (by polling). */
int write_all(int fd, const void *buf, size_t len);

/* "/proc/self/fd/N": how mount(2) is pointed at an already resolved fd. */
const char *fd_path(int fd, char buf[32]);

/* Every signal disposition back to default, none blocked: what a new
 * program must start with (we blocked some, and Node ignores SIGPIPE). */
void reset_signals(void);

/* Closes every fd >= 3 but the N in KEEP (sorted in place; -1 entries
 * are ignored). */
void close_fds_except(int *keep, size_t n);

/* Monotonic clock in milliseconds, for the escape window and retry timer. */
long long now_ms(void);

/* A connected Unix stream socket to PATH (close-on-exec), or -1 with errno. */
int unix_connect(const char *path);

/* Sends N fds with SCM_RIGHTS along with LEN bytes of DATA (at least one:
 * a message with fds must carry data). 0, or -1 with errno. */
int send_fds(int sock, const int *fds, size_t n, const void *data, size_t len);

#endif
