"""Benchmark of `syres rate` (issue 3): records/s, wall time, peak memory, ratio to a plain read.

Generates N voice CDRs over T trunks plus mobile usage (canonical CSV of SPEC §12), runs
`syres rate` on them in a child process, then times Polars reading the same files into memory
(nothing else) in another child process, on the same machine in the same run.

    .venv/bin/python bench/rating.py                 # 10 M voice CDRs, 5,000 trunks
    .venv/bin/python bench/rating.py --records 1000000

Goals (2-core machine): >= 1 M records/s end to end, ratio < 4, peak < 4 GiB at 10 M.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
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


def _child(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (bytes) of one child process.

    On a machine shared with other work, wall time includes waiting for a core; the CPU time
    says what the work itself cost.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, max(after.ru_maxrss, before.ru_maxrss) * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000, help="voice CDRs")
    parser.add_argument("--trunks", type=int, default=5_000)
    parser.add_argument("--mobile-records", type=int, default=None, help="default: records / 10")
    parser.add_argument("--mobile-lines", type=int, default=2_000)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the files there")
    options = parser.parse_args()
    mobile_records = (
        options.mobile_records if options.mobile_records is not None else options.records // 10
    )
    with tempfile.TemporaryDirectory(prefix="syres-bench-") as scratch:
        work = options.workdir or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        month = Month(2026, 3)
        started = time.perf_counter()
        lines = make_lines(trunks=options.trunks, mobiles=options.mobile_lines)
        write_lines_csv(work / "lines.csv", lines.all)
        write_voice_csv(
            work / "voice.csv", voice_frame(records=options.records, lines=lines, month=month)
        )
        write_mobile_csv(
            work / "mobile.csv", mobile_frame(records=mobile_records, lines=lines, month=month)
        )
        generated = time.perf_counter() - started
        files = [str(work / "voice.csv"), str(work / "mobile.csv")]
        size = sum(Path(f).stat().st_size for f in files)
        total = options.records + mobile_records
        print(f"generated {total:,} records ({size / 2**20:,.0f} MiB) in {generated:.1f} s")

        rate_wall, rate_cpu, rate_peak = _child(
            [sys.executable, "-m", "syres.cli", "rate", "--lines", str(work / "lines.csv"),
             *files, "--out", str(work / "out")]
        )  # fmt: skip
        read_wall, read_cpu, _ = _child([sys.executable, "-c", READ_ONLY, *files])

    print(f"records            {total:,}")
    print(f"syres rate wall    {rate_wall:.2f} s (process start to exit, files written)")
    print(f"syres rate CPU     {rate_cpu:.2f} s (user + system)")
    print(f"records/s          {total / rate_wall / 1e6:.2f} M/s (wall)")
    print(f"peak memory        {rate_peak / 2**30:.2f} GiB")
    print(f"polars read wall   {read_wall:.2f} s, CPU {read_cpu:.2f} s (same files, read only)")
    print(f"ratio              {rate_wall / read_wall:.2f} (wall), {rate_cpu / read_cpu:.2f} (CPU)")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average       {load} (other work on the machine)")


if __name__ == "__main__":
    main()
