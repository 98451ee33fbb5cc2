"""What a benchmark prints and writes: section headers, Markdown tables, its figures as JSON."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (readable as plain text too)."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    line = lambda cells: '| ' + ' | '.join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)) + ' |'  # noqa: E731
    return '\n'.join([line(headers), '|' + '|'.join('-' * (w + 2) for w in widths) + '|', *(line(r) for r in rows)])


def write_json(path: str | Path | None, data: dict[str, Any]) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, indent=2, default=str))


def header(title: str) -> None:
    print(f'\n=== {title} ===', flush=True)
