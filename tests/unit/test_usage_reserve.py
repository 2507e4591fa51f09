"""The memory made resident ahead of the usage files' read (`syres.usage.reserve`) and the
compiled reader's columns taken from it (SPEC §12: the same frames either way)."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest

from syres.usage import compiled_csv, importers
from syres.usage.formats import MOBILE_HEADER, VOICE_HEADER
from syres.usage.reserve import MemoryReserve

HEADERS = [",".join(VOICE_HEADER), ",".join(MOBILE_HEADER)]


def test_pieces_are_aligned_apart_and_writable_until_the_reserve_is_spent() -> None:
    reserve = MemoryReserve(1 << 20)
    first, second = reserve.take(1000), reserve.take(4096)
    assert first is not None
    assert second is not None
    a, b = np.frombuffer(first, dtype=np.uint8), np.frombuffer(second, dtype=np.uint8)
    assert a.ctypes.data % 64 == 0
    assert b.ctypes.data % 64 == 0
    assert b.ctypes.data >= a.ctypes.data + 1000  # (no overlap)
    a[:], b[:] = 1, 2
    assert reserve.take(1 << 20) is None  # more than is left: the caller allocates its own
    reserve.release()
    assert int(a.sum()) == 1000
    assert int(b.sum()) == 2 * 4096


def test_a_piece_outlives_its_reserve() -> None:
    reserve = MemoryReserve(1 << 16)
    piece = reserve.take(8 * 100)
    assert piece is not None
    values = np.frombuffer(piece, dtype=np.int64)
    values[:] = np.arange(100)
    reserve.release()
    del reserve, piece
    gc.collect()
    assert values.tolist() == list(range(100))


def test_the_reserve_is_the_size_of_the_files_the_compiled_reader_reads(tmp_path: Path) -> None:
    voice = tmp_path / "voice.csv"
    voice.write_text(HEADERS[0] + "\n" + "c1,T1,2026-03-02T09:00:00+01:00,60,,0145000001,out,0\n")
    asterisk = tmp_path / "Master.csv"
    asterisk.write_text('"acc","100","0145000001","ctx","","","","","","",' * 3 + "\n")
    reserve = MemoryReserve.for_files([voice, asterisk], headers=HEADERS)
    assert reserve is not None
    assert reserve.size >= voice.stat().st_size
    assert reserve.size < voice.stat().st_size + asterisk.stat().st_size + 4096
    reserve.release()
    assert MemoryReserve.for_files([asterisk], headers=HEADERS) is None


@pytest.mark.parametrize("reserve_bytes", [1 << 22, 5000])  # room for all, for some columns
def test_the_compiled_reader_reads_the_same_columns_from_a_reserve(
    reserve_bytes: int, tmp_path: Path
) -> None:
    """SPEC §12: a plain file gives the same frame whether its columns are in the reserve
    (all, or those that fit) or in memory of their own."""
    path = tmp_path / "voice.csv"
    rows = [
        f"call-{i:06d},T{i % 7},2026-03-{1 + i % 28:02d}T09:00:00+01:00,{i % 900},"
        f"0565000000,{'+4930123456789' if i % 5 else '0145000001'},{'out' if i % 3 else 'in'},"
        f"{i % 2}"
        for i in range(2_000)
    ]
    path.write_text(HEADERS[0] + "\n" + "\n".join(rows) + "\n")
    reserve = MemoryReserve(reserve_bytes)
    in_reserve = importers._compiled_voice(path, reserve=reserve)
    reserve.release()
    own = importers._compiled_voice(path)
    assert in_reserve is not None
    assert own is not None
    assert in_reserve.equals(own)
    del reserve
    gc.collect()
    assert in_reserve.equals(own)  # (the frame still holds the reserve's memory)


def test_a_reader_given_a_reserve_takes_from_it(tmp_path: Path) -> None:
    path = tmp_path / "voice.csv"
    path.write_text(HEADERS[0] + "\n" + "c1,T1,2026-03-02T09:00:00+01:00,60,,0145000001,out,0\n")
    reserve = MemoryReserve(1 << 20)
    taken: list[int] = []
    take = reserve.take

    def counted(nbytes: int) -> memoryview | None:
        taken.append(nbytes)
        return take(nbytes)

    reserve.take = counted  # type: ignore[method-assign]
    low, high = importers._start_bounds_us()
    read = compiled_csv.read_plain_columns(
        path, compiled_csv.VOICE, starts_from_us=low, starts_until_us=high, reserve=reserve
    )
    reserve.release()
    assert read is not None
    assert read.height == 1
    # The views of the three texts kept (16 bytes each) and the three integers (8 bytes).
    assert sorted(taken) == [3 * 8, 3 * 16]
