"""The machine and its processes, from /proc: what the machine is, CPU time, who else is busy, RSS, and the
CPU and RSS of a whole process tree."""
from __future__ import annotations

import math
import os
import platform
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


def machine() -> dict[str, Any]:
    cpu = ''
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.lower().startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = math.nan
    try:
        for line in Path('/proc/meminfo').read_text().splitlines():
            if line.startswith('MemTotal:'):
                ram_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = (math.nan,) * 3
    return {'nproc': os.cpu_count(), 'cpu': cpu or platform.processor() or '?', 'ram_gb': round(ram_gb, 1),
            'python': platform.python_version(), 'platform': platform.platform(terse=True),
            'load_average': [round(x, 2) for x in load]}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (from /proc/<pid>/stat), in seconds."""
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def _all_cpu() -> dict[int, tuple[str, float]]:
    found = {}
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / 'stat').read_text()
                name = stat[stat.index('(') + 1:stat.rindex(')')]
                found[int(entry.name)] = (name, cpu_seconds(int(entry.name)))
            except (OSError, ValueError, IndexError):
                continue
    return found


def busy_processes(seconds: float = 1.0, limit: int = 6, exclude: Iterable[int] = ()) -> tuple[float, list[str]]:
    """Other processes' CPU use over the next `seconds` (in cores), and the busiest of them, so a reader
    knows whether the figures were taken on an idle machine."""
    skip = {os.getpid(), *exclude}
    before = _all_cpu()
    time.sleep(seconds)
    after = _all_cpu()
    used: dict[str, float] = {}
    for pid, (name, cpu) in after.items():
        if pid in skip or pid not in before:
            continue
        delta = (cpu - before[pid][1]) / seconds
        if delta > 0:
            used[name] = used.get(name, 0.0) + delta
    busiest = sorted(used.items(), key=lambda kv: -kv[1])
    return sum(used.values()), [f'{name} {share * 100:.0f} %' for name, share in busiest[:limit] if share >= 0.03]


def rss_mb(pid: int) -> float:
    """Resident set size of a process from /proc/<pid>/status (VmRSS), in MB."""
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    return math.nan


def _descendants(root_pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / 'stat').read_text().rsplit(')', 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _tree_sum(root_pid: int, measure: Callable[[int], float]) -> float:
    total = 0.0
    for pid in _descendants(root_pid):
        try:
            total += measure(pid)
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
    return total


def tree_cpu_seconds(root_pid: int) -> float:
    """CPU time used so far by a process and its living descendants (e.g. all of Chromium)."""
    return _tree_sum(root_pid, cpu_seconds)


def tree_rss_mb(root_pid: int) -> float:
    """RSS summed over a process and its descendants (e.g. all of Chromium), in MB; shared pages count twice."""
    return _tree_sum(root_pid, rss_mb)

