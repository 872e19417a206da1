"""A cache of computed views, keyed by the state of the data.

Every write to the database appends to the audit trail, so the trail's head sequence number
names the state the data is in: a view computed at head N is valid until the head moves. The
head is read from the database on every look-up, so several server processes (``servicepact
serve --workers N``), each with its own cache, never serve a view older than the last write,
whichever process made it. Views that also read files (business cases) keep a short lifetime
on top of that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from servicepact.domain.access import Actor
from servicepact.services.ports import Ports
from servicepact.store.db.uow import UnitOfWork

CACHE_ENTRIES = 256  # bounds memory: a few views per user, month and contract
_cache: dict[tuple[Any, ...], tuple[float, Any]] = {}
_cache_lock = threading.Lock()
T = TypeVar("T")


def data_state(app: Ports) -> int:
    with app.uow(read_only=True) as uow:
        return uow.audit.head().seq


def cached(
    app: Ports,
    *,
    actor: Actor,
    name: str,
    args: tuple[Any, ...],
    compute: Callable[[], T],
    max_age: float | None = None,
    state: int | None = None,
) -> T:
    """``compute()``, or its earlier answer for the same actor, arguments and data state.

    ``state`` is the data state the request already read (``read_with_state``); without it
    the state is read here.
    """
    if state is None:
        state = data_state(app)
    key = (id(app), app.settings.resolved_database_url, name, actor, args, state)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and (max_age is None or now - hit[0] < max_age):
        value: T = hit[1]
        return value
    value = compute()
    with _cache_lock:
        if len(_cache) >= CACHE_ENTRIES:
            _cache.pop(next(iter(_cache)))  # the oldest entry: dicts keep insertion order
        _cache[key] = (now, value)
    return value


def read_with_state(
    app: Ports, *, name: str, args: tuple[Any, ...], read: Callable[[UnitOfWork], T]
) -> tuple[int, T]:
    """The data state and ``read(uow)``, in one read-only unit of work.

    ``read``'s answer is kept for that state: until the next write (in any process) the same
    arguments are answered with the one query of the state. A failure is never kept.
    """
    with app.uow(read_only=True) as uow:
        state = uow.audit.head().seq
        key = (id(app), app.settings.resolved_database_url, name, None, args, state)
        with _cache_lock:
            hit = _cache.get(key)
        if hit is not None:
            kept: T = hit[1]
            return state, kept
        value = read(uow)
    with _cache_lock:
        if len(_cache) >= CACHE_ENTRIES:
            _cache.pop(next(iter(_cache)))
        _cache[key] = (time.monotonic(), value)
    return state, value
