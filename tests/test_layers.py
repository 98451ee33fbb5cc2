"""DESIGN.md, "One door per action": components call the command and read layers (services/inbox_commands.py,
services/share_commands.py, services/inbox_reads.py) and never open a database session themselves.

import-linter (pyproject.toml) keeps components from importing db/ or the runtime; it cannot see a session opened
through an object handed in, so this test reads the source."""
from __future__ import annotations

from pathlib import Path

COMPONENTS = Path(__file__).parent.parent / 'components'


def test_no_component_opens_a_database_session() -> None:
    sources = sorted(COMPONENTS.rglob('*.py'))
    assert sources, f'no components found in {COMPONENTS}'
    found = [f'{path.relative_to(COMPONENTS.parent)}:{number}: {line.strip()}'
             for path in sources for number, line in enumerate(path.read_text().splitlines(), start=1)
             if '.sessions(' in line]
    assert not found, 'components open database sessions; call services/inbox_commands.py or ' \
                      'services/inbox_reads.py instead:\n' + '\n'.join(found)
