"""The cyclic garbage collector and a long-running server with a large heap of objects that live forever.

Measured (README, Benchmarks: live latency): at 300 shoppers, the collector's full passes stalled the event loop
for 150-230 ms each, a few times a minute, walking again and again the ~230,000 objects that start-up made and
that never die (modules, NiceGUI, SQLAlchemy, the topic model). Once start-up is over, `freeze_startup_heap` moves
them out of the collector's sight (gc.freeze): later passes walk only what was made since. Reference counting frees
objects as before; only cycles among the frozen start-up objects would stay, and those live for the whole process
anyway.
"""
from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger('inbox.heap')


def freeze_startup_heap() -> None:
    started = time.perf_counter()
    gc.collect()  # what start-up left as garbage is freed, not frozen
    gc.freeze()
    log.info('froze %d start-up objects in %.0f ms', gc.get_freeze_count(), (time.perf_counter() - started) * 1000)
