#!/usr/bin/env python3
"""Boots a container on a new pseudo-terminal and times it, for bench/boot.ts.

Usage: boot-console.py TIMEOUT-SECONDS TRANSCRIPT-FILE READY-FIFO -- COMMAND [ARG...]

COMMAND is a runtime booting an OS tree whose bench-ready.service writes
"BENCH-STATE=<state>" into READY-FIFO (a path in the tree; made here) once
`systemctl is-system-running --wait` returns. On the terminal, as a person
would, this script waits for "<hostname> login: "; once it has both, it
logs in as root (no password), waits for the shell prompt, types
`poweroff` and waits for COMMAND to exit. Times are CLOCK_MONOTONIC seconds
from just before fork(), taken as the data arrives (select on the PTY
master, the FIFO and a SIGCHLD wake-up pipe). The state goes through a
FIFO, not the console, because agetty flushes the console's queue as it
starts, which can swallow a line written at that moment.

The transcript goes to TRANSCRIPT-FILE, one JSON line of results to stdout.
SIGTERM or SIGINT to this script, or the time-out, sends SIGTERM to COMMAND
(an orderly shutdown under both runtimes), then SIGKILL after 20 s.
"""
import errno
import fcntl
import json
import os
import re
import select
import signal
import struct
import sys
import termios
import time

KILL_AFTER = 20.0
STATE_RE = re.compile(rb"BENCH-STATE=([a-z-]+)\n")
FAILED_RE = re.compile(rb"BENCH-FAILED=\[([^\]\n]*)\]")
# The tree's systemd sets the hostname from its /etc/hostname, whatever the runtime chose.
PROMPT_RE = re.compile(rb"(?:^|\n)[A-Za-z0-9.-]+ login: ")
SHELL_RE = re.compile(rb"root@[A-Za-z0-9.-]+:~# ")


def nonblocking(fd):
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)


def main():
    timeout, transcript_path, fifo_path = float(sys.argv[1]), sys.argv[2], sys.argv[3]
    command = sys.argv[5:]

    wake_r, wake_w = os.pipe()
    nonblocking(wake_r)
    nonblocking(wake_w)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    stop = {"why": None}

    def on_signal(signum, _frame):
        stop["why"] = stop["why"] or f"bench helper got {signal.Signals(signum).name}"

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    os.mkfifo(fifo_path, 0o622)
    fifo = os.open(fifo_path, os.O_RDONLY | os.O_NONBLOCK)
    # A writer of our own, so that the FIFO does not read as end-of-file before or between the container's writes.
    fifo_keep = os.open(fifo_path, os.O_WRONLY | os.O_NONBLOCK)

    started = time.monotonic()
    pid, master = os.forkpty()
    if pid == 0:
        try:
            os.close(fifo)
            os.close(fifo_keep)
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))

    def now():
        return time.monotonic() - started

    out = bytearray()
    said = bytearray()
    result = {"running": None, "state": None, "failed": None, "prompt": None,
              "loggedIn": None, "poweroffSent": None, "exited": None, "status": None}
    step = {"login": False, "poweroff": False, "shell_from": 0}
    master_open = True
    terminated_at = None
    killed = False

    def advance():
        """Types the next thing once what it waits for has shown."""
        if stop["why"] is not None:
            return
        # Log in only once the boot is over, so that the session's units are not part of it.
        if not step["login"] and result["prompt"] is not None and result["running"] is not None:
            step["login"] = True
            step["shell_from"] = len(out)
            os.write(master, b"root\r")
        elif step["login"] and not step["poweroff"] and SHELL_RE.search(out, step["shell_from"]):
            step["poweroff"] = True
            result["loggedIn"] = now()
            os.write(master, b"poweroff\r")
            result["poweroffSent"] = now()

    def read_master():
        nonlocal master_open
        try:
            data = os.read(master, 65536)
        except OSError as error:
            if error.errno != errno.EIO:
                raise
            data = b""
        if not data:
            master_open = False
            return
        t = now()
        out.extend(data)
        if result["prompt"] is None and PROMPT_RE.search(out):
            result["prompt"] = t

    def read_fifo():
        try:
            data = os.read(fifo, 4096)
        except BlockingIOError:
            return
        t = now()
        said.extend(data)
        if result["running"] is None:
            m = STATE_RE.search(said)
            if m:
                result["running"] = t
                result["state"] = m.group(1).decode()
        if result["failed"] is None:
            m = FAILED_RE.search(said)
            if m:
                result["failed"] = m.group(1).decode().split()

    while result["status"] is None:
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            result["exited"] = now()
            code = os.waitstatus_to_exitcode(raw)
            result["status"] = code if code >= 0 else 128 - code
            break
        if stop["why"] is None and now() > timeout:
            stop["why"] = f"timed out after {timeout:.0f} s"
        if stop["why"] is not None and terminated_at is None:
            terminated_at = time.monotonic()
            os.kill(pid, signal.SIGTERM)
        if terminated_at is not None and not killed and time.monotonic() - terminated_at > KILL_AFTER:
            killed = True
            os.kill(pid, signal.SIGKILL)
        watch = [wake_r, fifo] + ([master] if master_open else [])
        try:
            ready, _, _ = select.select(watch, [], [], 0.5)
        except InterruptedError:
            continue
        if wake_r in ready:
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
        if fifo in ready:
            read_fifo()
        if master_open and master in ready:
            read_master()
        advance()

    # What the runtime wrote before it exited.
    while master_open and select.select([master], [], [], 0.05)[0]:
        read_master()

    with open(transcript_path, "wb") as f:
        f.write(out)
    if stop["why"] is not None:
        result["error"] = stop["why"]
    elif not step["poweroff"]:
        result["error"] = "the runtime exited before poweroff was typed"
    print(json.dumps(result), flush=True)


main()
