"""The staff pages' Tailwind utilities as a compiled stylesheet instead of NiceGUI's in-browser Tailwind.

Measured (README, Benchmarks: live latency): NiceGUI's in-browser Tailwind re-reads the class list of every element
in the page after each change the server sends; with 300 shoppers writing, that was a fifth of the staff tab's
main thread and the list fell behind. app/styles/tailwind.css is compiled from the classes in pages/ and
components/ (`make css`; `make test` fails when it is out of date), and `serve` runs NiceGUI with tailwind=False.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from nicegui import app, ui

STYLESHEET = Path(__file__).resolve().parent.parent / 'app' / 'styles' / 'tailwind.css'
URL_PATH = '/styles/tailwind.css'


def install_styles() -> None:
    version = hashlib.sha256(STYLESHEET.read_bytes()).hexdigest()[:12]  # a new file gets a new URL: no stale cache
    app.add_static_file(local_file=STYLESHEET, url_path=URL_PATH, max_cache_age=365 * 24 * 3600)
    ui.add_head_html(f'<link rel="stylesheet" href="{URL_PATH}?v={version}">', shared=True)
