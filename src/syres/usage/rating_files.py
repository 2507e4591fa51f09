"""Rate usage files into the published output files of SPEC §12; no Django, no database.

`DIR/rated.parquet` (one row per rated record), `DIR/summary.csv` (one row per line and month),
`DIR/rejected.csv` (file, line number, reason of every record not rated) and `DIR/actions.csv`
(block data, SMS notice, throttle: once each, at the record that reached the cap).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from syres.domain.compiled import compiled
from syres.domain.money import micro_eur_to_decimal
from syres.domain.rating import (
    RATED_COLUMNS,
    RATED_REQUIRED,
    Overage,
    RatingResult,
    classify_for_rating,
    euro_columns,
    load_compiled,
    micro_to_decimal64,
    national_prefix_table,
    odd_callees,
    rate_usage,
)
from syres.domain.terms import Terms
from syres.usage.importers import ImportedUsage, read_lines_file, read_usage_files
from syres.usage.reserve import MemoryReserve

RATED_FILE = "rated.parquet"
SUMMARY_FILE = "summary.csv"
REJECTED_FILE = "rejected.csv"
ACTIONS_FILE = "actions.csv"
MONEY_COLUMNS = {
    "amount_micro": "amount",
    "amount_if_retroactive_micro": "amount_if_retroactive",
    "amount_beyond_micro": "amount_beyond",
    "amount_voice_micro": "amount_voice",
    "amount_sms_micro": "amount_sms",
    "amount_data_micro": "amount_data",
}

Step = Callable[[str], None]
# Lines are independent (every counter is per line), so a large run is rated in slices of lines
# of about this many records: memory holds one slice's intermediate tables, not all of them.
SLICE_RECORDS = 1_000_000
SLICES_IN_FLIGHT = 2  # rated at once, one per core
SLICES_AHEAD = 3  # submitted: a worker that finishes starts the next without waiting for the writer


@dataclass(frozen=True)
class RateReport:
    """What a run did, for the one-screen summary."""

    out_dir: Path
    files: list[tuple[str, str, int]]
    records: int
    rated: int
    rejected: int
    skipped: int
    lines: int
    months: list[str]
    amount: Decimal
    amount_if_retroactive: Decimal
    breaches: list[tuple[str, str, str]]  # (line, period, breaches)
    call_centre_flags: list[tuple[str, str]]
    actions: int


def eur_text(micro: int) -> str:
    """An exact amount in euros as plain text (`12.04`), from integer micro-euros."""
    return format(micro_eur_to_decimal(micro), "f")


def rate_files(
    *,
    lines_path: Path,
    usage_paths: Sequence[Path],
    out_dir: Path,
    terms: Terms,
    overage: Overage = "beyond",
    asterisk_local_time: bool = False,
    step: Step | None = None,
    reserve: MemoryReserve | None = None,
) -> RateReport:
    """Read, rate and write (SPEC §12). `step` is told each phase as it starts. The reader
    takes its columns from `reserve` (made by the caller before its start-up), whose rest is
    given back once the files are read."""
    tell = step or (lambda _name: None)

    # The rating's compiled passes (0.15 s from Numba's cache, about 2 s to compile them the
    # first time) and its table of national prefixes (0.1 s) are made while the files are read.
    def load() -> None:
        load_compiled()
        _load_export()
        national_prefix_table(terms)

    loading = ThreadPoolExecutor(max_workers=1)
    loaded = loading.submit(load)
    loading.shutdown(wait=False)
    try:
        tell("lecture des lignes")
        lines = read_lines_file(lines_path)
        tell("lecture des fichiers d'usage")
        imported = read_usage_files(
            usage_paths, asterisk_local_time=asterisk_local_time, reserve=reserve
        )
    finally:
        if reserve is not None:
            reserve.release()
    accepted = imported.records
    loaded.result()
    out_dir.mkdir(parents=True, exist_ok=True)
    results: list[RatingResult] = []
    writer: pq.ParquetWriter | None = None
    no_voice, no_mobile = imported.voice.clear(), imported.mobile.clear()

    def rate(
        take_voice: Callable[[], pl.DataFrame],
        take_mobile: Callable[[], pl.DataFrame],
        known_classes: pl.DataFrame | None,
    ) -> tuple[RatingResult, pa.Table]:
        result = rate_usage(
            voice=take_voice(),
            mobile=take_mobile(),
            lines=lines,
            terms=terms,
            overage=overage,
            known_classes=known_classes,
            euros=False,  # made as the writer takes them, below
        )
        # The detail as Arrow here, on the worker's thread: the main thread, which writes every
        # slice's detail in turn, is the one that lags behind.
        return result, detail_as_arrow(result.rated, overage=overage)

    # Two slices rated at once (one per core: Polars runs much of a slice on one thread), a
    # third queued so that a worker never waits while the main thread writes a slice's detail
    # (0.3 s); the detail is written in slice order, so at most four slices' tables are held
    # (each as a frame and as Arrow: they share most of their memory).
    with ThreadPoolExecutor(max_workers=SLICES_IN_FLIGHT) as pool:
        pending: deque[Future[tuple[RatingResult, pa.Table]]] = deque()
        cutting: Future[_Slices] | None = None
        try:
            mobile = _Slices(imported.mobile)
            tasks: list[Callable[[], tuple[RatingResult, pa.Table]]]
            if accepted > SLICE_RECORDS:
                # Trunk calls and mobile records in slices of their own (no slice runs both
                # sets of rules on a few records). The trunk calls are cut into slices of lines
                # on one core (hashing 10 M lines: 0.2 s) while the first mobile slice is rated
                # on the other (mobile slices first: they are the slowest per record, and each
                # classifies its few odd callees) and the trunk calls' odd callees are found
                # and classified, once for all their slices.
                cutting = pool.submit(_Slices, imported.voice)
                tasks = [
                    partial(rate, lambda: no_voice, mobile.part(n), None) for n in mobile.numbers()
                ]
                pending.extend(pool.submit(task) for task in tasks[:SLICES_AHEAD])
                odd = odd_callees(voice=imported.voice, mobile=no_mobile)
                known_classes = classify_for_rating(odd, terms=terms)
                voice = cutting.result()
                tasks += [
                    partial(rate, voice.part(n), lambda: no_mobile, known_classes)
                    for n in voice.numbers()
                ]
            else:
                voice = _Slices(imported.voice)
                tasks = [partial(rate, voice.part(0), mobile.part(0), None)]
            imported.voice, imported.mobile = no_voice, no_mobile
            pending.extend(pool.submit(task) for task in tasks[len(pending) : SLICES_AHEAD])
            slices = len(tasks)
            for index in range(slices):
                tell(f"valorisation ({index + 1}/{slices})" if slices > 1 else "valorisation")
                result, table = pending.popleft().result()
                if index + SLICES_AHEAD < slices:
                    pending.append(pool.submit(tasks[index + SLICES_AHEAD]))
                if writer is None:
                    writer = _rated_writer(_partial(out_dir), table.schema)
                writer.write_table(table.cast(writer.schema))
                # Keep the small tables; the detail is on disk already.
                results.append(
                    RatingResult(
                        rated=result.rated.clear(),
                        summary=result.summary,
                        actions=result.actions,
                        rejected=result.rejected,
                    )
                )
                del result, table
        except BaseException:
            # (What a worker runs already ends first: the pool waits for it.)
            if cutting is not None:
                cutting.cancel()
            for future in pending:
                future.cancel()
            if writer is not None:
                writer.close()
                _partial(out_dir).unlink(missing_ok=True)
            raise
    if writer is not None:  # (every run has a slice, if only of no record)
        try:
            writer.close()
            _publish(out_dir)
        except BaseException:
            _partial(out_dir).unlink(missing_ok=True)
            raise
    tell("écriture des résultats")
    merged = RatingResult(
        rated=pl.DataFrame(),
        summary=pl.concat([r.summary for r in results]).sort("line", "period"),
        # In the order of the line, then time: the same whatever the slices.
        actions=pl.concat([r.actions for r in results]).sort(
            "line", "period", "start", "record_id", maintain_order=True
        ),
        rejected=pl.concat([r.rejected for r in results]),
    )
    write_outputs(merged, imported=imported, out_dir=out_dir)
    return _report(merged, imported=imported, out_dir=out_dir, accepted=accepted)


def _partial(out_dir: Path) -> Path:
    return out_dir / f"{RATED_FILE}.partial"


def _publish(out_dir: Path) -> None:
    """The detail written in full takes the place of the previous run's, if any: a run that
    fails while rating leaves that one as it was.

    Removed, then renamed: writing over it, or renaming onto it, makes ext4 write the new file
    to disk at once (0.3 s). Nothing forces it to disk either (after a power cut, rerun the
    command: its outputs are made again from the same files).
    """
    (out_dir / RATED_FILE).unlink(missing_ok=True)
    _partial(out_dir).rename(out_dir / RATED_FILE)


_DECIMAL_AS_INTEGER_DIGITS = 18  # what a 64-bit integer holds


def _rated_writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    """The writer of `rated.parquet`, encoded for the time it takes to write (a third of a
    slice's rating) rather than for size: dictionary pages only where values repeat
    (categoricals, line: on record ids and numbers they cost time, then fall back to plain
    pages); integers, instants and amounts (decimals of 18 digits stored as 64-bit integers)
    delta-encoded and bit-packed; no compression. Measured on a million calls: 0.28 s and
    53 MB, against 0.36 s and 41 MB with LZ4 on plain pages. Arrow readers (Polars,
    pyarrow) see the same types; other readers need the delta encoding of Parquet 2 (Spark
    3.3 and later, DuckDB)."""
    numbers = [
        f.name
        for f in schema
        if pa.types.is_integer(f.type)
        or pa.types.is_timestamp(f.type)
        # (a wider decimal stays a fixed-length byte array, which delta encoding does not take)
        or (pa.types.is_decimal(f.type) and f.type.precision <= _DECIMAL_AS_INTEGER_DIGITS)
    ]
    return pq.ParquetWriter(
        path,
        schema,
        compression="none",
        write_statistics=False,
        use_dictionary=[
            f.name for f in schema if pa.types.is_dictionary(f.type) or f.name == "line"
        ],
        column_encoding=dict.fromkeys(numbers, "DELTA_BINARY_PACKED"),
        store_decimal_as_integer=True,
    )


def detail_as_arrow(rated: pl.DataFrame, *, overage: Overage = "beyond") -> pa.Table:
    """`rated.to_arrow()`'s types, field metadata and values, each categorical column a
    dictionary of the categories it holds (in the order they first appear, as Polars lists
    them), the columns of `RATED_REQUIRED` not nullable.
    The categories are renumbered by one compiled pass over their codes: Polars' export looks
    every value up in a hash table (100 ms of the 170 ms it took to export a slice of a
    million records, eight categorical columns).

    The exact euro columns that `rated` leaves out (`rate_usage(euros=False)`) are made from
    the micro-euros it holds (`euro_columns(overage)`) as 64-bit decimals, in their place among
    `RATED_COLUMNS`."""
    with_nulls = [
        name for name in RATED_REQUIRED & set(rated.columns) if rated.get_column(name).null_count()
    ]
    if with_nulls:  # (a fault of the engine: the file would not hold them)
        raise ValueError(f"rated records without {', '.join(sorted(with_nulls))}")
    absent = {
        name: micro
        for name, micro in euro_columns(overage).items()
        if name not in rated.columns and micro in rated.columns
    }
    names = (
        [name for name in RATED_COLUMNS if name in rated.columns or name in absent]
        if absent
        else rated.columns
    )
    categorical = [n for n, dtype in rated.schema.items() if isinstance(dtype, pl.Categorical)]
    others = rated.drop(categorical).to_arrow()
    exported = rated.head(0).to_arrow().schema

    def column(name: str) -> pa.Array | pa.ChunkedArray:
        if name in absent:
            return micro_to_decimal64(rated.get_column(absent[name]))
        if name in categorical:
            return _dictionary_of(rated.get_column(name), exported.field(name).type)
        return others.column(name)

    columns = [column(name) for name in names]
    fields = [
        exported.field(name) if name in exported.names else pa.field(name, data.type)
        for name, data in zip(names, columns, strict=True)
    ]
    schema = pa.schema(
        [field.with_nullable(field.name not in RATED_REQUIRED) for field in fields],
        metadata=exported.metadata,
    )
    return pa.Table.from_arrays(columns, schema=schema)


def _dictionary_of(column: pl.Series, arrow_type: pa.DataType) -> pa.Array:
    if column.null_count() == len(column):  # (no category: a voice call's zone, say)
        return pa.nulls(len(column), arrow_type)
    categories = list(cast(pl.Categorical, column.dtype).categories)  # by code
    physical = column.to_physical().rechunk()
    codes = physical.to_arrow()
    validity, values = codes.buffers()
    if codes.offset or codes.type != pa.uint32() or cast(int, physical.max()) >= len(categories):
        return column.to_arrow().cast(arrow_type)
    ids = np.frombuffer(values, dtype=np.uint32, count=len(codes))
    valid = (
        np.ones(len(codes), dtype=np.bool_)
        if validity is None
        else np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little").view(
            np.bool_
        )[: len(codes)]
    )
    indices, held = _renumbered(ids, valid, len(categories))
    return pa.DictionaryArray.from_arrays(
        pa.Array.from_buffers(pa.uint32(), len(codes), [validity, pa.py_buffer(indices)]),
        pa.array([categories[code] for code in held], arrow_type.value_type),
        safe=False,  # (every index is below the number of categories held, by construction)
    )


def _load_export() -> None:
    """Load the export's compiled pass on the arrays it is given in a run: codes that Polars
    lends (read-only), validity of NumPy's own."""
    codes = np.zeros(1, dtype=np.uint32)
    codes.flags.writeable = False
    _renumbered(codes, np.ones(1, dtype=np.bool_), 1)


@compiled
def _renumbered(
    codes: npt.NDArray[np.uint32], valid: npt.NDArray[np.bool_], categories: int
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """The codes renumbered from 0 in the order the categories first appear, and the codes of
    the categories held in that order, in one pass. Every code held is below `categories`;
    a null reads the extra slot `categories`, whose number is 0 (the validity hides it): no
    branch on the nulls, a third of the rows of some columns being null in no order."""
    unseen = np.uint32(0xFFFFFFFF)
    number = np.full(categories + 1, unseen, dtype=np.uint32)
    number[categories] = 0
    held = np.empty(categories, dtype=np.int64)
    count = 0
    indices = np.empty(len(codes), dtype=np.uint32)
    for row in range(len(codes)):
        present = np.int64(valid[row])
        code = np.int64(codes[row]) * present + categories * (1 - present)
        index = number[code]
        if index == unseen:
            index = np.uint32(count)
            number[code] = index
            held[count] = code
            count += 1
        indices[row] = index
    return indices, held[:count]


# The last slices of a kind are half-size: the run ends when the last slice is rated and
# written, on one core while the other has nothing left to do.
HALF_SLICES_LAST = 4


class _Slices:
    """A frame of records cut by line into slices of about `SLICE_RECORDS` records, the last
    ones of half that size: a line's records (and its duplicates) fall in the same slice.
    Each slice is taken from the frame when it is rated, by a filter on the worker's thread:
    cheaper than cutting the frame into pieces up front (a group-by then a gather of every
    column), and off the critical path."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame: pl.DataFrame | None = frame
        count = -(-frame.height // SLICE_RECORDS)
        self._key = None
        self._numbers = [0] if frame.height else []
        self._lock = threading.Lock()
        if count > 1:
            halves = 2 * count
            paired = max(halves - HALF_SLICES_LAST, 0)
            # Half-slices by the line's hash; two at a time, but for the last ones.
            slice_of_half = pl.Series(
                [half // 2 for half in range(paired)]
                + [paired // 2 + index for index in range(halves - paired)],
                dtype=pl.UInt32,
            )
            half = frame.get_column("line").hash(seed=7) % halves
            self._key = slice_of_half.gather(half)
            self._numbers = self._key.unique().sort().to_list()
        self._untaken = set(self._numbers)

    def numbers(self) -> list[int]:
        """The slices that hold records."""
        return self._numbers

    def part(self, number: int) -> Callable[[], pl.DataFrame]:
        """The slice `number`, taken when called, once. Once the last one is taken, the frame
        is let go on a thread of its own: its memory (the reader's columns, 0.75 GB for 10 M
        calls) is given back while the last slices are rated and written, when a core has
        little else to do, not when the process ends (about 0.15 s on one core)."""

        whole = self.frame
        if self._key is None:  # (one slice, the frame itself: nothing to let go before it)
            return lambda: cast(pl.DataFrame, whole)
        key = self._key

        def take() -> pl.DataFrame:
            with self._lock:
                if number not in self._untaken:
                    raise RuntimeError(f"slice {number} taken twice")
                self._untaken.remove(number)
                frame = self.frame
            if frame is None:  # (let go only once every slice is taken: not reached)
                raise RuntimeError(f"slice {number}: the records were let go")
            part = frame.filter(key == number)
            with self._lock:
                if not self._untaken and self.frame is not None:
                    self.frame, held = None, [frame]
                    del frame  # (the thread's list is then what holds it last)
                    threading.Thread(target=held.clear, daemon=True).start()
            return part

        return take


def summary_for_csv(summary: pl.DataFrame) -> pl.DataFrame:
    """The summary with exact decimal amounts in place of micro-euros."""
    converted = summary.with_columns(
        [
            pl.col(micro).map_elements(eur_text, return_dtype=pl.String).alias(name)
            for micro, name in MONEY_COLUMNS.items()
        ]
    ).drop(list(MONEY_COLUMNS))
    first = [
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
    return converted.select(first + [c for c in converted.columns if c not in first])


def write_outputs(result: RatingResult, *, imported: ImportedUsage, out_dir: Path) -> None:
    """The three CSV files (`rated.parquet` is written slice by slice, as they are rated)."""
    summary_for_csv(result.summary).with_columns(
        pl.col("call_centre_flag").cast(pl.Int8)
    ).write_csv(out_dir / SUMMARY_FILE)
    rejected = pl.concat([imported.rejected, result.rejected]).sort("source", "source_line")
    rejected.select(
        file="source",
        line_number="source_line",
        record_id="record_id",
        line="line",
        reason="reason",
    ).write_csv(out_dir / REJECTED_FILE)
    result.actions.with_columns(
        pl.col("start").dt.convert_time_zone("Europe/Paris").dt.to_string("%Y-%m-%dT%H:%M:%S%:z")
    ).write_csv(out_dir / ACTIONS_FILE)


def _report(
    result: RatingResult, *, imported: ImportedUsage, out_dir: Path, accepted: int
) -> RateReport:
    summary = result.summary
    breached = summary.filter(pl.col("breaches") != "")
    flagged = summary.filter(pl.col("call_centre_flag"))
    return RateReport(
        out_dir=out_dir,
        files=imported.files,
        records=accepted + imported.rejected.height + imported.skipped,
        rated=accepted - result.rejected.height,
        rejected=imported.rejected.height + result.rejected.height,
        skipped=imported.skipped,
        lines=summary.get_column("line").n_unique(),
        months=sorted(summary.get_column("period").unique().to_list()),
        amount=micro_eur_to_decimal(int(summary.get_column("amount_micro").sum())),
        amount_if_retroactive=micro_eur_to_decimal(
            int(summary.get_column("amount_if_retroactive_micro").sum())
        ),
        breaches=list(breached.select("line", "period", "breaches").iter_rows()),
        call_centre_flags=list(flagged.select("line", "period").iter_rows()),
        actions=result.actions.height,
    )
