#!/usr/bin/env python3
"""Runs a command with its standard error on a pseudo-terminal, as an
operator's terminal would be, and writes everything the command wrote there
to TRANSCRIPT, byte for byte (carriage returns and escape sequences
included). Standard input and output are this script's own.

    on-tty.py TRANSCRIPT COMMAND [ARG...]
    on-tty.py --answer FILE TRANSCRIPT COMMAND [ARG...]

With --answer, the pseudo-terminal is the command's controlling terminal and
all of its standard streams (as in an operator's session), and the first
line of FILE is typed at its first "Enter the ..." prompt (a PIN prompt reads
/dev/tty).

Exits with the command's exit status (128 + N when signal N ended it).
"""
import os
import pty
import sys


def read_all(fd, answer):
    data = bytearray()
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: every writer closed the terminal
            break
        if not chunk:
            break
        data += chunk
        if answer is not None and b"Enter the" in data:
            os.write(fd, answer + b"\n")
            answer = None
    return data


def main():
    args = sys.argv[1:]
    answer = None
    if args[:1] == ["--answer"] and len(args) >= 2:
        with open(args[1], "rb") as f:
            answer = f.readline().rstrip(b"\r\n")
        args = args[2:]
    if len(args) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    transcript, argv = args[0], args[1:]
    if answer is not None:
        pid, master = pty.fork()
        if pid == 0:
            try:
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
    else:
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
    data = read_all(master, answer)
    _, status = os.waitpid(pid, 0)
    with open(transcript, "wb") as out:
        out.write(data)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main())
