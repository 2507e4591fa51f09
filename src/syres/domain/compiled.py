"""Numba, for the passes over records that Polars cannot vectorise (the rating's counters, the
usage files' reader and export): pure computation on arrays, its only file the cache of machine
code beside each module, as Python's bytecode cache is."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypeVar, cast

F = TypeVar("F", bound=Callable[..., object])


def compiled(function: F) -> F:
    """`function` compiled to machine code on first use, from the cache beside its module when
    there is one (else compiled each run: seconds). `nogil`: it runs on several threads at
    once (one part of a file, one slice of records, per core). Numba is imported on the first
    call, not with this module: a fifth of a second that `load_compiled` spends on another
    thread while the files are read. Usable as a decorator or at the call (`compiled(f)(…)`:
    made once per function)."""
    return cast(F, _compiled(function))


@cache
def _compiled(function: Callable[..., object]) -> Callable[..., object]:
    import numba

    try:
        return cast(Callable[..., object], numba.njit(cache=True, nogil=True)(function))
    except RuntimeError:  # no writable place for the cache (a read-only install)
        return cast(Callable[..., object], numba.njit(cache=False, nogil=True)(function))
