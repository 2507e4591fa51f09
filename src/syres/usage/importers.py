"""Read usage files into the rating engine's frames (SPEC §12); no Django, no database.

Three formats, told apart by their first line:
- the canonical voice CSV (`call_id,line,start,duration_s,caller,callee,direction,forwarded`);
- the canonical mobile CSV (`record_id,line,start,kind,callee,duration_s,bytes,mcc,forwarded`);
- Asterisk `Master.csv` as written by `cdr_csv`: no header, 16, 18 or 21 quoted columns
  (`loguniqueid`/`loguserfield` add uniqueid and userfield, `newcdrcolumns` adds peeraccount,
  linkedid and sequence); dates in UTC (`usegmtime=yes`) or, with `asterisk_local_time`,
  Europe/Paris; only `ANSWERED` records are calls; accountcode is the line, dst the callee,
  billsec the duration.

Every malformed record becomes a row of `rejected` (file, line number, reason): nothing is
dropped silently. Records that are not calls (an Asterisk `NO ANSWER`) are no usage: they are
counted in `skipped`, not rejected.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from syres.domain import periods
from syres.domain.rating import (
    LINES_SCHEMA,
    MOBILE_SCHEMA,
    NATIONAL_KEY,
    REJECTED_SCHEMA,
    VOICE_SCHEMA,
    national_number_key,
)
from syres.domain.terms import SIP_PLATFORMS
from syres.usage.formats import MOBILE_HEADER, VOICE_HEADER

if TYPE_CHECKING:
    from syres.usage.compiled_csv import PlainColumns
    from syres.usage.reserve import MemoryReserve

LINES_HEADER = ("line", "platform", "channels")
ASTERISK_BASE = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
)
ASTERISK_COLUMNS = {
    16: ASTERISK_BASE,
    18: (*ASTERISK_BASE, "uniqueid", "userfield"),
    21: (*ASTERISK_BASE, "uniqueid", "userfield", "peeraccount", "linkedid", "sequence"),
}
PARIS = "Europe/Paris"


class UnableToReadUsage(Exception):
    """A file that cannot be read at all (not a record: the whole file); `reason` is for users."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass
class ImportedUsage:
    """The records read: `voice` and `mobile` in the rating engine's schemas, with the national
    key of their callees (`NATIONAL_KEY`); the rejected records with file, line and reason."""

    voice: pl.DataFrame
    mobile: pl.DataFrame
    rejected: pl.DataFrame
    skipped: int = 0
    files: list[tuple[str, str, int]] = field(default_factory=list)  # (file, format, records)

    @property
    def records(self) -> int:
        return self.voice.height + self.mobile.height


def read_lines_file(path: Path) -> pl.DataFrame:
    """LINES.csv: `line,platform,channels` (platform: sewan, openip, yeastar, wazo, mobile)."""
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise UnableToReadUsage(f"{path} : fichier des lignes illisible ({error})") from error
    missing = [name for name in LINES_HEADER if name not in frame.columns]
    if missing:
        raise UnableToReadUsage(f"{path} : colonnes manquantes : {', '.join(missing)}")
    frame = frame.select(
        pl.col("line").str.strip_chars(),
        pl.col("platform").str.strip_chars().str.to_lowercase(),
        pl.col("channels").str.strip_chars().cast(pl.Int64, strict=False),
    )
    known = (*SIP_PLATFORMS, "mobile")
    for number, row in enumerate(frame.iter_rows(named=True), start=2):
        if not row["line"]:
            raise UnableToReadUsage(f"{path}:{number} : identifiant de ligne vide")
        if row["platform"] not in known:
            raise UnableToReadUsage(
                f"{path}:{number} : plateforme inconnue {row['platform']!r}"
                f" (attendu : {', '.join(known)})"
            )
        if row["channels"] is None or row["channels"] < 1:
            raise UnableToReadUsage(f"{path}:{number} : nombre de canaux invalide")
    if frame.get_column("line").is_duplicated().any():
        raise UnableToReadUsage(f"{path} : une ligne apparaît deux fois")
    return frame.cast(LINES_SCHEMA)  # type: ignore[arg-type]


def detect_format(path: Path) -> str:
    """`voice`, `mobile`, `asterisk` or `empty`, from the first line of the file."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            first = handle.readline()
    except (OSError, UnicodeDecodeError) as error:
        raise UnableToReadUsage(f"{path} : fichier illisible ({error})") from error
    if not first.strip():
        return "empty"  # a fresh Master.csv, or a file with nothing yet: no records
    fields = tuple(f.strip() for f in next(csv.reader([first]), []))
    if fields == VOICE_HEADER:
        return "voice"
    if fields == MOBILE_HEADER:
        return "mobile"
    if len(fields) in ASTERISK_COLUMNS or first.startswith('"'):
        return "asterisk"
    raise UnableToReadUsage(
        f"{path} : format inconnu (en-tête attendu : {','.join(VOICE_HEADER)} ou"
        f" {','.join(MOBILE_HEADER)}, ou un Master.csv d'Asterisk)"
    )


def read_usage_files(
    paths: Sequence[Path],
    *,
    asterisk_local_time: bool = False,
    reserve: MemoryReserve | None = None,
) -> ImportedUsage:
    """Read every file; the frames follow the engine's schemas, rejects carry file and line.
    The compiled reader takes its columns from `reserve` while it lasts."""
    voices: list[pl.DataFrame] = []
    mobiles: list[pl.DataFrame] = []
    rejected: list[pl.DataFrame] = []
    files: list[tuple[str, str, int]] = []
    skipped = 0
    for path in paths:
        kind = detect_format(path)
        if kind == "empty":
            files.append((str(path), kind, 0))
            continue
        if kind == "voice":
            ok, bad = _read_voice(path, reserve=reserve)
            voices.append(ok)
        elif kind == "mobile":
            ok, bad = _read_mobile(path, reserve=reserve)
            mobiles.append(ok)
        else:
            ok, bad, not_calls = _read_asterisk(path, local_time=asterisk_local_time)
            voices.append(ok)
            skipped += not_calls
        rejected.append(bad)
        files.append((str(path), kind, ok.height))
    # In one piece per column (the streaming engine leaves hundreds of chunks, and
    # `concat(rechunk=True)` leaves a lone frame as it is): cutting 10 M calls into slices of
    # lines took 1.1–1.4 s chunked, 0.13 s to join the chunks then 0.5–0.7 s.
    return ImportedUsage(
        voice=_records_with_keys(voices, schema=VOICE_SCHEMA),
        mobile=_records_with_keys(mobiles, schema=MOBILE_SCHEMA),
        rejected=pl.concat(rejected) if rejected else pl.DataFrame(schema=REJECTED_SCHEMA),
        skipped=skipped,
        files=files,
    )


def _records_with_keys(
    frames: list[pl.DataFrame], *, schema: Mapping[str, pl.DataType]
) -> pl.DataFrame:
    """The records of every file, each with its callee's national key (`NATIONAL_KEY`, which
    the rating engine reads rather than parse the callee again): the compiled read gives it,
    the others not."""
    keyed = [
        frame
        if NATIONAL_KEY in frame.columns
        else frame.with_columns(national_number_key(pl.col("callee")).alias(NATIONAL_KEY))
        for frame in frames or [pl.DataFrame(schema=schema)]
    ]
    return pl.concat(keyed).rechunk()


BATCH_BYTES = 16 * 2**20
BATCHES_IN_FLIGHT = 2


class _NotInBatches(Exception):
    """The file cannot be cut safely at line ends (quotes, blank lines): read it whole."""


def _text_batches(path: Path, header: Sequence[str]) -> Iterator[pl.DataFrame | None]:
    """The file as text columns with `source_line` (header = line 1), in batches of about
    `BATCH_BYTES`, so that the raw text of a large file is never all in memory at once.

    A file that Polars cannot read (a row with too many fields) is read again with the csv
    module, row by row, so that each bad row is reported. When that happens after some batches
    were given, `None` comes first: the consumer must forget those batches (the whole file
    follows), or their records would be read twice.
    """
    given = False
    try:
        if path.stat().st_size <= BATCH_BYTES:
            yield _polars_text(path.read_bytes(), header, first_line=2, whole=True)
            return
        for batch in _cut_at_line_ends(path, header):
            given = True
            yield batch
    except (pl.exceptions.PolarsError, _NotInBatches):
        if given:
            yield None
        yield _csv_module_text(path, header)


def _cut_at_line_ends(path: Path, header: Sequence[str]) -> Iterator[pl.DataFrame]:
    with path.open("rb") as handle:
        head = handle.readline()
        first_line = 2
        while chunk := handle.read(BATCH_BYTES):
            chunk += handle.readline()
            if b'"' in chunk:
                raise _NotInBatches  # a quoted field may hold a line break
            frame = _polars_text(head + chunk, header, first_line=first_line, whole=False)
            lines = chunk.count(b"\n") + (not chunk.endswith(b"\n"))
            if frame.height != lines:
                raise _NotInBatches  # blank lines: line numbers would drift
            first_line += lines
            yield frame


def _polars_text(
    data: bytes, header: Sequence[str], *, first_line: int, whole: bool
) -> pl.DataFrame:
    frame = pl.read_csv(
        io.BytesIO(data), infer_schema=False, empty_string_is_null=False, raise_if_empty=False
    )
    if tuple(frame.columns) != tuple(header):
        raise pl.exceptions.ComputeError("header")
    if whole and frame.height != data.count(b"\n") - 1 + (not data.endswith(b"\n")):
        raise _NotInBatches  # blank lines or quoted line breaks: count lines exactly
    # (A blank line is read as a row of empty fields.)
    blank = pl.all_horizontal([pl.col(name).str.strip_chars() == "" for name in header])
    return frame.with_columns(
        source_line=pl.int_range(first_line, first_line + frame.height, dtype=pl.Int64),
        _fields=pl.when(blank).then(0).otherwise(len(header)).cast(pl.Int64),
    )


def _csv_module_text(path: Path, header: Sequence[str]) -> pl.DataFrame:
    rows: list[list[str]] = []
    numbers: list[int] = []
    counts: list[int] = []
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for row in reader:
            numbers.append(reader.line_num)
            counts.append(_field_count(row))
            rows.append((row + [""] * len(header))[: len(header)])
    frame = pl.DataFrame(rows, schema=list(header), orient="row")
    return frame.with_columns(
        source_line=pl.Series(numbers, dtype=pl.Int64), _fields=pl.Series(counts, dtype=pl.Int64)
    )


def _field_count(row: Sequence[str]) -> int:
    """The fields of a row read by the csv module; 0 for a blank line (`_BLANK_LINE`)."""
    return len(row) if any(field.strip() for field in row) else 0


def _in_batches(
    path: Path,
    header: Sequence[str],
    parse: Callable[[pl.DataFrame], tuple[pl.DataFrame, pl.DataFrame]],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    oks: list[pl.DataFrame] = []
    bads: list[pl.DataFrame] = []
    # Batches are parsed two at a time (Polars parses a small batch mostly on one thread),
    # in file order, so that at most two raw text batches wait in memory.
    with ThreadPoolExecutor(max_workers=BATCHES_IN_FLIGHT) as pool:
        pending: deque[Future[tuple[pl.DataFrame, pl.DataFrame]]] = deque()
        for raw in _text_batches(path, header):
            if raw is None:  # the batches so far are read again, whole: forget them
                for future in pending:
                    future.result()
                pending.clear()
                oks.clear()
                bads.clear()
                continue
            pending.append(pool.submit(parse, raw))
            del raw
            while len(pending) >= BATCHES_IN_FLIGHT or (pending and pending[0].done()):
                ok, bad = pending.popleft().result()
                oks.append(ok)
                bads.append(bad)
        for future in pending:
            ok, bad = future.result()
            oks.append(ok)
            bads.append(bad)
    return pl.concat(oks), pl.concat(bads)


def _parse_start(text: pl.Expr, *, local_means_paris: bool = True) -> pl.Expr:
    """ISO 8601 with an offset, or Europe/Paris local time (SPEC §12); UTC out."""
    clean = text.str.strip_chars().str.replace(" ", "T").str.replace(r"Z$", "+00:00")
    with_offset = clean.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%z", strict=False, time_unit="us", time_zone="UTC"
    )
    naive = clean.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit="us")
    local = naive.dt.replace_time_zone(
        PARIS if local_means_paris else "UTC", ambiguous="earliest", non_existent="null"
    ).dt.convert_time_zone("UTC")
    return pl.coalesce(with_offset, local)


_ISO_WITH_OFFSET = "%Y-%m-%dT%H:%M:%S%.f%z"
# The form every generated file and most exports use: `2026-03-06T08:43:30+01:00`, with the
# offset of Paris (winter, summer) or UTC's.
_COMMON_LENGTH = len("2026-03-06T08:43:30+01:00")
_COMMON_OFFSETS = {"+01:00": 3600, "+02:00": 7200, "+00:00": 0}


def _common_start() -> pl.Expr:
    """`start` in the common form (ISO 8601 to the second with the offset of Paris in winter or
    summer, or UTC's), by Polars' fast naive parser on its first 19 characters less the offset;
    null for any other form."""
    start = pl.col("start")
    offset_us: pl.Expr = pl.lit(None, dtype=pl.Int64)
    for suffix, seconds in reversed(_COMMON_OFFSETS.items()):
        offset_us = (
            pl.when(start.str.ends_with(suffix)).then(seconds * 1_000_000).otherwise(offset_us)
        )
    naive = start.str.slice(0, 19).str.to_datetime(
        "%Y-%m-%dT%H:%M:%S", strict=False, time_unit="us", cache=False
    )
    common = start.str.len_bytes() == _COMMON_LENGTH
    return pl.when(common).then((naive.dt.epoch("us") - offset_us).cast(pl.Datetime("us", "UTC")))


def _with_start(
    raw: pl.DataFrame, fields: Mapping[str, pl.Expr], checks: Sequence[Check], *, path: Path
) -> pl.DataFrame:
    """`raw` with its `fields` computed, `start` parsed, and `_flagged`, in one streaming pass.

    The common form of `start` is parsed by `_common_start`; the rows in another form (other
    offsets, fractions, space, `Z`, Paris local time; few) are parsed again with the full
    parser. Both give the same instant for the common form. Rows stay in file order.

    Only the columns that change go through the pass: a field that is its own column as it is
    (the text of a plain read) is taken from `raw` without a copy (the pass would copy every
    text of the file, 0.5 s for 10 M calls).
    """
    changed = {
        name: expr
        for name, expr in fields.items()
        if not (expr.meta.is_column() and expr.meta.output_name() == name)
    }

    def derived(rows: pl.LazyFrame) -> pl.DataFrame:
        flagged = _flagged(rows.with_columns(**changed), checks, path=path)
        return streamed(flagged.select("start", *changed, "_bad", "source"))

    computed = derived(raw.lazy().with_columns(start=_common_start()))
    uncommon = computed.get_column("start").is_null()
    if uncommon.any():
        full = pl.coalesce(
            pl.col("start").str.to_datetime(
                _ISO_WITH_OFFSET, strict=False, time_unit="us", time_zone="UTC"
            ),
            _parse_start(pl.col("start")),
        )
        again = derived(raw.filter(uncommon).lazy().with_columns(start=full))
        rows = uncommon.arg_true()
        computed = computed.with_columns(
            computed.get_column(name).scatter(rows, again.get_column(name))
            for name in computed.columns
        )
    kept_columns = [raw.get_column(name) for name in raw.columns if name not in computed.columns]
    # One chunk per column (the reader and the pass cut them differently): every eager step
    # after would otherwise align them, again and again.
    return pl.DataFrame([*kept_columns, *computed.get_columns()]).rechunk()


# Usage is dated within these years; a date outside them is a typing or export error (year
# 0026, 9999…), and could not be rated (months, business days) nor shown.
_FIRST_YEAR, _END_YEAR = 2000, 2100
_START_OUT_OF_RANGE = f"date de début hors limites (années {_FIRST_YEAR} à {_END_YEAR - 1})"


def _start_out_of_range() -> pl.Expr:
    # Years of Paris, like the months the usage is rated in.
    first, end = (
        pl.lit(datetime(year, 1, 1, tzinfo=periods.PARIS)).dt.convert_time_zone("UTC")
        for year in (_FIRST_YEAR, _END_YEAR)
    )
    return ~pl.col("start").is_between(first, end, closed="left")


Check = tuple[pl.Expr, str]  # a condition that makes a record malformed, and its reason

# A line with nothing but blanks (or empty fields): not a record, but reported like one
# (nothing is dropped silently), rather than by the first field it lacks.
_BLANK_LINE: Check = (pl.col("_fields") == 0, "ligne vide")


def _first_reason(*checks: Check) -> pl.Expr:
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for condition, text in reversed(checks):
        expr = pl.when(condition).then(pl.lit(text)).otherwise(expr)
    return expr


def _flagged(rows: pl.LazyFrame, checks: Sequence[Check], *, path: Path) -> pl.LazyFrame:
    """The rows with `_bad` (any of the checks) and their `source`: every row is only tested
    (one boolean); `_split` writes the reasons for the malformed rows alone."""
    malformed = pl.any_horizontal([condition for condition, _text in checks]).fill_null(False)
    return rows.with_columns(_bad=malformed, source=pl.lit(str(path), dtype=pl.Categorical))


def _split(frame: pl.DataFrame, checks: Sequence[Check]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The well-formed records of a `_flagged` frame, and the others with their first reason."""
    bad = pl.DataFrame(schema=REJECTED_SCHEMA)
    if frame.get_column("_bad").any():  # most batches hold no malformed record: no copy then
        bad = frame.filter(pl.col("_bad")).select(
            "source", "source_line", "record_id", "line", reason=_first_reason(*checks)
        )
        frame = frame.filter(~pl.col("_bad"))
    # `_bad` stays: the callers select their columns.
    return frame, bad.cast(REJECTED_SCHEMA)  # type: ignore[arg-type]


def _canonical(raw: pl.DataFrame, vocabularies: Mapping[str, Sequence[str]]) -> set[str]:
    """The columns of `raw` whose every value is already one of its canonical forms (lowercase,
    no blank), as the exports write them: these need no cleaning (one test per row, instead of
    a lowercased copy of every text)."""
    tests = [pl.col(name).is_in(list(values)).all() for name, values in vocabularies.items()]
    row = raw.select(tests).row(0)
    return {name for name, plain in zip(vocabularies, row, strict=True) if plain}


def _lowercase(column: str, *, plain: bool, canonical: set[str]) -> pl.Expr:
    return pl.col(column) if column in canonical else _text(column, plain=plain).str.to_lowercase()


_YES, _NO = ("1", "true", "yes", "oui"), ("0", "false", "no", "non")


def _flag(column: str, *, empty_means_no: bool, plain: bool, canonical: set[str]) -> pl.Expr:
    if column in canonical:  # `0`, `1` (and empty where that means no)
        return pl.col(column) == "1"
    text = _text(column, plain=plain).str.to_lowercase()
    no = [*_NO, *([""] if empty_means_no else [])]
    return pl.when(text.is_in(_YES)).then(True).when(text.is_in(no)).then(False)


def _read_voice(
    path: Path, *, reserve: MemoryReserve | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    compiled = _compiled_voice(path, reserve=reserve)
    if compiled is not None:
        return compiled, pl.DataFrame(schema=REJECTED_SCHEMA)
    plain = _read_plain(path, VOICE_HEADER, integers=_VOICE_INTEGERS)
    if plain is not None:
        return _parse_voice(plain, path=path, plain=True)
    return _in_batches(path, VOICE_HEADER, lambda raw: _parse_voice(raw, path=path))


# Bytes that make the fast whole-file read unsafe: quotes (a quoted field may hold a line
# break, so rows and line numbers would drift) and blanks (fields would need trimming; the
# other blanks of Unicode, such as a no-break space, are outside ASCII, checked apart).
_NOT_PLAIN = (b'"', b" ", b"\t", b"\r", b"\x0b", b"\x0c")
_PLAIN_CHECK_BYTES = 16 * 2**20


def _read_plain(
    path: Path, header: Sequence[str], *, integers: Sequence[str]
) -> pl.DataFrame | None:
    """The whole file in one multi-threaded read with its integer columns typed, when it is
    plain: ASCII, no quote, no blank, no blank line, every integer field a plain integer or
    empty.

    Row i is then line i + 2 of the file, and the frame is what the text path gives once its
    fields are trimmed and cast (`None` otherwise: the text path reads the file).
    """
    schema = {name: pl.Int64() if name in integers else pl.String() for name in header}
    # Polars reads (on its own threads) while this thread checks that the file is plain: a
    # scan of the mapped file on one core, 0.6 s for 735 MiB, that would otherwise leave the
    # other core idle. A file that is not plain has been read for nothing (it is rare).
    with ThreadPoolExecutor(max_workers=1) as pool:
        reading = pool.submit(_read_typed, path, schema)
        plain = _is_plain(path)
        frame = reading.result()
    if not plain or frame is None:
        return None
    # A blank line is read as a row of empty fields (or nulls): the text path reports it.
    first = frame.get_column(header[0])
    if first.null_count() or (first.str.len_bytes() == 0).any():
        return None
    # (All columns are read: with a selection, Polars would not see a row's extra fields.)
    return frame.drop("caller", strict=False).with_columns(
        source_line=pl.int_range(2, frame.height + 2, dtype=pl.Int64),
        _fields=pl.lit(len(header), dtype=pl.Int64),
    )


def _is_plain(path: Path) -> bool:
    """Whether the file is plain (see `_read_plain`), read in pieces into one buffer: mapping
    the file and copying each piece to test it for ASCII took twice as long."""
    buffer = bytearray(_PLAIN_CHECK_BYTES)
    with path.open("rb", buffering=0) as handle:
        while size := handle.readinto(buffer):
            piece = buffer if size == len(buffer) else buffer[:size]
            if any(piece.find(byte) != -1 for byte in _NOT_PLAIN) or not piece.isascii():
                return False
    return True


def _read_typed(path: Path, schema: Mapping[str, pl.DataType]) -> pl.DataFrame | None:
    try:
        return pl.read_csv(path, schema=schema, empty_string_is_null=False, raise_if_empty=False)
    except pl.exceptions.PolarsError:
        return None  # e.g. a duration that is not an integer: the text path says which row


def streamed(query: pl.LazyFrame) -> pl.DataFrame:
    """`query` run by Polars' streaming engine, rows in order: row-wise parsing and checks of a
    whole file are then spread over every core in chunks of rows (the eager engine evaluates
    one expression over a whole column on one thread), touching less fresh memory. Measured:
    10 M voice records parsed in 3.4–3.8 s instead of 4.1–4.6 s. (On the rating engine's
    slices of a million rows it was slower: not used there.)"""
    return query.collect(engine="streaming")


def _text(name: str, *, plain: bool) -> pl.Expr:
    """A text field without surrounding blanks (a plain read has none to remove)."""
    return pl.col(name) if plain else pl.col(name).str.strip_chars()


def _integer(name: str, *, plain: bool) -> pl.Expr:
    """An integer field: typed by a plain read already, else trimmed and cast (null if bad)."""
    return pl.col(name) if plain else pl.col(name).str.strip_chars().cast(pl.Int64, strict=False)


# The columns a plain read types as integers (`_integer` then takes them as they are).
_VOICE_INTEGERS = ("duration_s",)
_MOBILE_INTEGERS = ("duration_s", "bytes", "mcc")


def _parse_voice(
    raw: pl.DataFrame, *, path: Path, plain: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame]:
    canonical = _canonical(raw, {"direction": ("out", "in"), "forwarded": ("0", "1")})
    fields = {
        "record_id": _text("record_id", plain=plain),
        "line": _text("line", plain=plain),
        "duration_s": _integer("duration_s", plain=plain),
        "direction": _lowercase("direction", plain=plain, canonical=canonical),
        # Required: a row cut short must not pass for a call that was not forwarded.
        "forwarded": _flag("forwarded", empty_means_no=False, plain=plain, canonical=canonical),
    }
    checks: list[Check] = [
        _BLANK_LINE,
        (pl.col("_fields") != len(VOICE_HEADER), "nombre de champs incorrect"),
        (pl.col("record_id") == "", "call_id manquant"),
        (pl.col("line") == "", "ligne manquante"),
        (pl.col("start").is_null(), "date de début invalide (ISO 8601 attendu)"),
        (_start_out_of_range(), _START_OUT_OF_RANGE),
        (
            pl.col("duration_s").is_null() | (pl.col("duration_s") < 0),
            "durée invalide (secondes, entier positif)",
        ),
        (~pl.col("direction").is_in(["out", "in"]), "direction invalide (out ou in)"),
        (pl.col("forwarded").is_null(), "renvoi invalide (0 ou 1)"),
        ((pl.col("direction") == "out") & (pl.col("callee") == ""), "numéro appelé manquant"),
    ]
    parsed = _with_start(raw.rename({"call_id": "record_id"}), fields, checks, path=path)
    ok, bad = _split(parsed, checks)
    return ok.select([pl.col(n).cast(t) for n, t in VOICE_SCHEMA.items()]), bad


def _read_mobile(
    path: Path, *, reserve: MemoryReserve | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    compiled = _compiled_mobile(path, reserve=reserve)
    if compiled is not None:
        return compiled, pl.DataFrame(schema=REJECTED_SCHEMA)
    plain = _read_plain(path, MOBILE_HEADER, integers=_MOBILE_INTEGERS)
    if plain is not None:
        return _parse_mobile(plain, path=path, plain=True)
    return _in_batches(path, MOBILE_HEADER, lambda raw: _parse_mobile(raw, path=path))


def _parse_mobile(
    raw: pl.DataFrame, *, path: Path, plain: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame]:
    canonical = _canonical(raw, {"kind": ("voice", "sms", "data"), "forwarded": ("0", "1", "")})
    fields = {
        "record_id": _text("record_id", plain=plain),
        "line": _text("line", plain=plain),
        "kind": _lowercase("kind", plain=plain, canonical=canonical),
        "callee": pl.when(_text("callee", plain=plain) != "").then(pl.col("callee")),
        "duration_s": _integer("duration_s", plain=plain),
        "bytes": _integer("bytes", plain=plain),
        "mcc": _integer("mcc", plain=plain),
        # SMS and data: none.
        "forwarded": _flag("forwarded", empty_means_no=True, plain=plain, canonical=canonical),
    }
    kind = pl.col("kind")  # the checks see the fields computed (lowercased once)
    checks: list[Check] = [
        _BLANK_LINE,
        (pl.col("_fields") != len(MOBILE_HEADER), "nombre de champs incorrect"),
        (pl.col("record_id") == "", "record_id manquant"),
        (pl.col("line") == "", "ligne manquante"),
        (pl.col("start").is_null(), "date de début invalide (ISO 8601 attendu)"),
        (_start_out_of_range(), _START_OUT_OF_RANGE),
        (~kind.is_in(["voice", "sms", "data"]), "type invalide (voice, sms ou data)"),
        (
            (kind == "voice") & (pl.col("duration_s").is_null() | (pl.col("duration_s") < 0)),
            "durée invalide (secondes, entier positif)",
        ),
        (
            (kind == "data") & (pl.col("bytes").is_null() | (pl.col("bytes") < 0)),
            "volume invalide (octets, entier positif)",
        ),
        (kind.is_in(["voice", "sms"]) & pl.col("callee").is_null(), "numéro appelé manquant"),
        (pl.col("mcc").is_null(), "MCC invalide"),
        (pl.col("forwarded").is_null(), "renvoi invalide (0 ou 1)"),
    ]
    parsed = _with_start(raw, fields, checks, path=path)
    ok, bad = _split(parsed, checks)
    return ok.select([pl.col(n).cast(t) for n, t in MOBILE_SCHEMA.items()]), bad


def _compiled_columns(
    path: Path, layout: str, *, reserve: MemoryReserve | None
) -> PlainColumns | None:
    """The columns of a plain file by the compiled reader (`syres.usage.compiled_csv`),
    imported here: Numba takes a fifth of a second to load, which only a file to read needs."""
    from syres.usage import compiled_csv

    low, high = _start_bounds_us()
    formats = {"voice": compiled_csv.VOICE, "mobile": compiled_csv.MOBILE}
    return compiled_csv.read_plain_columns(
        path, formats[layout], starts_from_us=low, starts_until_us=high, reserve=reserve
    )


def _compiled_voice(path: Path, *, reserve: MemoryReserve | None = None) -> pl.DataFrame | None:
    """A plain voice file read by the compiled reader: the frame `_parse_voice` would give, with
    no rejected record; `None` when the file or a record is outside its grammar."""
    read = _compiled_columns(path, "voice", reserve=reserve)
    if read is None:
        return None
    texts, integers = read.texts, read.integers
    outgoing = read.is_word("direction", "out")
    if (outgoing & read.is_empty("callee")).any():
        return None  # an outgoing call without a callee: rejected, with its reason
    frame = pl.DataFrame(
        {
            "record_id": texts["call_id"],
            "line": texts["line"],
            "start": integers["start"],
            "duration_s": integers["duration_s"],
            "callee": texts["callee"],
            "direction": read.categorical("direction"),
            "forwarded": read.is_word("forwarded", "1"),
            NATIONAL_KEY: integers[NATIONAL_KEY],
        }
    )
    return _compiled_frame(frame, path=path, schema=VOICE_SCHEMA)


def _compiled_mobile(path: Path, *, reserve: MemoryReserve | None = None) -> pl.DataFrame | None:
    """A plain mobile file read by the compiled reader (see `_compiled_voice`)."""
    read = _compiled_columns(path, "mobile", reserve=reserve)
    if read is None:
        return None
    texts, integers = read.texts, read.integers
    voice, data = read.is_word("kind", "voice"), read.is_word("kind", "data")
    missing = (
        (voice & integers["duration_s"].is_null().to_numpy())
        | (data & integers["bytes"].is_null().to_numpy())
        | (~data & texts["callee"].is_null().to_numpy())
    )
    if missing.any():
        return None  # a field its kind requires is empty: rejected, with its reason
    frame = pl.DataFrame(
        {
            "record_id": texts["record_id"],
            "line": texts["line"],
            "start": integers["start"],
            "kind": texts["kind"],
            "callee": texts["callee"],
            "duration_s": integers["duration_s"],
            "bytes": integers["bytes"],
            "mcc": integers["mcc"],
            "forwarded": read.is_word("forwarded", "1"),
            NATIONAL_KEY: integers[NATIONAL_KEY],
        }
    )
    return _compiled_frame(frame, path=path, schema=MOBILE_SCHEMA)


def _compiled_frame(
    frame: pl.DataFrame, *, path: Path, schema: Mapping[str, pl.DataType]
) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("start").cast(pl.Datetime("us", "UTC")),
        source=pl.lit(str(path), dtype=pl.Categorical),
        source_line=pl.int_range(2, frame.height + 2, dtype=pl.Int64),
    ).select(*[pl.col(name).cast(dtype) for name, dtype in schema.items()], NATIONAL_KEY)


def _start_bounds_us() -> tuple[int, int]:
    """`_start_out_of_range`'s bounds as epoch microseconds."""
    low, high = (
        int(datetime(year, 1, 1, tzinfo=periods.PARIS).timestamp()) * 1_000_000
        for year in (_FIRST_YEAR, _END_YEAR)
    )
    return low, high


def _read_asterisk(path: Path, *, local_time: bool) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Asterisk cdr_csv `Master.csv` (no header; 16, 18 or 21 columns per record)."""
    width = max(ASTERISK_COLUMNS)
    rows: list[list[str]] = []
    numbers: list[int] = []
    counts: list[int] = []
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        text = handle.read()
    # cdr_csv quotes every field and doubles embedded quotes: the csv module's default dialect.
    reader = csv.reader(io.StringIO(text))
    for row in reader:
        numbers.append(reader.line_num)
        counts.append(_field_count(row))
        rows.append((row + [""] * width)[:width])
    names = list(ASTERISK_COLUMNS[width])
    raw = pl.DataFrame(rows, schema=names, orient="row").with_columns(
        source_line=pl.Series(numbers, dtype=pl.Int64),
        _fields=pl.Series(counts, dtype=pl.Int64),
    )
    has_uid = pl.col("_fields").is_in([18, 21]) & (pl.col("uniqueid").str.strip_chars() != "")
    start = _parse_start(pl.col("start"), local_means_paris=local_time)
    parsed = raw.with_columns(
        record_id=pl.when(has_uid)
        .then(pl.col("uniqueid").str.strip_chars())
        .otherwise(
            pl.concat_str(
                [pl.col("accountcode"), pl.col("channel"), pl.col("start"), pl.col("dst")],
                separator="|",
            )
        ),
        line=pl.col("accountcode").str.strip_chars(),
        start=start,
        duration_s=pl.col("billsec").str.strip_chars().cast(pl.Int64, strict=False),
        callee=pl.col("dst").str.strip_chars(),
        caller=pl.col("src"),
        direction=pl.lit("out"),
        forwarded=pl.lit(False),
        disposition=pl.col("disposition").str.strip_chars().str.to_uppercase(),
    )
    checks: list[Check] = [
        _BLANK_LINE,
        (
            ~pl.col("_fields").is_in(list(ASTERISK_COLUMNS)),
            "nombre de colonnes inattendu pour un Master.csv (16, 18 ou 21)",
        ),
        (pl.col("line") == "", "accountcode (ligne) manquant"),
        (pl.col("start").is_null(), "date de début invalide (AAAA-MM-JJ HH:MM:SS attendu)"),
        (_start_out_of_range(), _START_OUT_OF_RANGE),
        (
            pl.col("duration_s").is_null() | (pl.col("duration_s") < 0),
            "billsec invalide (secondes, entier positif)",
        ),
        (
            (pl.col("disposition") == "ANSWERED") & (pl.col("callee") == ""),
            "dst (numéro appelé) manquant",
        ),
    ]
    ok, bad = _split(streamed(_flagged(parsed.lazy(), checks, path=path)), checks)
    answered = ok.filter(pl.col("disposition") == "ANSWERED")
    return (
        answered.select([pl.col(n).cast(t) for n, t in VOICE_SCHEMA.items()]),
        bad,
        ok.height - answered.height,
    )
