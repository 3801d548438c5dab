"""CPU seconds spent by process trees, read from /proc: a measure of work that a loaded machine does not inflate
the way it inflates wall time (on a shared machine the two together say what the estate costs and what the load added).
"""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _stats() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds of the process and its reaped children)."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we listed
        # after the command: state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt, majflt, cmajflt, utime,
        # stime, cutime, cstime (proc(5))
        stats[int(stat.parent.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / _TICKS)
    return stats


def tree_cpu_seconds(roots: list[int]) -> float:
    """CPU seconds of the processes under `roots` (themselves included), and of their children that have ended."""
    stats = _stats()
    wanted = set(roots)

    def under_a_root(pid: int) -> bool:
        seen = set()
        while pid not in wanted and pid in stats and pid not in seen and pid > 1:
            seen.add(pid)
            pid = stats[pid][0]
        return pid in wanted

    return sum(cpu for pid, (_, cpu) in stats.items() if under_a_root(pid))


def children_cpu_seconds() -> float:
    """CPU seconds of this process's ended children (the Pulumi CLI runs, with the plugins each one waited for)."""
    times = os.times()
    return times.children_user + times.children_system


class CpuClock:
    """CPU seconds of this process's finished children and of the server trees under `roots` over a block."""

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.cli = self.servers = 0.0

    def __enter__(self) -> "CpuClock":
        self._cli, self._servers = children_cpu_seconds(), tree_cpu_seconds(self.roots)
        return self

    def __exit__(self, *_: object) -> None:
        self.cli = children_cpu_seconds() - self._cli
        self.servers = tree_cpu_seconds(self.roots) - self._servers
