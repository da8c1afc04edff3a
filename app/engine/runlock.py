"""A lock file that keeps two timer runs on one host from overlapping.

Overlapping runs would be correct anyway (each due row is claimed by one
runner), but a run that is still working through a backlog needs no second
one queueing behind it every minute. The lock is the kernel's (flock): it
goes with the process, so a killed run leaves no stale lock behind.
"""
from __future__ import annotations

import fcntl
import os


class HostLock:
    def __init__(self, path: str):
        self.path = path
        self.fd = None

    def __enter__(self) -> bool:
        directory = os.path.dirname(self.path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            self.fd = None
            return False
        return True

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
