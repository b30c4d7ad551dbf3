#!/usr/bin/env python3
"""Runs a command with its standard error on a pseudo-terminal, as an
operator's terminal would be, and writes everything the command wrote there
to TRANSCRIPT, byte for byte (carriage returns and escape sequences
included). Standard input and output are this script's own.

    on-tty.py TRANSCRIPT COMMAND [ARG...]

Exits with the command's exit status (128 + N when signal N ended it).
"""
import os
import pty
import sys


def main():
    if len(sys.argv) < 3:
        print("usage: on-tty.py TRANSCRIPT COMMAND [ARG...]", file=sys.stderr)
        return 2
    transcript, argv = sys.argv[1], sys.argv[2:]
    master, slave = pty.openpty()
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.dup2(slave, 2)
        os.close(slave)
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    os.close(slave)
    data = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer closed the terminal
            break
        if not chunk:
            break
        data += chunk
    _, status = os.waitpid(pid, 0)
    with open(transcript, "wb") as out:
        out.write(data)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main())
