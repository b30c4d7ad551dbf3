#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal, waits for its PIN prompt, types
Ctrl-C, and reports what the terminal looks like afterwards.

    prompt-interrupt.py CMD ARGS...

Prints "prompt seen", then "echo after: on|off" (the ECHO flag of the
terminal once the command is gone) and "killed by signal N" or "exited N".
Exits 0 when it could run the test, 1 otherwise (no prompt within 20 s)."""
import os
import pty
import select
import signal
import sys
import termios
import time


def main():
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[1], sys.argv[1:])
    seen = b""
    deadline = time.time() + 20
    while b"Enter the" not in seen and time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 1024)
            except OSError:
                break
    if b"Enter the" not in seen:
        print("no prompt: %r" % seen)
        os.kill(pid, signal.SIGKILL)
        return 1
    print("prompt seen")
    time.sleep(0.2)
    os.write(fd, b"\x03")  # the terminal turns it into SIGINT for the command
    _, status = os.waitpid(pid, 0)
    attrs = termios.tcgetattr(fd)
    print("echo after: %s" % ("on" if attrs[3] & termios.ECHO else "off"))
    if os.WIFSIGNALED(status):
        print("killed by signal %d" % os.WTERMSIG(status))
    else:
        print("exited %d" % os.WEXITSTATUS(status))
    return 0


sys.exit(main())
