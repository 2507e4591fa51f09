"""The compiled reader of plain usage files (SPEC §12): the same frames as the general read,
or no read at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from syres.usage import compiled_csv, importers
from syres.usage.importers import read_usage_files

VOICE_HEADER = "call_id,line,start,duration_s,caller,callee,direction,forwarded\n"
MOBILE_HEADER = "record_id,line,start,kind,callee,duration_s,bytes,mcc,forwarded\n"
COMPILED_READS = ("_compiled_voice", "_compiled_mobile")


def general_read(path: Path) -> importers.ImportedUsage:
    """The file read without the compiled reader (Polars' plain read or the text path)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in COMPILED_READS:
            patch.setattr(importers, name, lambda *args, **kwargs: None)
        return read_usage_files([path])


def assert_compiled_read_is_the_general_read(path: Path) -> None:
    general = general_read(path)
    if importers.detect_format(path) == "voice":
        compiled, expected = importers._compiled_voice(path), general.voice
    else:
        compiled, expected = importers._compiled_mobile(path), general.mobile
    assert compiled is not None, "the compiled reader refused a file in its grammar"
    assert general.rejected.height == 0
    assert compiled.schema == expected.schema
    assert compiled.equals(expected)
    assert all(column.n_chunks() == 1 for column in compiled.get_columns())


# Instants of the years of usage, written with the offset Paris had then (or UTC's), around
# the changes of time too: the compiled reader parses the common form of SPEC §12 dates.
def _common_form(instant: datetime, offset_hours: int) -> str:
    local = instant.astimezone(UTC) + timedelta(hours=offset_hours)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"+{offset_hours:02d}:00"


_STARTS = st.builds(
    _common_form,
    st.datetimes(
        min_value=datetime(2000, 1, 1, 1),
        max_value=datetime(2099, 12, 31, 22),
        timezones=st.just(UTC),
    ),
    st.sampled_from([0, 1, 2]),
)
_TEXTS = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters='",'),
    min_size=1,
    max_size=20,  # longer than 12 bytes: kept apart from the views (Arrow)
)
# Callees in the national form `0XXXXXXXXX` (keyed by their nine digits), nearly so, or not.
_CALLEES = st.one_of(
    _TEXTS,
    st.from_regex(r"0[0-9]{9}", fullmatch=True),
    st.sampled_from(["0012345678", "0612345678", "06123456789", "061234567", "0_12345678"]),
)
_DIGITS = st.integers(0, 10**18 - 1).map(str) | st.sampled_from(["0", "007", "000000000000000000"])


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            _TEXTS, _TEXTS, _STARTS, _DIGITS, st.text(alphabet="0123456789+", max_size=14),
            _CALLEES, st.sampled_from(["out", "in"]), st.sampled_from(["0", "1"]),
        ),
        min_size=0,
        max_size=30,
    ),
    line_feed_at_end=st.booleans(),
)  # fmt: skip
def test_a_plain_voice_file_is_read_as_the_general_read_reads_it(
    rows: list[tuple[str, ...]], line_feed_at_end: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """SPEC §12: record ids, lines, instants, durations, callees (an incoming call may have
    none) and their national keys, directions and flags exactly as the general read gives
    them."""
    path = tmp_path_factory.mktemp("compiled") / "voice.csv"
    lines = [",".join(row) for row in rows]
    lines += [f"in{i},T1,2026-03-02T09:00:00+01:00,60,,,in,0" for i in range(len(rows) % 3)]
    body = "".join(line + "\n" for line in lines)
    path.write_text(VOICE_HEADER + (body if line_feed_at_end else body.removesuffix("\n")))
    assert_compiled_read_is_the_general_read(path)


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            _TEXTS, _TEXTS, _STARTS,
            st.sampled_from(["voice", "sms", "data"]), _CALLEES, _DIGITS | st.just(""),
            _DIGITS | st.just(""), _DIGITS, st.sampled_from(["", "0", "1"]),
        ),
        min_size=1,
        max_size=30,
    )
)  # fmt: skip
def test_a_plain_mobile_file_is_read_as_the_general_read_reads_it(
    rows: list[tuple[str, ...]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """SPEC §12: empty integers and callees are null, an empty flag is no, for the fields each
    kind of record does not need."""
    path = tmp_path_factory.mktemp("compiled") / "mobile.csv"
    lines = []
    for record_id, line, start, kind, callee, duration, size, mcc, forwarded in rows:
        duration = duration or ("60" if kind == "voice" else "")
        size = size or ("100" if kind == "data" else "")
        callee = "" if kind == "data" else callee
        fields = (record_id, line, start, kind, callee, duration, size, mcc, forwarded)
        lines.append(",".join(fields) + "\n")
    path.write_text(MOBILE_HEADER + "".join(lines))
    assert_compiled_read_is_the_general_read(path)


@pytest.mark.parametrize("part_bytes", [64 * 2**20, 200_000])
def test_a_large_file_is_read_in_parts_as_one(
    part_bytes: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parts of a file (two, or eight of 200 kB: read two at a time, each by the next
    core free) end to end, in file order, long texts of every part in their place, the last
    line without its line feed."""
    monkeypatch.setattr(compiled_csv, "_PART_BYTES", part_bytes)
    path = tmp_path / "voice.csv"
    rows = [
        f"call-number-{i:08d},T{i % 7},2026-03-{1 + i % 28:02d}T09:00:00+01:00,{i % 900},"
        f"0565000000,{'+4930123456789' if i % 5 else '0145000001'},{'out' if i % 3 else 'in'},"
        f"{i % 2}"
        for i in range(40_000)
    ]
    path.write_text(VOICE_HEADER + "\n".join(rows))
    data = np.fromfile(path, dtype=np.uint8)
    parts = compiled_csv._parts(data, len(VOICE_HEADER))
    assert len(parts) == max(2, -(-len(data) // part_bytes))
    assert all(data[end - 1] == ord("\n") for _begin, end in parts[:-1])
    assert_compiled_read_is_the_general_read(path)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("c1,T1,2026-03-02T09:00:00+01:00,60,0565000000,,out,0", "numéro appelé manquant"),
        ("c1,T1,2026-02-30T09:00:00+01:00,60,0565000000,0145000001,out,0", "date de début"),
        ("c1,T1,1999-12-31T22:59:59+00:00,60,0565000000,0145000001,out,0", "hors limites"),
        ("c1,T1,2026-03-02T09:00:00,60,0565000000,0145000001,out,0", None),  # Paris local
        ("c1,T1,2026-03-02T09:00:00-05:00,60,0565000000,0145000001,out,0", None),
        ("c1,T1,2026-03-02T09:00:00+01:00,60,0565000000,0145000001,OUT,0", None),
        ("c1,T1,2026-03-02T09:00:00+01:00,-60,0565000000,0145000001,out,0", "durée invalide"),
        ("c1,T1,2026-03-02T09:00:00+01:00,1234567890123456789,0565000000,0145000001,out,0", None),
        ("c1,T1,2026-03-02T09:00:00+01:00,60,0565000000,0145000001,out,0\r", None),
        ("c1,T1,2026-03-02T09:00:00+01:00,60,0565000000,0145000001,out,0,extra", "champs"),
        ('c1,T1,2026-03-02T09:00:00+01:00,60,"05 65",0145000001,out,0', None),
        ("", "ligne vide"),  # a blank line
        (",T1,2026-03-02T09:00:00+01:00,60,0565000000,0145000001,out,0", "call_id manquant"),
        # A byte after a well-formed start, integer or word, in place of the comma that
        # would end it (what follows would make the record's next field).
        ("c1,T1,2026-03-02T09:00:00+01:00X60,0565000000,0145000001,out,0", "date de début"),
        ("c1,T1,2026-03-02T09:00:00+01:00,60X0565000000,0145000001,out,0", "durée invalide"),
        ("c1,T1,2026-03-02T09:00:00+01:00,60,0565000000,0145000001,outX0", "direction"),
    ],
)
def test_a_record_outside_the_grammar_sends_the_file_to_the_general_read(
    row: str, reason: str | None, tmp_path: Path
) -> None:
    """SPEC §12: the compiled reader gives up on the whole file at the first record it does
    not read exactly as the general read would: that read then reads the file, with the
    reason of each rejected record."""
    path = tmp_path / "voice.csv"
    good = "c0,T1,2026-03-02T08:00:00+01:00,60,0565000000,0145000001,out,0\n"
    path.write_text(VOICE_HEADER + good + row + "\n" + good.replace("c0", "c9"))
    assert importers._compiled_voice(path) is None
    imported = read_usage_files([path])
    if reason is None:  # read by the general way, without a reject
        assert (imported.voice.height, imported.rejected.height) == (3, 0)
    else:
        assert imported.voice.get_column("record_id").to_list() == ["c0", "c9"]
        assert imported.rejected.select("source_line").rows() == [(3,)]
        assert reason in imported.rejected["reason"][0]


@settings(max_examples=300, deadline=None)
@given(text=st.binary(max_size=80), begin=st.integers(0, 80), end=st.integers(0, 80))
def test_rows_are_counted_eight_bytes_at_a_time_as_one_by_one(
    text: bytes, begin: int, end: int
) -> None:
    """The line count that places each half's rows: every line, the last one with or without
    its line feed, from any byte to any byte."""
    data = np.frombuffer(text.replace(b"x", b"\n"), dtype=np.uint8)
    begin, end = sorted((min(begin, len(data)), min(end, len(data))))
    piece = bytes(data[begin:end])
    expected = piece.count(b"\n") + (bool(piece) and not piece.endswith(b"\n"))
    words = data[: len(data) // 8 * 8].view(np.uint64)
    assert compiled_csv._count_rows(data, words, begin, end) == expected


def test_a_file_with_more_lines_than_were_counted_is_given_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file with more lines than were counted (one changed between the count and the
    read) is given up, and the general read reads it (the pass stops at the rows counted
    rather than write past its columns)."""
    path = tmp_path / "voice.csv"
    row = "c{},T1,2026-03-02T09:00:00+01:00,60,0565000000,0145000001,out,0\n"
    path.write_text(VOICE_HEADER + "".join(row.format(i) for i in range(3)))
    counted = compiled_csv._count_rows
    monkeypatch.setattr(compiled_csv, "_count_rows", lambda *args: counted(*args) - 1)
    assert importers._compiled_voice(path) is None
    assert read_usage_files([path]).voice.height == 3


def _start_as_python_reads_it(text: bytes) -> int | None:
    """The instant of a start in the common form (epoch microseconds), by `datetime`."""
    form = text.decode("latin-1")
    if len(form) != 25 or not all(
        character.isdigit() if pattern == "0" else character == pattern
        for character, pattern in zip(form, "0000-00-00T00:00:00+00:00", strict=True)
    ):
        return None
    if form[19:] not in ("+00:00", "+01:00", "+02:00") or not form[:4].isascii():
        return None
    try:
        instant = datetime.fromisoformat(form)
    except ValueError:
        return None
    return int((instant - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))


@settings(max_examples=2_000, deadline=None)
@example(start="2026-03-02T09:00:00+01:00", changes=[])
@example(start="2026-03-02T09:00:00+03:00", changes=[])
@example(start="2026-03-02T09:00:00+01:30", changes=[])
@example(start="2026-03-02T09:00:00-01:00", changes=[])
@example(start="2026-03-02T24:00:00+01:00", changes=[])
@example(start="2026-03-02T09:60:00+01:00", changes=[])
@example(start="2026-03-02T09:00:60+01:00", changes=[])
@example(start="2026-02-30T09:00:00+01:00", changes=[])
@example(start="2026-02-29T09:00:00+01:00", changes=[])
@example(start="2024-02-29T09:00:00+01:00", changes=[])
@example(start="2100-02-29T09:00:00+01:00", changes=[])
@example(start="2000-02-29T09:00:00+01:00", changes=[])
@example(start="2026-04-31T09:00:00+01:00", changes=[])
@example(start="2026-13-02T09:00:00+01:00", changes=[])
@example(start="2026-00-02T09:00:00+01:00", changes=[])
@example(start="2026-03-00T09:00:00+01:00", changes=[])
@given(
    start=_STARTS,
    changes=st.lists(
        st.tuples(st.integers(0, 25), st.sampled_from(b"0123456789+-:T 2\x00\xff9")), max_size=3
    ),
)
def test_a_start_is_read_as_datetime_reads_it_or_refused(
    start: str, changes: list[tuple[int, int]]
) -> None:
    """SPEC §12: the start of a record in the common form is the instant `datetime` reads
    (year, month, day, time, offset of Paris or UTC's); any other text, a date that does
    not exist (30 February, hour 24) or another offset sends the file to the general read."""
    text = bytearray(start.encode())
    for position, byte in changes:
        if position == len(text):
            text.append(byte)  # a text of 26 bytes
        else:
            text[position] = byte
    expected = _start_as_python_reads_it(bytes(text))
    if text[:4] == b"0000":  # (year 0: `datetime` has none, the bounds of a run refuse it)
        return
    read = compiled_csv._start_us(np.frombuffer(bytes(text), dtype=np.uint8), 0, len(text))
    assert (None if read == compiled_csv._NOT_A_START else read) == expected


@settings(max_examples=200, deadline=None)
@given(
    field=st.sampled_from([2, 3, 6, 7]),  # the start, the duration, the direction, the flag
    text=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
    | st.sampled_from(["2026-03-02T09:00:00+01:0", "2026-03-02T09:00:00+01:000", "outx", "01"]),
    last=st.booleans(),
)
def test_a_field_of_a_known_form_is_read_as_checked_or_refused(
    field: int, text: str, last: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """SPEC §12: a start, an integer or a word is read as its bytes are checked (not scanned
    first); whatever it holds, the compiled reader reads the file as the general read does,
    without a reject, or leaves the file to it."""
    fields = ["c1", "T1", "2026-03-02T09:00:00+01:00", "60", "0565000000", "0145000001"]
    fields += ["out", "0"]
    fields[field] = text
    good = "c0,T1,2026-03-02T08:00:00+01:00,60,0565000000,0145000001,out,0\n"
    path = tmp_path_factory.mktemp("known") / "voice.csv"
    path.write_text(VOICE_HEADER + good + ",".join(fields) + ("" if last else "\n" + good))
    compiled = importers._compiled_voice(path)
    if compiled is not None:
        general = general_read(path)
        assert general.rejected.height == 0
        assert compiled.equals(general.voice)
