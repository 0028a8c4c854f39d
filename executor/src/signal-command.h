/* `ts-nspawn-executor signal PID STARTTIME SIGNAL`: see signal.c. */
#ifndef TSN_SIGNAL_COMMAND_H
#define TSN_SIGNAL_COMMAND_H

enum { SIGNAL_SENT = 0, SIGNAL_ERROR = 1, SIGNAL_USAGE = 2, SIGNAL_GONE = 3, SIGNAL_MISMATCH = 4 };

int signal_command(int argc, char **argv);

#endif
