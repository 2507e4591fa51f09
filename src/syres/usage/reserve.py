"""Memory made resident ahead of the usage files' read, on the core that the start-up leaves
idle.

The kernel zeroes a page of fresh memory when it is first written: on the virtual machines
`syres rate` runs on, at 0.4 to 1.6 GB a second, so that the reader's columns of ten million
records (about 0.75 GB) cost 0.5 to 1.3 s of CPU in page faults, half of the read. The
command's start-up (its imports, the terms: about 0.6 to 0.9 s) runs on one core: a
`MemoryReserve` made before it has the kernel make its pages resident on the other one
(`madvise(MADV_POPULATE_WRITE)`, a foreign call that releases the GIL), and the compiled
reader takes its columns from it. Standard library only, so that it is made before NumPy or
Polars is imported.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

_MADV_DONTNEED = 4
_MADV_HUGEPAGE = 14  # (as NumPy asks for its large arrays: a fault per 2 MiB, not per 4 KiB)
_MADV_POPULATE_WRITE = 23  # Linux 5.14
_STEP = 16 * 2**20  # made resident this much at a time, so that `release` stops it soon
_ALIGN = 64
_SHARE_OF_MEMORY = 0.5  # at most this share of the machine's memory

Madvise = Callable[[int, int, int], int]


class MemoryReserve:
    """About `size` bytes of anonymous memory, made resident from the start on a thread of its
    own; `take` hands out pieces of it from the front, `release` gives back what was not
    taken. The pieces taken stay valid as long as anything refers to them."""

    def __init__(self, size: int) -> None:
        page = mmap.PAGESIZE
        self._size = max(-(-size // page) * page, page)
        self._map = mmap.mmap(-1, self._size)
        self._address = ctypes.addressof(ctypes.c_char.from_buffer(self._map))
        self._taken = 0
        self._stop = threading.Event()
        self._populating = threading.Thread(target=self._populate, daemon=True)
        self._populating.start()

    @classmethod
    def for_files(cls, paths: Iterable[Path], *, headers: Iterable[str]) -> MemoryReserve | None:
        """A reserve the size of the files that begin with one of `headers` (those that the
        compiled reader reads: their columns take about as many bytes as their text), within
        half of the machine's memory; `None` for no such file."""
        starts = tuple(header.encode() + b"\n" for header in headers)
        size = 0
        for path in paths:
            try:
                with path.open("rb") as handle:
                    if handle.read(max(map(len, starts), default=0)).startswith(starts):
                        size += path.stat().st_size
            except OSError:  # (the reader says what is wrong with it)
                continue
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        size = min(size, int(memory * _SHARE_OF_MEMORY))
        return cls(size) if size else None

    @property
    def size(self) -> int:
        return self._size

    def _populate(self) -> None:
        madvise = _madvise()
        if madvise is None:
            return
        madvise(self._address, self._size, _MADV_HUGEPAGE)
        for begin in range(0, self._size, _STEP):
            if self._stop.is_set():
                return
            if madvise(self._address + begin, min(_STEP, self._size - begin), _MADV_POPULATE_WRITE):
                return  # (a kernel before 5.14: the pages are made when first written)

    def take(self, nbytes: int) -> memoryview | None:
        """`nbytes` of the reserve (64-byte aligned, writable), or `None` when it has not
        that much left. From one thread at a time (the reader's, as it makes its columns)."""
        begin = -(-self._taken // _ALIGN) * _ALIGN
        if begin + nbytes > self._size:
            return None
        self._taken = begin + nbytes
        return memoryview(self._map)[begin : begin + nbytes]

    def release(self) -> None:
        """Stop making pages resident and give back those not taken (again: nothing more)."""
        self._stop.set()
        self._populating.join()
        begin = -(-self._taken // mmap.PAGESIZE) * mmap.PAGESIZE
        madvise = _madvise()
        if madvise is not None and begin < self._size:
            madvise(self._address + begin, self._size - begin, _MADV_DONTNEED)


def _madvise() -> Madvise | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # (a call through it releases the GIL)
    except OSError:
        return None
    function = getattr(libc, "madvise", None)
    if function is None:
        return None
    function.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]
