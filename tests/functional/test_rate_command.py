"""`syres rate` end to end (SPEC §12): a generated month and a real-looking Asterisk Master.csv."""

from __future__ import annotations

import csv
import itertools
import subprocess
import sys
import threading
import weakref
from pathlib import Path
from typing import Any, cast

import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.domain.periods import Month
from syres.domain.rating import RATED_REQUIRED, Overage, RatingResult, rate_usage
from syres.terms import load_terms
from syres.usage import rating_files
from syres.usage.importers import read_lines_file, read_usage_files
from syres.usage.rating_files import rate_files
from syres.usage.synthetic import (
    make_lines,
    mobile_frame,
    voice_frame,
    write_lines_csv,
    write_mobile_csv,
    write_voice_csv,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SYRES = [sys.executable, "-m", "syres.cli"]
SUMMARY_COLUMNS = [
    "line",
    "platform",
    "period",
    "channels",
    "outgoing_calls",
    "outgoing_s",
    "distinct_numbers",
    "limit_s",
    "limit_numbers",
    "breaches",
    "billable_units",
    "amount",
    "amount_if_retroactive",
    "call_centre_flag",
]
RATED_COLUMNS = [
    "record_id",
    "line",
    "period",
    "destination_class",
    "region",
    "included_s",
    "billable_s",
    "billable_units",
    "unit_rate",
    "amount",
    "reason",
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SYRES, *args], capture_output=True, text=True, check=False)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_month(
    folder: Path, *, trunks: int, mobiles: int, calls: int, mobile_records: int = 0
) -> list[Path]:
    """LINES.csv and a generated month of usage in `folder`; the usage files' paths."""
    lines = make_lines(trunks=trunks, mobiles=mobiles)
    month = Month(2026, 3)
    write_lines_csv(folder / "lines.csv", lines.all)
    paths = [folder / "voice.csv"]
    write_voice_csv(paths[0], voice_frame(records=calls, lines=lines, month=month))
    if mobile_records:
        paths.append(folder / "mobile.csv")
        write_mobile_csv(paths[1], mobile_frame(records=mobile_records, lines=lines, month=month))
    return paths


def test_rate_rates_a_generated_month_into_the_published_files(tmp_path: Path) -> None:
    paths = write_month(tmp_path, trunks=20, mobiles=5, calls=20_000, mobile_records=3_000)
    out = tmp_path / "out"

    result = run(
        "rate", "--lines", str(tmp_path / "lines.csv"), *map(str, paths), "--out", str(out)
    )

    assert result.returncode == 0, result.stderr
    assert "montant facturable" in result.stdout
    rated = pl.read_parquet(out / "rated.parquet")
    assert set(RATED_COLUMNS) <= set(rated.columns)
    assert rated.height == 23_000
    assert rated["record_id"].n_unique() == 23_000
    summary = read_csv(out / "summary.csv")
    assert list(summary[0])[: len(SUMMARY_COLUMNS)] == SUMMARY_COLUMNS
    assert len(summary) == 25  # one row per line, one month
    assert read_csv(out / "rejected.csv") == []
    # The summary is the sum of the detail.
    total = sum(float(row["amount"]) for row in summary)
    assert abs(total - float(rated["amount"].cast(pl.Float64).sum())) < 1e-6
    assert any(row["breaches"] for row in summary)


def test_rate_reads_an_asterisk_master_csv_and_rejects_its_malformed_lines(
    tmp_path: Path,
) -> None:
    lines = tmp_path / "lines.csv"
    lines.write_text("line,platform,channels\nT1,sewan,1\n", encoding="utf-8")
    out = tmp_path / "out"
    master = FIXTURES / "Master.csv"

    result = run("rate", "--lines", str(lines), str(master), "--out", str(out))

    assert result.returncode == 0, result.stderr
    rejected = read_csv(out / "rejected.csv")
    assert [(row["file"], row["line_number"]) for row in rejected] == [
        (str(master), str(number)) for number in (7, 8, 9, 10, 11, 12)
    ]
    reasons = {int(row["line_number"]): row["reason"] for row in rejected}
    assert reasons[11].startswith("ligne inconnue")
    assert reasons[12].startswith("doublon")
    rated = pl.read_parquet(out / "rated.parquet")
    assert rated.height == 5  # 6 answered, well-formed calls of T1, one of them twice
    emergency = rated.filter(pl.col("destination_class") == "emergency")
    assert emergency["amount"].to_list() == [0]
    assert emergency["callee"].to_list() == [None]
    summary = read_csv(out / "summary.csv")
    # The call on 31 March 21:59 UTC is 23:59 in Paris: still March.
    assert [row["period"] for row in summary] == ["2026-03"]
    assert summary[0]["outgoing_calls"] == "4"  # the emergency call counts for nothing


def test_rate_exits_non_zero_on_rejects_only_with_strict(tmp_path: Path) -> None:
    lines = tmp_path / "lines.csv"
    lines.write_text("line,platform,channels\nT1,sewan,1\n", encoding="utf-8")
    master = str(FIXTURES / "Master.csv")
    assert run("rate", "--lines", str(lines), master, "--out", str(tmp_path / "a")).returncode == 0
    strict = run("rate", "--lines", str(lines), master, "--out", str(tmp_path / "b"), "--strict")
    assert strict.returncode == 1


def test_rate_retroactive_makes_the_retroactive_amount_the_amount_r_sip_6(
    tmp_path: Path,
) -> None:
    lines = tmp_path / "lines.csv"
    lines.write_text("line,platform,channels\nT1,wazo,1\n", encoding="utf-8")
    voice = tmp_path / "voice.csv"
    rows = ["call_id,line,start,duration_s,caller,callee,direction,forwarded"]
    rows += [
        f"c{i},T1,2026-03-02T{8 + i // 60:02d}:{i % 60:02d}:00+01:00,61,0565000000,01{i:08d},out,0"
        for i in range(200)  # 200 distinct numbers: one beyond WAZO's 199
    ]
    voice.write_text("\n".join(rows) + "\n", encoding="utf-8")
    run("rate", "--lines", str(lines), str(voice), "--out", str(tmp_path / "beyond"))
    run(
        "rate", "--lines", str(lines), str(voice), "--out", str(tmp_path / "retro"),
        "--overage", "retroactive",
    )  # fmt: skip
    beyond = read_csv(tmp_path / "beyond" / "summary.csv")[0]
    retro = read_csv(tmp_path / "retro" / "summary.csv")[0]
    assert (beyond["amount"], beyond["amount_if_retroactive"]) == ("0.04", "8")
    assert (retro["amount"], retro["amount_if_retroactive"]) == ("8", "8")
    assert beyond["breaches"] == "over_numbers"


def test_rate_refuses_an_unknown_platform_with_the_line_number(tmp_path: Path) -> None:
    lines = tmp_path / "lines.csv"
    lines.write_text("line,platform,channels\nT1,orange,1\n", encoding="utf-8")
    result = run(
        "rate", "--lines", str(lines), str(FIXTURES / "Master.csv"), "--out", str(tmp_path)
    )
    assert result.returncode == 1
    assert "lines.csv:2 : plateforme inconnue 'orange'" in result.stderr


def test_rating_in_slices_of_lines_gives_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large run is rated slice by slice (per line); the result is the same as in one go."""
    paths = write_month(tmp_path, trunks=12, mobiles=3, calls=6_000, mobile_records=900)
    terms = load_terms()
    rate_files(
        lines_path=tmp_path / "lines.csv", usage_paths=paths, out_dir=tmp_path / "one", terms=terms
    )
    monkeypatch.setattr(rating_files, "SLICE_RECORDS", 1_000)
    report = rate_files(
        lines_path=tmp_path / "lines.csv", usage_paths=paths, out_dir=tmp_path / "many", terms=terms
    )
    assert report.rated == 6_900
    as_text = [pl.col(pl.Categorical, pl.Enum).cast(pl.String)]
    one = pl.read_parquet(tmp_path / "one" / "rated.parquet").with_columns(as_text)
    many = pl.read_parquet(tmp_path / "many" / "rated.parquet").with_columns(as_text)
    assert one.sort("record_id").equals(many.sort("record_id"))
    assert read_csv(tmp_path / "one" / "summary.csv") == read_csv(tmp_path / "many" / "summary.csv")


def test_slices_hold_each_line_whole_and_the_last_ones_are_half_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A line's records (and its duplicates) are in one slice; the last slices are half-size."""
    monkeypatch.setattr(rating_files, "SLICE_RECORDS", 1_000)
    frame = pl.DataFrame(
        {"line": [f"T{n % 97}" for n in range(6_000)], "source_line": range(6_000)}
    )
    slices = rating_files._Slices(frame)
    parts = [slices.part(number)() for number in slices.numbers()]
    # Six slices' worth: four paired halves, then four half-slices.
    assert len(parts) == 8
    assert sorted(pl.concat(parts).get_column("source_line").to_list()) == list(range(6_000))
    lines_of = [set(part.get_column("line").to_list()) for part in parts]
    assert sum(len(lines) for lines in lines_of) == 97  # no line in two slices
    full, half = [p.height for p in parts[:4]], [p.height for p in parts[4:]]
    assert sum(half) / 4 < sum(full) / 4 * 0.75


def test_the_records_are_let_go_once_every_slice_is_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole frame is released once its last slice is taken (its memory given back while
    the last slices are rated), not before; a slice is taken once."""
    monkeypatch.setattr(rating_files, "SLICE_RECORDS", 1_000)
    frame = pl.DataFrame(
        {"line": [f"T{n % 97}" for n in range(6_000)], "source_line": range(6_000)}
    )
    released = threading.Event()
    finalize = weakref.finalize(frame, released.set)  # (a frame's object, let go with it)
    slices = rating_files._Slices(frame)
    del frame
    takes = [slices.part(number) for number in slices.numbers()]
    parts = [take() for take in takes[:-1]]
    assert slices.frame is not None
    assert not released.is_set()
    parts.append(takes[-1]())
    assert slices.frame is None
    assert released.wait(5), "the frame is still held once every slice is taken"
    assert finalize.alive is False
    assert sum(part.height for part in parts) == 6_000
    with pytest.raises(RuntimeError, match="taken twice"):
        takes[0]()


def test_a_failed_run_leaves_the_previous_detail_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new rated.parquet takes the previous one's place only once written in full."""
    arguments = {
        "lines_path": tmp_path / "lines.csv",
        "usage_paths": write_month(tmp_path, trunks=40, mobiles=1, calls=300),
        "out_dir": tmp_path / "out",
        "terms": load_terms(),
    }
    rate_files(**arguments)  # type: ignore[arg-type]
    rated = tmp_path / "out" / "rated.parquet"
    before = rated.read_bytes()

    rate_usage = rating_files.rate_usage
    calls = itertools.count(1)
    counting = threading.Lock()  # (two workers rate at once)

    def failing_at_the_third_slice(**slice_arguments: Any) -> RatingResult:
        with counting:
            third = next(calls) == 3
        if third:  # after a slice or two written
            raise RuntimeError("disque plein")
        return rate_usage(**slice_arguments)

    with monkeypatch.context() as patch:
        patch.setattr(rating_files, "SLICE_RECORDS", 50)
        patch.setattr(rating_files, "rate_usage", failing_at_the_third_slice)
        with pytest.raises(RuntimeError):
            rate_files(**arguments)  # type: ignore[arg-type]
    assert rated.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "actions.csv", "rated.parquet", "rejected.csv", "summary.csv"
    ]  # fmt: skip
    write_month(tmp_path, trunks=40, mobiles=1, calls=200)
    rate_files(**arguments)  # type: ignore[arg-type]
    assert pl.read_parquet(rated).height == 200
    assert not (tmp_path / "out" / "rated.parquet.partial").exists()


def test_a_run_that_fails_before_its_first_slice_is_written_leaves_no_partial_detail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while the trunk calls' odd callees are classified (the mobile slices are
    being rated then) stops the run: the previous outputs stay, no partial detail is left."""
    arguments = {
        "lines_path": tmp_path / "lines.csv",
        "usage_paths": write_month(tmp_path, trunks=40, mobiles=30, calls=300, mobile_records=200),
        "out_dir": tmp_path / "out",
        "terms": load_terms(),
    }
    rate_files(**arguments)  # type: ignore[arg-type]
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}

    def failing(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("classification impossible")

    with monkeypatch.context() as patch:
        patch.setattr(rating_files, "SLICE_RECORDS", 50)
        patch.setattr(rating_files, "classify_for_rating", failing)
        with pytest.raises(RuntimeError, match="classification impossible"):
            rate_files(**arguments)  # type: ignore[arg-type]
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == before


def test_the_detail_writer_keeps_every_type_and_value(tmp_path: Path) -> None:
    """rated.parquet's encoding (delta pages, decimals as integers) reads back as written,
    for the types of the detail and a wider decimal, which stays a byte array."""
    frame = pl.DataFrame(
        {
            "amount": pl.Series(["1.500000", None, "-0.000001"]).cast(pl.Decimal(18, 6)),
            "wide": pl.Series(["12345678901234567890.5", "0", None]).cast(pl.Decimal(38, 6)),
            "start": pl.Series([0, 86_400_000_000, None]).cast(pl.Datetime("us", "UTC")),
            "bytes": pl.Series([None, None, None], dtype=pl.Int64),
            "line": ["T1", "T1", "T2"],
            "reason": pl.Series(["", "over_time", ""]).cast(pl.Categorical),
        }
    )
    table = frame.to_arrow()
    with rating_files._rated_writer(tmp_path / "rated.parquet", table.schema) as writer:
        writer.write_table(table)
    assert pl.read_parquet(tmp_path / "rated.parquet").equals(frame)


@settings(max_examples=60, deadline=None)
@given(
    regions=st.lists(st.sampled_from(["FR", "US", "CN", None]), max_size=300),
    offset=st.integers(0, 3),
)
def test_the_detail_is_exported_to_arrow_as_polars_exports_it(
    regions: list[str | None], offset: int
) -> None:
    """SPEC §12: rated.parquet's columns keep their types and values whatever way the detail
    is made Arrow: each categorical column a dictionary of the categories it holds, its nulls
    null (a fresh category, one no row holds, and a frame that starts inside its arrays)."""
    pl.Series(["unheld category"]).cast(pl.Categorical)
    frame = pl.DataFrame(
        {
            "record_id": [f"c{i}" for i in range(len(regions))],
            "region": pl.Series(regions, dtype=pl.String).cast(pl.Categorical),
            "reason": pl.Series(["over_time"] * len(regions)).cast(pl.Categorical),
            "kind": pl.Series(["voice"] * len(regions)).cast(pl.Enum(["voice", "sms"])),
        }
    ).slice(offset)
    expected, exported = frame.to_arrow(), rating_files.detail_as_arrow(frame)
    assert exported.schema.equals(_required(expected.schema), check_metadata=True)
    assert exported.to_pylist() == expected.to_pylist()
    for name in ("region", "reason"):
        dictionary = exported.column(name).combine_chunks().dictionary.to_pylist()
        assert sorted(dictionary) == sorted({r for r in frame.get_column(name) if r is not None})
    assert pl.from_arrow(exported).equals(frame)


def _required(schema: pa.Schema) -> pa.Schema:
    return pa.schema(
        [field.with_nullable(field.name not in RATED_REQUIRED) for field in schema],
        metadata=schema.metadata,
    )


def test_the_detail_declares_the_columns_every_record_has(tmp_path: Path) -> None:
    """SPEC §12: rated.parquet's columns that every rated record has are required in its
    schema (the others nullable), and a detail with a null in one of them is refused rather
    than written."""
    paths = write_month(tmp_path, trunks=3, mobiles=2, calls=2_000, mobile_records=1_000)
    out = tmp_path / "out"
    rate_files(
        lines_path=tmp_path / "lines.csv", usage_paths=paths, out_dir=out, terms=load_terms()
    )
    schema = pq.read_schema(out / "rated.parquet")
    assert {field.name for field in schema if not field.nullable} == RATED_REQUIRED
    detail = pl.read_parquet(out / "rated.parquet")
    with pytest.raises(ValueError, match="rated records without line, reason"):
        rating_files.detail_as_arrow(
            detail.with_columns(pl.lit(None, dtype=pl.String).alias("line"), reason=None)
        )


@pytest.mark.parametrize("overage", ["beyond", "retroactive"])
def test_the_detail_takes_its_euros_from_the_micro_euros_as_written(
    tmp_path: Path, overage: Overage
) -> None:
    """SPEC §12, R-SIP-6: rated.parquet's exact euro columns (`unit_rate`, `amount` — the
    amount the overage option chooses — and `amount_if_retroactive`) are the same whether
    the engine converts them or the writer makes them from the micro-euros (64-bit decimals,
    which Polars reads back as its decimals of 18 digits)."""
    paths = write_month(tmp_path, trunks=3, mobiles=2, calls=3_000, mobile_records=1_000)
    lines = read_lines_file(tmp_path / "lines.csv")
    imported = read_usage_files(paths)
    terms = load_terms()

    def rated(*, euros: bool) -> pl.DataFrame:
        return rate_usage(
            voice=imported.voice,
            mobile=imported.mobile,
            lines=lines,
            terms=terms,
            overage=overage,
            euros=euros,
        ).rated

    converted, left_out = rated(euros=True), rated(euros=False)
    assert not {"unit_rate", "amount", "amount_if_retroactive"} & set(left_out.columns)
    assert converted.get_column("amount_if_retroactive").sum() > 0  # (something to compare)
    exported = rating_files.detail_as_arrow(left_out, overage=overage)
    assert exported.schema.names == list(converted.columns)
    assert exported.schema.field("amount").type == pa.decimal64(18, 6)
    out = tmp_path / "out"
    rate_files(
        lines_path=tmp_path / "lines.csv",
        usage_paths=paths,
        out_dir=out,
        terms=terms,
        overage=overage,
    )
    written = pl.read_parquet(out / "rated.parquet")
    assert written.schema == converted.schema
    key = ["source", "source_line"]
    assert written.sort(key).equals(converted.sort(key))
    assert (
        cast(pl.DataFrame, pl.from_arrow(exported))
        .select("unit_rate", "amount", "amount_if_retroactive")
        .equals(converted.select("unit_rate", "amount", "amount_if_retroactive"))
    )
