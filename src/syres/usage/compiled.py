"""Numba for the usage files' fast paths: the compiled reader and the detail's Arrow export."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., object])


def jit(function: F) -> F:
    """Compiled to machine code on first use, from the cache beside its module when there is
    one; `nogil`: run on several threads at once (one part of a file, one slice, per core)."""
    try:
        return cast(F, numba.njit(cache=True, nogil=True)(function))
    except RuntimeError:  # no writable place for the cache (a read-only install)
        return cast(F, numba.njit(cache=False, nogil=True)(function))
