"""Time `aigap ingest` and `aigap snapshot --raw` against DuckDB alone reading the same files.

Run from the repository root:

    .venv/bin/python benchmarks/ingest.py                 # 5 timed rounds; profile if the target is missed
    .venv/bin/python benchmarks/ingest.py --runs 9 --profile

What is timed (wall clock and CPU time; median and min over ``--runs`` rounds after one untimed warm-up
round; within a group the measurements are interleaved round by round, so that load from other processes
on the machine hits them alike):

1. the store build from the shipped snapshot: ``aigap.ingest.ingest()`` in process (imports done; a fresh
   store file, and replacing an existing store, which carries the ingest history over) and the whole
   ``aigap ingest`` CLI process, next to the bare cost of starting Python and importing what it imports;
2. the snapshot derivation from the raw publisher files: ``aigap.snapshot.derive()`` in process and the
   ``aigap snapshot --raw`` CLI process;
3. DuckDB alone: ``read_csv`` of the same snapshot files (observations + the five small tables + inputs.csv)
   into tables of an in-memory database and of a file database (with the column types ingest uses, and
   with DuckDB's auto-detection), the same in a fresh Python process, and DuckDB reading the raw publisher
   files it can read (CSV, JSON; the .xls/.xlsx workbooks need an extension DuckDB core lacks).

The target: ingest() within 1.5x of DuckDB's own read of the snapshot files into a file database (the same
kind of output). When it is missed (or with --profile), ingest() is profiled: time per DuckDB call (through
a timing proxy around its connection; cProfile cannot see inside DuckDB's C calls), a cProfile summary of
the Python side, and "what if" variants of ingest run through proxies (one transaction, multi-row VALUES
instead of executemany, no secondary indexes) — without touching ingest.py.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))  # the working tree, also when the package is not installed

from aigap import ingest as ingest_mod  # noqa: E402
from aigap.ingest import _OBS_COLUMNS, _TABLE_FILES, _read_csv_sql, ingest  # noqa: E402
from aigap.snapshot import DEFAULT_SNAPSHOT, derive  # noqa: E402

TARGET = 1.5
DEFAULT_RAW = Path(os.environ.get("AIGAP_RAW", REPO.parent / "shared" / "data" / "raw"))
INPUTS_COLUMNS = {"file": "VARCHAR", "bytes": "BIGINT", "sha256": "VARCHAR"}


# ------------------------------------------------------------------------------------------ timing


@dataclass
class Bench:
    key: str
    label: str
    fn: Callable[[], object]
    setup: Callable[[], None] = lambda: None
    process: bool = False  # a child process: its CPU time is read from RUSAGE_CHILDREN
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def median(self, cpu: bool = False) -> float:
        return statistics.median(self.cpu if cpu else self.wall)

    def min(self) -> float:
        return min(self.wall)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_rounds(benches: list[Bench], runs: int) -> None:
    """One warm-up round, then ``runs`` timed rounds; each round runs every bench once, in turn."""
    for round_ in range(runs + 1):
        for bench in benches:
            bench.setup()
            cpu0 = _children_cpu() if bench.process else time.process_time()
            t0 = time.perf_counter()
            bench.fn()
            wall = time.perf_counter() - t0
            cpu = (_children_cpu() if bench.process else time.process_time()) - cpu0
            if round_:  # round 0 warms the page cache, .pyc files, lazy imports and catalogue caches
                bench.wall.append(wall)
                bench.cpu.append(cpu)
        print(f"  round {round_ or 'warm-up'} done (load average {os.getloadavg()[0]:.1f})", flush=True)
    for bench in benches:
        print(f"  {bench.label:<72} wall median {bench.median():7.3f} s  min {bench.min():7.3f} s"
              f"   CPU median {bench.median(cpu=True):7.3f} s")


def remove(*paths: Path) -> Callable[[], None]:
    def setup() -> None:
        for path in paths:
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
            wal = path.with_name(path.name + ".wal")
            if wal.exists():
                wal.unlink()
    return setup


def copy_in(source: Path, target: Path) -> Callable[[], None]:
    def setup() -> None:
        remove(target)()
        shutil.copyfile(source, target)
    return setup


def run_process(argv: list[str]) -> Callable[[], None]:
    def fn() -> None:
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr}")
    return fn


def aigap_command() -> list[str]:
    script = Path(sys.executable).parent / "aigap"
    return [str(script)] if script.exists() else [sys.executable, "-m", "aigap.cli"]


# ----------------------------------------------------------------------------------- DuckDB alone


def snapshot_reads(snapshot: Path, typed: bool) -> list[str]:
    """CREATE TABLE ... AS read_csv for every snapshot file ingest reads (observations, small tables, inputs)."""
    specs = [("observations", sorted((snapshot / "observations").glob("*.csv")), _OBS_COLUMNS)]
    specs += [(table, [snapshot / name], cols) for table, (name, cols) in _TABLE_FILES.items()]
    specs += [("inputs", [snapshot / "inputs.csv"], INPUTS_COLUMNS)]
    out = []
    for table, files, cols in specs:
        if typed:
            source = _read_csv_sql(files, cols)  # the very read_csv call ingest makes
        else:
            paths = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
            source = f"read_csv([{paths}])"  # DuckDB's sniffer decides dialect and types
        out.append(f"CREATE TABLE {table} AS SELECT * FROM {source}")
    return out


def duckdb_run(database: str, statements: list[str], checkpoint: bool = False) -> Callable[[], None]:
    def fn() -> None:
        con = duckdb.connect(database)
        try:
            for sql in statements:
                con.execute(sql)
            if checkpoint:
                con.execute("CHECKPOINT")
        finally:
            con.close()
    return fn


def raw_reads(raw: Path) -> tuple[list[str], list[str], list[str]]:
    """(CREATE TABLE statements for the raw files DuckDB core reads, Excel files, other unreadable files)."""
    statements, excel, other = [], [], []
    con = duckdb.connect()
    for i, path in enumerate(sorted(p for p in raw.rglob("*") if p.is_file() and p.name != "SOURCE.md")):
        rel = path.relative_to(raw).as_posix()
        if path.suffix.lower() in (".xls", ".xlsx"):
            excel.append(rel)
            continue
        quoted = "'" + str(path).replace("'", "''") + "'"
        reader = "read_json" if path.suffix.lower() == ".json" else "read_csv"
        sql = f"CREATE TABLE raw_{i} AS SELECT * FROM {reader}({quoted})"
        try:
            con.execute(sql)
            statements.append(sql)
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            other.append(f"{rel}: {type(exc).__name__}: {first[:100]}")
    con.close()
    return statements, excel, other


# ------------------------------------------------------------------------------------------ profile


def _statement_key(sql: str) -> str:
    sql = " ".join(sql.split())
    sql = re.sub(r"read_csv\(\[.*?\], header=true, columns=\{.*?\},.*?strict_mode=true\)", "read_csv(...)", sql)
    return re.sub(r"'[^']*\.duckdb'", "'<db>'", sql)[:105]


class TimedConnection:
    """Wraps a DuckDB connection: seconds spent in each execute / executemany / close."""

    def __init__(self, con, log: dict[str, list[float]]) -> None:
        self._con, self._log = con, log

    def _timed(self, key: str, call, *args):
        t0 = time.perf_counter()
        try:
            return call(*args)
        finally:
            self._log[key].append(time.perf_counter() - t0)

    def execute(self, sql, *args):
        return self._timed(_statement_key(sql), self._con.execute, sql, *args)

    def executemany(self, sql, rows):
        return self._timed(f"executemany x{len(rows)}: {_statement_key(sql)}", self._con.executemany, sql, rows)

    def close(self):
        return self._timed("close()", self._con.close)

    def __getattr__(self, name):
        return getattr(self._con, name)


def probe(what: str, snapshot: Path, db: Path) -> None:
    """One run in this process, for counting its syscalls from outside (``--probe``)."""
    remove(db)()
    if what == "duckdb":
        duckdb_run(str(db), snapshot_reads(snapshot, typed=True), checkpoint=True)()
    else:
        ingest(snapshot, db)


def count_syncs(what: str, snapshot: Path, db: Path) -> int | None:
    """fsync + fdatasync calls of one run (``strace -f -c``), or None without strace."""
    strace = shutil.which("strace")
    if not strace:
        return None
    out = db.with_name("strace.txt")
    subprocess.run([strace, "-f", "-qq", "-c", "-e", "trace=fsync,fdatasync", "-o", str(out), sys.executable,
                    str(Path(__file__).resolve()), "--probe", what, "--snapshot", str(snapshot), "--db", str(db)],
                   check=True, capture_output=True)
    calls = 0
    for line in out.read_text().splitlines():
        fields = line.split()
        if fields and fields[-1] in ("fsync", "fdatasync"):
            calls += int(fields[3])
    return calls


def profile_ingest(snapshot: Path, tmp: Path, runs: int, baseline: list[str]) -> None:
    db = tmp / "profile.duckdb"
    print("\n## Profile of ingest() (fresh store file)\n")
    real_connect = duckdb.connect

    # 1. Time per DuckDB call and per phase (between progress messages).
    log: dict[str, list[float]] = defaultdict(list)
    phases: dict[str, list[float]] = defaultdict(list)
    totals = []

    def timed_connect(*args, **kwargs):
        t0 = time.perf_counter()
        con = real_connect(*args, **kwargs)
        log["duckdb.connect(<new file>)"].append(time.perf_counter() - t0)
        return TimedConnection(con, log)

    for _ in range(runs):
        remove(db)()
        marks = [("start (before the first progress message)", time.perf_counter())]
        with mock.patch.object(ingest_mod.duckdb, "connect", timed_connect):
            ingest(snapshot, db, progress=lambda m: marks.append((m, time.perf_counter())))
        marks.append(("end", time.perf_counter()))
        totals.append(marks[-1][1] - marks[0][1])
        for (name, t_start), (_next, t_end) in zip(marks, marks[1:]):
            phases[re.sub(r" \(\d+ files\)|: /.*", "", name)].append(t_end - t_start)
    print(f"{runs} instrumented runs, median {statistics.median(totals) * 1000:.0f} ms each.\n")
    print("| phase (from progress message to the next) | median ms |\n|---|---:|")
    for name, ts in phases.items():
        print(f"| {name} | {statistics.median(ts) * 1000:.1f} |")
    per_run = sorted(((sum(ts) / runs * 1000, len(ts) // runs, key) for key, ts in log.items()), reverse=True)
    print(f"\nDuckDB calls, mean ms per run ({sum(ms for ms, *_ in per_run):.0f} ms in all; the rest is Python):\n")
    print("| ms/run | calls/run | call |\n|---:|---:|---|")
    for ms, calls, key in per_run[:22]:
        print(f"| {ms:.1f} | {calls} | `{key.replace('|', '/')}` |")

    # 2. cProfile of the Python side (DuckDB's C calls count as their caller's own time).
    remove(db)()
    profiler = cProfile.Profile()
    profiler.enable()
    ingest(snapshot, db)
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats("tottime").print_stats(8)
    lines = [line for line in buffer.getvalue().splitlines() if line.strip()]
    print("\ncProfile, one run, by own time (DuckDB calls are inside `_build`/`_check`/`ingest` own time):\n")
    print("```\n" + "\n".join(lines[:16]) + "\n```")

    # 3. Disk syncs: each commit costs one; ingest() builds in one transaction.
    syncs_ingest = count_syncs("ingest", snapshot, db)
    duck_db = tmp / "profile_duckdb_alone.duckdb"
    syncs_duck = count_syncs("duckdb", snapshot, duck_db)
    print(f"\nfsync + fdatasync per run: ingest() {syncs_ingest if syncs_ingest is not None else 'n/a'}, "
          f"DuckDB alone {syncs_duck if syncs_duck is not None else 'n/a'} (strace -f -c).")


# --------------------------------------------------------------------------------------------- main


def machine() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import pandas

    return (f"{os.cpu_count()} cores ({cpu or platform.processor()}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, pandas {pandas.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed rounds per measurement (default 5)")
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="raw publisher folder (default ../shared/data/raw)")
    parser.add_argument("--snapshot", type=Path, default=DEFAULT_SNAPSHOT, help="snapshot folder (default data/snapshot)")
    parser.add_argument("--profile", action="store_true", help="profile ingest() even when the target is met")
    parser.add_argument("--skip-raw", action="store_true", help="skip the raw-file measurements (derive, snapshot)")
    parser.add_argument("--probe", help=argparse.SUPPRESS)  # internal: one run, for strace
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    runs, snapshot, raw = args.runs, args.snapshot.resolve(), args.raw.resolve()
    if args.probe:
        probe(args.probe, snapshot, args.db)
        return

    snap_bytes = sum(p.stat().st_size for p in snapshot.rglob("*.csv"))
    n_obs_files = len(list((snapshot / "observations").glob("*.csv")))
    print(f"# aigap ingest benchmark\n\nmachine: {machine()}")
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"snapshot: {snapshot} ({n_obs_files} observation files, {snap_bytes / 1e6:.2f} MB of CSV)")
    print(f"raw: {raw}\nruns: {runs} timed rounds (+1 warm-up)\n")

    aigap = aigap_command()
    py = sys.executable
    benches: dict[str, Bench] = {}
    with tempfile.TemporaryDirectory(prefix="aigap-bench-") as tmpdir:
        tmp = Path(tmpdir)
        db, previous, duck_db = tmp / "ingest.duckdb", tmp / "previous.duckdb", tmp / "duckdb_alone.duckdb"
        ingest(snapshot, previous)  # a store to replace: one earlier run in its history
        typed, auto = snapshot_reads(snapshot, typed=True), snapshot_reads(snapshot, typed=False)
        duck_script = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                       + "; ".join(f"con.execute({sql!r})" for sql in typed) + "; con.execute('CHECKPOINT'); con.close()")

        print("## 1 + 3a. aigap ingest and DuckDB alone on the snapshot files")
        group = [
            Bench("ingest", "ingest() in process, fresh store file", lambda: ingest(snapshot, db), remove(db)),
            Bench("ingest_replace", "ingest() in process, replacing a store (history carried over)",
                  lambda: ingest(snapshot, db), copy_in(previous, db)),
            Bench("ingest_cli", "`aigap ingest` CLI process, fresh store file",
                  run_process([*aigap, "ingest", "--snapshot", str(snapshot), "--db", str(db)]), remove(db), True),
            Bench("import_cli", "process: Python + `import aigap.cli, aigap.ingest`, no work",
                  run_process([py, "-c", "import aigap.cli, aigap.ingest"]), process=True),
            Bench("import_pandas", "process: Python + `import pandas`", run_process([py, "-c", "import pandas"]),
                  process=True),
            Bench("import_duckdb", "process: Python + `import duckdb`", run_process([py, "-c", "import duckdb"]),
                  process=True),
            Bench("import_lean", "process: Python + `import duckdb, typer, rich.console` (a pandas-free CLI)",
                  run_process([py, "-c", "import duckdb, typer, rich.console"]), process=True),
            Bench("duck_mem", "DuckDB alone: read_csv -> in-memory tables, ingest's column types",
                  duckdb_run(":memory:", typed)),
            Bench("duck_mem_auto", "DuckDB alone: read_csv -> in-memory tables, auto-detect",
                  duckdb_run(":memory:", auto)),
            Bench("duck_file", "DuckDB alone: read_csv -> file DB + CHECKPOINT, ingest's column types",
                  duckdb_run(str(duck_db), typed, checkpoint=True), remove(duck_db)),
            Bench("duck_file_cli", "DuckDB alone, process: Python + import duckdb + the file-DB read",
                  run_process([py, "-c", duck_script, str(duck_db)]), remove(duck_db), True),
        ]
        run_rounds(group, runs)
        benches.update((b.key, b) for b in group)

        excel: list[str] = []
        other: list[str] = []
        if not args.skip_raw and raw.is_dir():
            print("\n## 2 + 3b. aigap snapshot --raw and DuckDB alone on the raw files it can read")
            out = tmp / "snapshot"
            raw_sql, excel, other = raw_reads(raw)
            group = [
                Bench("derive", "derive() in process", lambda: derive(raw, out), remove(out)),
                Bench("derive_cli", "`aigap snapshot --raw` CLI process",
                      run_process([*aigap, "snapshot", "--raw", str(raw), "--out", str(out)]), remove(out), True),
                Bench("duck_raw", f"DuckDB alone: read_csv/read_json of {len(raw_sql)} raw files -> in-memory tables",
                      duckdb_run(":memory:", raw_sql)),
            ]
            run_rounds(group, runs)
            benches.update((b.key, b) for b in group)
            print(f"  raw files DuckDB core cannot read ({len(excel) + len(other)}):")
            print(f"    {len(excel)} Excel workbooks (.xls/.xlsx; DuckDB core has no Excel reader, its `excel` "
                  f"extension reads .xlsx only and is not installed here): {', '.join(excel[:2])}, ...")
            for note in other:
                print(f"    {note}")
        elif not args.skip_raw:
            print(f"\n(raw folder {raw} not found: snapshot measurements skipped)")

        print(f"\nload average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print("\n## Summary\n")
        print("| measurement | wall median s | wall min s | CPU median s |\n|---|---:|---:|---:|")
        for b in benches.values():
            print(f"| {b.label} | {b.median():.3f} | {b.min():.3f} | {b.median(cpu=True):.3f} |")

        print("\n| ratio | wall medians | wall mins | CPU medians |\n|---|---:|---:|---:|")

        def ratio(a: str, b: str) -> float | None:
            if a not in benches or b not in benches:
                return None
            x, y = benches[a], benches[b]
            med = x.median() / y.median()
            print(f"| {x.label} / {y.label} | {med:.2f}x | {x.min() / y.min():.2f}x | "
                  f"{x.median(cpu=True) / y.median(cpu=True):.2f}x |")
            return med

        target_ratio = ratio("ingest", "duck_file")
        ratio("ingest", "duck_mem")
        ratio("ingest", "duck_mem_auto")
        ratio("ingest_replace", "duck_file")
        ratio("ingest_cli", "duck_file_cli")
        ratio("derive", "duck_raw")
        ratio("derive_cli", "duck_raw")
        met = target_ratio is not None and target_ratio <= TARGET
        print(f"\ntarget: ingest() within {TARGET}x of DuckDB alone reading the snapshot files into a file DB: "
              f"{'MET' if met else 'MISSED'} ({target_ratio:.2f}x of wall medians)")

        if args.profile or not met:
            profile_ingest(snapshot, tmp, runs, typed)


if __name__ == "__main__":
    main()
