"""Where the benchmarks run: the repository, bench/, its scratch data (bench/.data) and this Python.

Importing it puts the repository on sys.path, so the app's packages import from any benchmark.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / 'bench'
DATA = BENCH / '.data'
PYTHON = sys.executable

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
