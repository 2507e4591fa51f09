"""Benchmark of `syres rate` (issue 3): records/s, wall time, peak memory, ratio to a plain read.

Generates N voice CDRs over T trunks plus mobile usage (canonical CSV of SPEC §12), runs
`syres rate` on them in a child process, then times Polars reading the same files into memory
(nothing else) in another child process, on the same machine in the same run. With
`--repeat K` both are run K times, alternately, and the median and best of each are printed
(a shared virtual machine varies by 10 to 30 % from one minute to the next).

    .venv/bin/python bench/rating.py                 # 10 M voice CDRs, 5,000 trunks
    .venv/bin/python bench/rating.py --records 1000000
    .venv/bin/python bench/rating.py --workdir /tmp/b --repeat 3 --against ../old/src

`--workdir` keeps the generated files there and reuses them when they are there already (same
parameters). `--against SRC` also times another source tree (e.g. a checkout of an earlier
commit) on the same files, alternately with this one.

Goals (2-core machine): >= 1 M records/s end to end, ratio < 4, peak < 4 GiB at 10 M.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from syres.domain.periods import Month
from syres.usage.synthetic import (
    make_lines,
    mobile_frame,
    voice_frame,
    write_lines_csv,
    write_mobile_csv,
    write_voice_csv,
)

READ_ONLY = """
import sys, polars as pl
frames = [pl.read_csv(path) for path in sys.argv[1:]]
print(sum(frame.height for frame in frames))
"""


@dataclass(frozen=True)
class Run:
    wall: float  # seconds, process start to exit
    cpu: float  # user + system seconds
    peak: int  # maximum resident set, bytes


def _child(args: list[str], *, env: dict[str, str] | None = None) -> Run:
    """Wall seconds, CPU seconds (user + system) and peak RSS (bytes) of one child process.

    On a machine shared with other work, wall time includes waiting for a core; the CPU time
    says what the work itself cost. The peak is read from the child's own accounting (wait4),
    not from RUSAGE_CHILDREN, which would report the largest child so far.
    """
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, env=env)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args[:4]}… failed ({status})")
    return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, peak=usage.ru_maxrss * 1024)


def _generate(work: Path, options: argparse.Namespace, mobile_records: int) -> list[str]:
    files = [work / "voice.csv", work / "mobile.csv"]
    stamp = work / "parameters.json"
    parameters = {
        "records": options.records,
        "trunks": options.trunks,
        "mobile_records": mobile_records,
        "mobile_lines": options.mobile_lines,
    }
    if stamp.exists() and json.loads(stamp.read_text()) == parameters:
        print(f"reusing the files of {work}")
        return [str(f) for f in files]
    month = Month(2026, 3)
    started = time.perf_counter()
    lines = make_lines(trunks=options.trunks, mobiles=options.mobile_lines)
    write_lines_csv(work / "lines.csv", lines.all)
    write_voice_csv(files[0], voice_frame(records=options.records, lines=lines, month=month))
    write_mobile_csv(files[1], mobile_frame(records=mobile_records, lines=lines, month=month))
    stamp.write_text(json.dumps(parameters))
    size = sum(f.stat().st_size for f in files)
    total = options.records + mobile_records
    elapsed = time.perf_counter() - started
    print(f"generated {total:,} records ({size / 2**20:,.0f} MiB) in {elapsed:.1f} s")
    return [str(f) for f in files]


def _rate_args(work: Path, files: list[str], out: Path) -> list[str]:
    return [sys.executable, "-m", "syres.cli", "rate", "--lines", str(work / "lines.csv"),
            *files, "--out", str(out)]  # fmt: skip


def _report(name: str, runs: list[Run], reads: list[Run], total: int) -> None:
    wall = statistics.median(r.wall for r in runs)
    cpu = statistics.median(r.cpu for r in runs)
    best = min(r.wall for r in runs)
    read_wall = statistics.median(r.wall for r in reads)
    read_cpu = statistics.median(r.cpu for r in reads)
    peak = max(r.peak for r in runs)
    print(f"— {name} ({len(runs)} run{'s' if len(runs) > 1 else ''}; medians, best in brackets)")
    print(f"  syres rate wall    {wall:.2f} s [{best:.2f}] (process start to exit, files written)")
    print(f"  syres rate CPU     {cpu:.2f} s (user + system)")
    print(f"  records/s          {total / wall / 1e6:.2f} M/s [{total / best / 1e6:.2f}] (wall)")
    print(f"  peak memory        {peak / 2**30:.2f} GiB")
    print(f"  ratio              {wall / read_wall:.2f} (wall), {cpu / read_cpu:.2f} (CPU)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000, help="voice CDRs")
    parser.add_argument("--trunks", type=int, default=5_000)
    parser.add_argument("--mobile-records", type=int, default=None, help="default: records / 10")
    parser.add_argument("--mobile-lines", type=int, default=2_000)
    parser.add_argument("--workdir", type=Path, default=None, help="keep (and reuse) the files")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, alternately")
    parser.add_argument("--against", type=Path, default=None, help="another src/ to time too")
    options = parser.parse_args()
    mobile_records = (
        options.mobile_records if options.mobile_records is not None else options.records // 10
    )
    total = options.records + mobile_records
    with tempfile.TemporaryDirectory(prefix="syres-bench-") as scratch:
        work = options.workdir or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        files = _generate(work, options, mobile_records)
        other_env = None
        if options.against is not None:
            other_env = {**os.environ, "PYTHONPATH": str(options.against.resolve())}
        runs: list[Run] = []
        others: list[Run] = []
        reads: list[Run] = []
        for _ in range(options.repeat):
            runs.append(_child(_rate_args(work, files, Path(scratch) / "out")))
            reads.append(_child([sys.executable, "-c", READ_ONLY, *files]))
            if other_env is not None:
                other_args = _rate_args(work, files, Path(scratch) / "other")
                others.append(_child(other_args, env=other_env))

    print(f"records            {total:,}")
    read_wall = statistics.median(r.wall for r in reads)
    read_cpu = statistics.median(r.cpu for r in reads)
    print(f"polars read        {read_wall:.2f} s wall, {read_cpu:.2f} s CPU (same files)")
    _report("this tree", runs, reads, total)
    if others:
        _report(f"against {options.against}", others, reads, total)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average       {load} (other work on the machine)")


if __name__ == "__main__":
    main()
