"""Usage file importers (SPEC §12): canonical CSV and Asterisk Master.csv, rejects with reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.usage import importers
from syres.usage.importers import (
    UnableToReadUsage,
    detect_format,
    read_lines_file,
    read_usage_files,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MASTER = FIXTURES / "Master.csv"
HEADER = "call_id,line,start,duration_s,caller,callee,direction,forwarded\n"


def test_an_asterisk_master_csv_is_read_answered_calls_only() -> None:
    imported = read_usage_files([MASTER])
    assert detect_format(MASTER) == "asterisk"
    voice = {row["record_id"]: row for row in imported.voice.iter_rows(named=True)}
    # 16 columns: no uniqueid, the record id is built from the call; 18 and 21: the uniqueid.
    assert "1772442000.3" in voice
    assert "1772445600.5" in voice
    first = next(r for r in voice.values() if r["callee"] == "0612345678")
    assert first["line"] == "T1"
    assert first["duration_s"] == 120  # billsec, not duration
    assert first["start"] == datetime(2026, 3, 2, 8, 15, 1, tzinfo=UTC)
    assert imported.skipped == 1  # NO ANSWER is no call


def test_asterisk_dates_can_be_read_as_paris_local_time() -> None:
    imported = read_usage_files([MASTER], asterisk_local_time=True)
    row = imported.voice.filter(imported.voice["record_id"] == "1772442000.3").row(0, named=True)
    assert row["start"] == datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)  # 09:00 CET


def test_every_malformed_asterisk_record_is_rejected_with_its_line_and_reason() -> None:
    rejected = read_usage_files([MASTER]).rejected
    by_line = dict(zip(rejected["source_line"], rejected["reason"], strict=True))
    assert by_line[7].startswith("nombre de colonnes inattendu")
    assert by_line[8].startswith("date de début invalide")
    assert by_line[9].startswith("billsec invalide")
    assert by_line[10].startswith("dst (numéro appelé) manquant")
    assert set(rejected["source"]) == {str(MASTER)}


def test_the_canonical_voice_csv_accepts_offsets_and_paris_local_time(tmp_path: Path) -> None:
    path = tmp_path / "voice.csv"
    path.write_text(
        "call_id,line,start,duration_s,caller,callee,direction,forwarded\n"
        "a,T1,2026-03-02T09:00:00+01:00,60,0565000000,0145678912,out,0\n"
        "b,T1,2026-03-02 09:00:00,60,0565000000,0145678912,out,1\n"
        "c,T1,2026-03-02T08:00:00Z,60,0565000000,0145678912,in,0\n"
        "d,T1,2026-03-29T02:30:00,60,0565000000,0145678912,out,0\n"
        "e,T1,yesterday,60,0565000000,0145678912,out,0\n"
        "f,T1,2026-03-02T09:00:00+01:00,-1,0565000000,0145678912,out,0\n"
        "g,T1,2026-03-02T09:00:00+01:00,60,0565000000,0145678912,sideways,0\n"
        "h,T1,2026-03-02T09:00:00+01:00,60,0565000000,0145678912,out\n"
        "i,T1,2026-03-02T09:00:00+01:00,60,0565000000,,out,0\n",
        encoding="utf-8",
    )
    imported = read_usage_files([path])
    starts = dict(zip(imported.voice["record_id"], imported.voice["start"], strict=True))
    assert starts["a"] == starts["b"] == starts["c"] == datetime(2026, 3, 2, 8, tzinfo=UTC)
    forwarded = dict(zip(imported.voice["record_id"], imported.voice["forwarded"], strict=True))
    assert forwarded == {"a": False, "b": True, "c": False}
    reasons = dict(zip(imported.rejected["record_id"], imported.rejected["reason"], strict=True))
    assert reasons["d"].startswith("date de début invalide")  # 02:30 does not exist that night
    assert reasons["e"].startswith("date de début invalide")
    assert reasons["f"].startswith("durée invalide")
    assert reasons["g"].startswith("direction invalide")
    assert reasons["h"].startswith("renvoi invalide")
    assert reasons["i"] == "numéro appelé manquant"
    lines = dict(zip(imported.rejected["record_id"], imported.rejected["source_line"], strict=True))
    assert lines["d"] == 5


def test_a_row_with_too_many_fields_is_rejected_not_the_file(tmp_path: Path) -> None:
    path = tmp_path / "voice.csv"
    path.write_text(
        "call_id,line,start,duration_s,caller,callee,direction,forwarded\n"
        "a,T1,2026-03-02T09:00:00+01:00,60,0565000000,0145678912,out,0\n"
        "b,T1,2026-03-02T09:00:00+01:00,60,0565000000,0145678912,out,0,extra\n",
        encoding="utf-8",
    )
    imported = read_usage_files([path])
    assert imported.voice["record_id"].to_list() == ["a"]
    assert imported.rejected.select("source_line", "reason").rows() == [
        (3, "nombre de champs incorrect")
    ]


_CALL = "{id},T1,2026-03-02T09:00:00+01:00,60,0565000000,0145678912,out,0\n"


@pytest.mark.parametrize(
    ("blank", "extra"),
    [
        ("\n", ""),  # a plain file: read whole, then by the text path for its blank lines
        ("   \n", ""),  # blanks: the text path
        ("\t\n", '"z",T1,2026-03-02T09:00:00+01:00,60,0565000000,0145678912,out,0\n'),
        (",,,,,,,\n", ""),  # empty fields
        ("\n", "y,T1,2026-03-02T09:00:00+01:00,60,0565000000,0145678912,out,0,extra\n"),
    ],
)
def test_a_blank_line_is_reported_as_such_with_its_line_number(
    blank: str, extra: str, tmp_path: Path
) -> None:
    """SPEC §12, nothing dropped silently: a blank line is reported as a blank line (not as
    the first field it lacks), by each way of reading the file (plain whole read, text path in
    batches, csv module for a row Polars cannot read), and the records around it are read."""
    path = tmp_path / "voice.csv"
    path.write_text(HEADER + _CALL.format(id="a") + blank + _CALL.format(id="b") + extra + blank)
    imported = read_usage_files([path])
    assert imported.voice["record_id"].to_list()[:2] == ["a", "b"]
    assert imported.rejected.filter(pl.col("reason") == "ligne vide")["source_line"].to_list() == [
        3,
        5 + bool(extra),
    ]


def test_a_blank_line_of_a_mobile_or_asterisk_file_is_reported_as_such(tmp_path: Path) -> None:
    mobile = tmp_path / "mobile.csv"
    mobile.write_text(
        "record_id,line,start,kind,callee,duration_s,bytes,mcc,forwarded\n"
        "\n"
        "m1,M1,2026-03-02T10:00:00+01:00,sms,0612345678,,,208,\n"
    )
    master = tmp_path / "Master.csv"
    master.write_text(MASTER.read_text(encoding="utf-8") + "\n \n", encoding="utf-8")
    imported = read_usage_files([mobile, master])
    assert imported.mobile["record_id"].to_list() == ["m1"]
    blank = imported.rejected.filter(pl.col("reason") == "ligne vide")
    lines_of_master = len(MASTER.read_text(encoding="utf-8").splitlines())
    assert blank.select(pl.col("source").cast(pl.String), "source_line").rows() == [
        (str(mobile), 2),
        (str(master), lines_of_master + 1),
        (str(master), lines_of_master + 2),
    ]


def test_the_mobile_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "mobile.csv"
    path.write_text(
        "record_id,line,start,kind,callee,duration_s,bytes,mcc,forwarded\n"
        "v,M1,2026-03-02T09:00:00+01:00,voice,0612345678,60,,208,0\n"
        "s,M1,2026-03-02T09:01:00+01:00,sms,0612345678,,,208,\n"
        "d,M1,2026-03-02T09:02:00+01:00,data,,,123456,228,\n"
        "x,M1,2026-03-02T09:03:00+01:00,fax,,,,208,\n"
        "y,M1,2026-03-02T09:04:00+01:00,data,,,,208,\n",
        encoding="utf-8",
    )
    imported = read_usage_files([path])
    assert imported.mobile["record_id"].to_list() == ["v", "s", "d"]
    assert imported.mobile["bytes"].to_list() == [None, None, 123456]
    reasons = dict(zip(imported.rejected["record_id"], imported.rejected["reason"], strict=True))
    assert reasons["x"].startswith("type invalide")
    assert reasons["y"].startswith("volume invalide")


def test_an_unknown_file_format_is_refused_with_the_expected_headers(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(UnableToReadUsage, match="format inconnu"):
        read_usage_files([path])


def test_the_lines_file_refuses_an_unknown_platform(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("line,platform,channels\nT1,sewan,2\nT2,orange,1\n", encoding="utf-8")
    with pytest.raises(UnableToReadUsage, match="plateforme inconnue 'orange'"):
        read_lines_file(path)


def test_a_large_file_is_read_in_batches_with_the_same_records_and_line_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "voice.csv"
    rows = [
        f"c{i},T1,2026-03-02T09:{i % 60:02d}:00+01:00,60,0565000000,01{i:08d},out,0"
        for i in range(500)
    ]
    rows[123] = "c123,T1,2026-03-02T09:00:00+01:00,-60,0565000000,0100000123,out,0"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    whole = read_usage_files([path])
    monkeypatch.setattr(importers, "BATCH_BYTES", 1_000)
    batched = read_usage_files([path])
    assert batched.voice.sort("record_id").equals(whole.voice.sort("record_id"))
    assert batched.rejected.select("source_line", "reason").rows() == [
        (125, "durée invalide (secondes, entier positif)")
    ]
    assert whole.rejected.select("source_line").rows() == [(125,)]


def test_a_large_file_with_a_quoted_field_late_is_read_once_not_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SPEC §12: a quoted field found after the first batches makes the whole file read again
    with the csv module; the batches already read are forgotten, no record is read twice."""
    path = tmp_path / "voice.csv"
    rows = [
        f"c{i},T1,2026-03-02T09:{i % 60:02d}:00+01:00,60,0565000000,01{i:08d},out,0"
        for i in range(500)
    ]
    rows[400] = 'c400,T1,2026-03-02T09:00:00+01:00,60,"05 65, standard",0100000400,out,0'
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    whole = read_usage_files([path])
    monkeypatch.setattr(importers, "BATCH_BYTES", 1_000)

    batched = read_usage_files([path])

    assert batched.voice.height == 500
    assert batched.voice.sort("record_id").equals(whole.voice.sort("record_id"))
    assert batched.rejected.height == 0


def test_an_empty_file_holds_no_records(tmp_path: Path) -> None:
    path = tmp_path / "Master.csv"
    path.write_text("", encoding="utf-8")
    imported = read_usage_files([path])
    assert (imported.records, imported.rejected.height) == (0, 0)
    assert imported.files == [(str(path), "empty", 0)]


def _date_times(years: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    """`YYYY-MM-DDTHH:MM:SS`, well-formed or nearly (month 13, day 32, hour 24, second 60)."""
    return st.builds(
        lambda y, mo, d, h, mi, s: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}",
        years,
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 25),
        st.integers(0, 60),
        st.integers(0, 61),
    )


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(
        st.one_of(
            # Well-formed and nearly well-formed dates (impossible days, hour 24, second 60,
            # odd offsets): the fast path must agree with the full parser on all of them.
            st.builds(
                lambda time, sign, oh, om: f"{time}{sign}{oh:02d}:{om:02d}",
                _date_times(st.integers(1970, 2100)),
                st.sampled_from("+-"),
                st.integers(0, 25),
                st.integers(0, 61),
            ),
            # The offsets of the fast path, after a nearly well-formed or random prefix.
            st.builds(
                lambda prefix, offset: prefix + offset,
                st.one_of(
                    _date_times(st.integers(0, 9999)),
                    st.text(
                        alphabet=st.sampled_from("0123456789-T:+ Z."), min_size=17, max_size=20
                    ),
                ),
                st.sampled_from(["+01:00", "+02:00", "+00:00", "-01:00", "Z"]),
            ),
            st.text(alphabet=st.sampled_from("0123456789-T:+ Z."), min_size=18, max_size=27),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_the_fast_start_parser_gives_the_instant_of_the_full_iso_parser(texts: list[str]) -> None:
    """SPEC §12: `start` with an offset is one instant, however it is parsed."""
    frame = pl.DataFrame(
        {"start": texts, "n": range(len(texts)), "source_line": range(2, len(texts) + 2)}
    )
    full = frame.select(
        "n",
        expected=pl.coalesce(
            pl.col("start").str.to_datetime(
                "%Y-%m-%dT%H:%M:%S%.f%z", strict=False, time_unit="us", time_zone="UTC"
            ),
            importers._parse_start(pl.col("start")),
        ),
    )
    fast = importers._with_start(
        frame, {}, [(pl.lit(False), "never")], path=Path("usage.csv")
    ).join(full, on="n")
    # As integers: an instant of year 0 less an offset is before what `datetime` can hold.
    instants = fast.select(pl.col("start", "expected").dt.epoch("us"))
    assert instants.get_column("start").to_list() == instants.get_column("expected").to_list()


# Plain fields (no quote, no blank) that are valid, odd or malformed for each column.
_IDS = st.sampled_from(["c1", "c2", "c3", "C1", "", "x-9"])
_LINES = st.sampled_from(["T1", "T2", "", "M1"])
_STARTS = st.sampled_from(
    ["2026-03-02T09:00:00+01:00", "2026-03-02T09:00:00", "2026-03-30T02:30:00",
     "2026-13-01T00:00:00Z", "2026-03-02T09:00:00.5+01:00", "tomorrow", ""]
)  # fmt: skip
_INTEGERS = st.sampled_from(["60", "0", "-5", "+7", "007", "", "99999999999"])
_CALLEES = st.sampled_from(["0145000001", "+33612345678", "", "112", "12ab"])
_FLAGS = st.sampled_from(["0", "1", "TRUE", "no", "", "2"])


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            _IDS, _LINES, _STARTS, _INTEGERS, _CALLEES,
            st.sampled_from(["out", "IN", "sideways", ""]), _FLAGS,
        ),
        min_size=1,
        max_size=25,
    )
)  # fmt: skip
def test_the_plain_whole_file_read_of_voice_gives_what_the_text_path_gives(
    rows: list[tuple[str, ...]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """SPEC §12: the fast read of a plain file accepts, rejects and numbers records exactly as
    the general (text) path does."""
    path = tmp_path_factory.mktemp("plain") / "voice.csv"
    body = "".join(f"{i},{li},{s},{d},0565000000,{c},{di},{f}\n" for i, li, s, d, c, di, f in rows)
    path.write_text(HEADER + body, encoding="utf-8")
    _assert_plain_read_is_the_text_read(path)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            _IDS, _LINES, _STARTS, st.sampled_from(["voice", "SMS", "data", "fax", ""]),
            _CALLEES, _INTEGERS, _INTEGERS, st.sampled_from(["208", "", "x"]), _FLAGS,
        ),
        min_size=1,
        max_size=25,
    )
)  # fmt: skip
def test_the_plain_whole_file_read_of_mobile_gives_what_the_text_path_gives(
    rows: list[tuple[str, ...]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """SPEC §12: same as for voice, for the mobile CSV (integers may be empty there)."""
    path = tmp_path_factory.mktemp("plain") / "mobile.csv"
    header = "record_id,line,start,kind,callee,duration_s,bytes,mcc,forwarded\n"
    path.write_text(header + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    _assert_plain_read_is_the_text_read(path)


# The fast reads a test can turn off, from the fastest: the compiled read of a plain file,
# then Polars' whole-file read of a plain file; with both off, the text path reads it.
COMPILED_READS = ("_compiled_voice", "_compiled_mobile")
PLAIN_READS = (*COMPILED_READS, "_read_plain")


def read_without(paths: list[Path], turned_off: Sequence[str]) -> importers.ImportedUsage:
    with pytest.MonkeyPatch.context() as patch:
        for name in turned_off:
            patch.setattr(importers, name, lambda *args, **kwargs: None)
        return read_usage_files(paths)


def _assert_plain_read_is_the_text_read(path: Path) -> None:
    """The compiled read, the plain whole-file read and the text path give the same frames."""
    compiled = read_usage_files([path])
    for other in (read_without([path], COMPILED_READS), read_without([path], PLAIN_READS)):
        assert compiled.voice.equals(other.voice)
        assert compiled.mobile.equals(other.mobile)
        assert compiled.rejected.equals(other.rejected)


@settings(max_examples=40, deadline=None)
@given(
    voice=st.lists(
        st.tuples(st.sampled_from(["out", "in"]), st.sampled_from(["0", "1"])),
        min_size=1,
        max_size=12,
    ),
    mobile=st.lists(
        st.tuples(st.sampled_from(["voice", "sms", "data"]), st.sampled_from(["0", "1", ""])),
        min_size=1,
        max_size=12,
    ),
)
def test_canonical_kinds_directions_and_flags_are_read_as_the_general_cleaning_reads_them(
    voice: list[tuple[str, str]],
    mobile: list[tuple[str, str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """SPEC §12: a column whose every value is already canonical (`out`, `1`, `sms`…) is taken
    as it is, and gives exactly what lowercasing and the yes/no table give."""
    folder = tmp_path_factory.mktemp("canonical")
    voice_path, mobile_path = folder / "voice.csv", folder / "mobile.csv"
    voice_path.write_text(
        HEADER
        + "".join(
            f"c{i},T1,2026-03-02T09:00:00+01:00,60,0565000000,0145000001,{direction},{forwarded}\n"
            for i, (direction, forwarded) in enumerate(voice)
        )
    )
    mobile_path.write_text(
        "record_id,line,start,kind,callee,duration_s,bytes,mcc,forwarded\n"
        + "".join(
            f"m{i},M1,2026-03-02T09:00:00+01:00,{kind},0612345678,60,100,208,{forwarded}\n"
            for i, (kind, forwarded) in enumerate(mobile)
        )
    )
    taken: list[set[str]] = []
    original = importers._canonical

    def spied(raw: pl.DataFrame, vocabularies: Mapping[str, Sequence[str]]) -> set[str]:
        taken.append(original(raw, vocabularies))
        return taken[-1]

    # (A context, not the fixture: Hypothesis runs the test many times in one fixture's life.)
    # (Polars' plain read: the compiled read checks the words itself.)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importers, "_canonical", spied)
        fast = read_without([voice_path, mobile_path], COMPILED_READS)
    assert taken == [{"direction", "forwarded"}, {"kind", "forwarded"}]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importers, "_canonical", lambda raw, vocabularies: set())
        general = read_without([voice_path, mobile_path], COMPILED_READS)
    assert fast.voice.equals(general.voice)
    assert fast.mobile.equals(general.mobile)
    assert fast.rejected.equals(general.rejected)


def test_a_plain_file_is_read_whole_and_a_quoted_one_by_the_text_path(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text(HEADER + "c1,T1,2026-03-02T09:00:00+01:00,60,0565000000,0145000001,out,0\n")
    quoted = tmp_path / "quoted.csv"
    quoted.write_text(HEADER + 'c1,T1,2026-03-02T09:00:00+01:00,60,"0565000000",0145000001,out,0\n')
    assert importers._read_plain(plain, importers.VOICE_HEADER, integers=["duration_s"]) is not None
    assert importers._read_plain(quoted, importers.VOICE_HEADER, integers=["duration_s"]) is None
    same = read_usage_files([plain]).voice.drop("source")
    assert same.equals(read_usage_files([quoted]).voice.drop("source"))


def test_records_stay_in_file_order_whatever_the_form_of_their_date(tmp_path: Path) -> None:
    """SPEC §12: of two records with the same id, the first in the file is kept; so rows read
    by the full date parser (Paris local time here) are not moved after the others."""
    path = tmp_path / "voice.csv"
    path.write_text(
        HEADER
        + "c1,T1,2026-03-02T09:00:00,60,0565000000,0145000001,out,0\n"
        + "c1,T1,2026-03-02T10:00:00+01:00,60,0565000000,0145000001,out,0\n"
        + "c2,T1,2026-03-02 11:00:00,60,0565000000,0145000001,out,0\n",
        encoding="utf-8",
    )
    imported = read_usage_files([path])
    assert imported.voice.get_column("source_line").to_list() == [2, 3, 4]
    assert imported.voice.get_column("start").dt.hour().to_list() == [8, 9, 10]


def test_a_date_outside_the_years_of_usage_is_rejected_not_rated(tmp_path: Path) -> None:
    """SPEC §12: year 0026 or 9999 is a typing or export error; the record goes to the rejects
    with its line (a date before year 1 in UTC could not even be shown)."""
    path = tmp_path / "voice.csv"
    path.write_text(
        HEADER
        + "c1,T1,0001-01-01T00:30:00+01:00,60,0565000000,0145000001,out,0\n"
        + "c2,T1,9999-12-31T23:00:00+01:00,60,0565000000,0145000001,out,0\n"
        + "c3,T1,2026-03-02T09:00:00+01:00,60,0565000000,0145000001,out,0\n",
        encoding="utf-8",
    )
    imported = read_usage_files([path])
    assert imported.voice.get_column("record_id").to_list() == ["c3"]
    assert imported.rejected.select("source_line", "reason").rows() == [
        (2, "date de début hors limites (années 2000 à 2099)"),
        (3, "date de début hors limites (années 2000 à 2099)"),
    ]


def test_a_file_with_unicode_blanks_is_trimmed_by_the_text_path(tmp_path: Path) -> None:
    """A no-break space after a line id is trimmed as before, so the fast whole-file read
    (which trims nothing) is not used on files with characters outside ASCII."""
    path = tmp_path / "voice.csv"
    path.write_text(
        HEADER + "c1,T1\u00a0,2026-03-02T09:00:00+01:00,60,0565000000,0145000001,out\u00a0,0\n",
        encoding="utf-8",
    )
    assert importers._read_plain(path, importers.VOICE_HEADER, integers=["duration_s"]) is None
    imported = read_usage_files([path])
    assert imported.voice.select("line", "direction").rows() == [("T1", "out")]
    assert imported.rejected.height == 0
