"""The benchmarks' SQLite databases: generated once per size (bench/generate.py), migrated, copied consistently."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from bench.paths import DATA, PYTHON, ROOT


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (WAL included) through SQLite's backup API."""
    import sqlite3
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ('', '-wal', '-shm'):
        Path(str(target) + suffix).unlink(missing_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    with dst:
        src.backup(dst)
    dst.execute('PRAGMA journal_mode=WAL')
    dst.close()
    src.close()


def database_dir(conversations: int, messages: int) -> Path:
    return DATA / f'db-{conversations}x{messages}'


def ensure_database(conversations: int, messages: int) -> tuple[Path, dict[str, Any]]:
    """The generated database of that size (made by bench/generate.py when missing) and its facts."""
    folder = database_dir(conversations, messages)
    facts_file = folder / 'facts.json'
    if not facts_file.exists():
        subprocess.run([PYTHON, '-m', 'bench.generate', '--conversations', str(conversations), '--messages',
                        str(messages), '--out', str(folder)], check=True, cwd=ROOT)
    from db.migrate import upgrade  # a database generated before a new migration gets it once, here, not per run
    upgrade(f'sqlite+aiosqlite:///{folder / "inbox.db"}')
    return folder / 'inbox.db', json.loads(facts_file.read_text())

