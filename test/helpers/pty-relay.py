#!/usr/bin/env python3
"""Runs a command on a new pseudo-terminal, as if a person sat at it.

Tests write keystrokes to this script's stdin and read the terminal's output
from its stdout; the command's exit status becomes this script's (128+N for
signal N). Usage: pty-relay.py ROWS COLS -- COMMAND [ARG...]
"""
import os
import select
import struct
import sys
import fcntl
import termios


def main():
    rows, cols = int(sys.argv[1]), int(sys.argv[2])
    command = sys.argv[4:]
    size = struct.pack("HHHH", rows, cols, 0, 0)
    pid, master = os.forkpty()
    if pid == 0:
        # Sized before the command starts: a command that reads its size at once must see it.
        fcntl.ioctl(0, termios.TIOCSWINSZ, size)
        os.execvp(command[0], command)
    fcntl.ioctl(master, termios.TIOCSWINSZ, size)
    stdin_open = True
    while True:
        readable = [master] + ([0] if stdin_open else [])
        ready, _, _ = select.select(readable, [], [], 0.1)
        if 0 in ready:
            data = os.read(0, 4096)
            if data:
                os.write(master, data)
            else:
                stdin_open = False
        if master in ready:
            try:
                data = os.read(master, 4096)
            except OSError:
                data = b""
            if not data:
                break
            os.write(1, data)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            drain(master)
            break
    _, status = os.waitpid(pid, 0) if not done else (pid, status)
    sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


def drain(master):
    while True:
        ready, _, _ = select.select([master], [], [], 0.05)
        if not ready:
            return
        try:
            data = os.read(master, 4096)
        except OSError:
            return
        if not data:
            return
        os.write(1, data)


main()
