"""Profiling a running server with py-spy (optional: pip install py-spy) and reading its collapsed stacks."""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from bench.paths import PYTHON


def start_profiler(pid: int, out: Path, seconds: float) -> subprocess.Popen[bytes] | None:
    """Sample a server with py-spy (collapsed stacks, all threads, idle excluded) for `seconds`."""
    spy = shutil.which('py-spy') or str(Path(PYTHON).parent / 'py-spy')
    if not Path(spy).exists():
        print('  (py-spy is not installed: `pip install py-spy` to profile)')
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([spy, 'record', '--pid', str(pid), '--duration', str(max(1, int(seconds))), '--rate', '200',
                             '--format', 'raw', '--output', str(out), '--gil', '--threads'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def profile_report(collapsed: Path, top: int = 25, focus: Sequence[str] = ('/work/', 'app/', 'services/', 'pages/',
                                                                              'components/', 'db/')) -> str:
    """The hottest functions of a py-spy raw (collapsed) profile: own samples and inclusive samples."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in collapsed.read_text(errors='replace').splitlines():
        stack, _, count_text = line.rpartition(' ')
        try:
            count = int(count_text)
        except ValueError:
            continue
        total += count
        frames = [f for f in stack.split(';') if f and not f.startswith('process ') and not f.startswith('thread ')]
        if not frames:
            continue
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
    lines = [f'{total} samples']
    lines.append('own time (top):')
    for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f'  {count / total:6.1%}  {frame}')
    lines.append('inclusive time, project code (top):')
    ours = [(f, c) for f, c in inclusive.items() if any(x in f for x in focus) and '.venv' not in f]
    for frame, count in sorted(ours, key=lambda kv: -kv[1])[:top]:
        lines.append(f'  {count / total:6.1%}  {frame}')
    return '\n'.join(lines)
