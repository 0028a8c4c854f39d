#ifndef TSN_CLIENT_H
#define TSN_CLIENT_H

/* `ts-nspawn-executor attach SOCKET`: lends our terminal (fds 0 and 1) to
 * the monitor listening on SOCKET until it says `detached` (exit 0) or
 * `exit CODE SIGNAL` (exit CODE, or 128+SIGNAL). Returns the exit status. */
int attach_client(const char *path);

#endif
