"""The `aigap` command line: build the store, re-derive the snapshot, inspect, export, serve."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from . import paths
from .export import to_csv, to_json
from .sources.base import SourceFormatError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="aigap: AI-gap indicators, from publisher files to a dashboard.")
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)
log = logging.getLogger(__name__)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@app.callback()
def _configure_logging() -> None:
    """Diagnostics go to stderr through `logging` at $AIGAP_LOG_LEVEL (default WARNING); the user's output stays on
    the rich consoles."""
    wanted = os.environ.get("AIGAP_LOG_LEVEL", "WARNING").strip().upper()
    known = wanted in logging.getLevelNamesMapping()
    logging.basicConfig(level=wanted if known else logging.WARNING, format=LOG_FORMAT, stream=sys.stderr)
    if not known:
        log.warning("AIGAP_LOG_LEVEL=%r is not a logging level; using WARNING", wanted)


class Format(str, Enum):
    csv = "csv"
    json = "json"


def _db() -> Path:
    return paths.db_path()


def _snapshot() -> Path:
    return paths.snapshot_path()


DbOption = Annotated[Optional[Path], typer.Option("--db", help="Store file (default $AIGAP_DB, else data/aigap.duckdb in a checkout or aigap.duckdb in the user data folder).")]


class _Steps:
    """Progress for long steps: each step printed with the time since the command started.

    With $AIGAP_STOP_AFTER_STEP=k the process stops itself (SIGSTOP) right after the k-th step line, so the crash
    tests can kill a writer at exactly that point instead of guessing with sleeps.
    """

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.count = 0
        stop = os.environ.get("AIGAP_STOP_AFTER_STEP", "")
        self.stop_after = int(stop) if stop.isascii() and stop.isdigit() else 0

    def __call__(self, message: str) -> None:
        err.print(f"[dim]{time.perf_counter() - self.t0:6.1f}s[/dim]  {escape(message)}")
        self.count += 1
        if self.count == self.stop_after:
            os.kill(os.getpid(), signal.SIGSTOP)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/bold red] {escape(message)}")
    raise typer.Exit(code)


def _open_store(db: Path | None):
    from .store import Store

    path = db or _db()
    if not path.exists():
        _fail(f"no store at {path}: run `aigap ingest` first")
    return Store(path)


@app.command()
def ingest(
    snapshot: Annotated[Optional[Path], typer.Option(help="Snapshot folder (default data/snapshot).")] = None,
    db: DbOption = None,
) -> None:
    """Build the store from the shipped snapshot (no network, no raw files needed)."""
    from .ingest import IngestError, ingest as run

    steps = _Steps()
    try:
        summary = run(snapshot or _snapshot(), db or _db(), progress=steps)
    except (IngestError, OSError) as exc:
        _fail(f"ingest failed, store unchanged: {exc}")
    except Exception as exc:  # duckdb errors on a malformed snapshot file
        _fail(f"ingest failed, store unchanged: {type(exc).__name__}: {exc}")
    err.print(f"ingest run {summary['run_id']}: {summary['observations']:,} observations "
              f"from {len(summary['by_source'])} sources")


@app.command()
def snapshot(
    raw: Annotated[Optional[Path], typer.Option(help="Folder of publisher files, one sub-folder per source.")] = None,
    download: Annotated[bool, typer.Option("--download", help="Fetch the publishers' current files first.")] = False,
    cache: Annotated[Optional[Path], typer.Option(help="Where --download puts the files (default data/cache).")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="Fetch from this mirror instead of the publishers' hosts (keeps each URL's path).")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Snapshot folder to write (default data/snapshot in a checkout, else snapshot in the user data folder).")] = None,
) -> None:
    """Re-derive the snapshot from publisher files (--raw DIR), or download them first (--download)."""
    from .snapshot import derive
    from .validate import ValidationError

    if not raw and not download:
        _fail("give --raw DIR (a folder of publisher files) or --download", code=2)
    steps = _Steps()
    try:
        if download:
            from .download import fetch_all

            cache = cache or paths.DATA_DIR / "cache"
            fetch_all(cache, base_url=base_url, manual_from=raw, progress=steps)
            raw = cache
        # An installed package must not write into site-packages: its re-derived snapshot goes to the data folder.
        out_dir = out_dir or (_snapshot() if paths.IN_CHECKOUT else paths.DATA_DIR / "snapshot")
        counts = derive(raw, out_dir, progress=steps)
    except (SourceFormatError, ValidationError) as exc:
        _fail(f"snapshot not written: {exc}")
    except OSError as exc:
        _fail(f"snapshot not written: {exc}")
    err.print(f"snapshot: {sum(counts.values()):,} observations from {len(counts)} sources")


@app.command()
def info(db: DbOption = None) -> None:
    """Sources, vintages, licences, counts, where to get each file, and the last ingest."""
    store = _open_store(db)
    sources = store.sources()
    counts = store.source_coverage()
    merged = sources.merge(counts, on="source_id", how="left")
    from .catalogue import sources as catalogue_sources

    folders = {sid: src.folder for sid, src in catalogue_sources().items()}
    out.print("[bold]Sources[/bold]")
    for row in merged.itertuples():
        n = "no observations" if row.n != row.n or row.n is None else f"{int(row.n):,} observations, " \
            f"periods {row.first} .. {row.last}"
        out.print(f"[bold]{escape(row.source_id)}[/bold]: {escape(row.title)}")
        out.print(f"  {escape(row.publisher)} | licence: {escape(row.licence)} | vintage: {escape(row.vintage)}")
        out.print(f"  {n}")
        for name, url in row.download_urls.items():
            out.print(f"  download {escape(name)}: {escape(url)}")
        manual = row.manual if isinstance(row.manual, str) else None
        if manual:
            out.print(f"  by hand: {escape(manual)} (folder: {escape(folders.get(row.source_id, row.source_id))}/)")
        if not row.download_urls and not manual:
            out.print(f"  page: {escape(row.url)}")
    last = store.last_ingest()
    if last:
        out.print(f"Last ingest: run {last['run_id']} at {last['finished_at']} from {last['snapshot']} "
                  f"({int(last['observations']):,} observations, aigap {last['aigap_version']})")
    n_ind = len(store.indicators())
    out.print(f"{n_ind} indicators; {len(store.countries())} countries; {len(store.groups())} groups; "
              f"{len(store.excluded_names())} raw names excluded as non-countries (listed on the Data & sources page)")


@app.command()
def indicators(
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.csv,
    db: DbOption = None,
) -> None:
    """The indicator catalogue: id, name, pillar, unit, source, licence, vintage, caveats."""
    store = _open_store(db)
    frame = store.indicators()
    cols = ["indicator_id", "name", "pillar", "unit", "kind", "higher_is_better", "source_id", "series_code",
            "publisher", "licence", "vintage", "source_url", "description", "caveats"]
    frame = frame[cols]
    if fmt is Format.json:
        sys.stdout.write(to_json(frame, indent=1) + "\n")
    else:
        sys.stdout.write(to_csv(frame.assign(caveats=frame["caveats"].map(" | ".join))))


@app.command()
def export(
    indicator: Annotated[str, typer.Option("--indicator", help="Indicator id (see `aigap indicators`).")],
    country: Annotated[Optional[list[str]], typer.Option("--country", help="ISO3 code; repeat for several.")] = None,
    year_from: Annotated[Optional[int], typer.Option("--from", help="First year.")] = None,
    year_to: Annotated[Optional[int], typer.Option("--to", help="Last year.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.csv,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to a file instead of stdout.")] = None,
    db: DbOption = None,
) -> None:
    """Observations of one indicator, as published, with period, source and note."""
    store = _open_store(db)
    known = store.indicators()
    if indicator not in set(known["indicator_id"]):
        _fail(f"unknown indicator {indicator!r}; known: {', '.join(sorted(known['indicator_id']))}", code=2)
    codes = [c.strip().upper() for c in (country or []) for c in c.split(",") if c.strip()]
    unknown = sorted(set(codes) - set(store.countries()["iso3"]))
    if unknown:
        _fail(f"unknown ISO3 code(s): {', '.join(unknown)}", code=2)
    if year_from is not None and year_to is not None and year_from > year_to:
        _fail(f"--from {year_from} is after --to {year_to}", code=2)
    frame = store.observations(indicator, codes or None, year_from, year_to)
    unit = known.set_index("indicator_id").loc[indicator, "unit"]
    frame.insert(5, "unit", unit)
    text = to_json(frame, indent=1) + "\n" if fmt is Format.json else to_csv(frame)
    if output:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {len(frame):,} rows to {output}")
    else:
        sys.stdout.write(text)


def _raise_open_files(wanted: int) -> None:
    """Each open connection is a file descriptor: lift the soft limit (often 1024) towards the hard one."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < wanted:
        log.warning("open files limit %d is below --connection-limit + 128 = %d: raise it (ulimit -n)",
                    resource.getrlimit(resource.RLIMIT_NOFILE)[0], wanted)


def _listen(host: str, port: int):
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=2048)


def _run_waitress(sock, threads: int, connection_limit: int) -> None:
    """One waitress server on the shared socket. waitress reads each request whole (headers and body) in its
    event loop before a thread sees it, so slow or stalled clients cost a connection, not a thread."""
    from waitress import create_server

    from .app.wsgi import server

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" is load, not a fault
    create_server(server, sockets=[sock], threads=threads, connection_limit=connection_limit, channel_timeout=30,
                  asyncore_use_poll=True, ident="aigap", clear_untrusted_proxy_headers=True).run()


def _fork_worker(sock, threads: int, connection_limit: int) -> int:
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            _run_waitress(sock, threads, connection_limit)
        except BaseException:
            log.exception("worker %d failed", os.getpid())
            os._exit(1)
        os._exit(0)
    return pid


def _supervise(sock, workers: int, threads: int, connection_limit: int) -> None:
    """`workers` forked waitress processes accepting on one socket (the app is loaded once, before the fork; each
    process opens the store itself on first use); a worker that dies is replaced, SIGTERM/SIGINT stop them all."""
    stopping = False

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    pids = {_fork_worker(sock, threads, connection_limit): time.monotonic() for _ in range(workers)}
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while pids:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        started = pids.pop(pid, None)
        if started is None or stopping:
            continue
        log.warning("worker %d ended (%s); starting another", pid, os.waitstatus_to_exitcode(status))
        if time.monotonic() - started < 5:
            time.sleep(1)  # a worker that dies at once would otherwise be restarted in a tight loop
        pids[_fork_worker(sock, threads, connection_limit)] = time.monotonic()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8050,
    workers: Annotated[int, typer.Option(min=1, help="Server processes (one per core).")] = 2,
    threads: Annotated[int, typer.Option(min=1, help="Request threads per process.")] = 4,
    connection_limit: Annotated[int, typer.Option(
        min=1, help="Open connections per process, idle ones included (each is a file descriptor).")] = 1000,
    dev: Annotated[bool, typer.Option("--dev", help="Dash's debug server with hot reload instead of waitress.")] = False,
    db: DbOption = None,
) -> None:
    """Serve the dashboard with waitress (building the store from the shipped snapshot first if there is none).

    Made to face clients directly: a slow or stalled client holds a connection, never a request thread. See
    docs/DEPLOY.md for the comparison with other servers and the setup behind nginx."""
    path = db or _db()
    if not path.exists():
        err.print(f"no store at {path}: building it from the shipped snapshot")
        ingest(snapshot=None, db=path)
    os.environ["AIGAP_DB"] = str(path)
    if dev:
        from .app import create_app

        create_app(path).run(host=host, port=port, debug=True)
        return
    _raise_open_files(connection_limit + 128)
    from .app import wsgi  # noqa: F401  the app is loaded once; forked workers share it

    sock = _listen(host, port)  # only now: while the app loads, connections are refused (a proxy tries another)
    err.print(f"serving http://{host}:{port}/ with waitress: {workers} processes x {threads} threads "
              f"(Ctrl+C to stop)")
    if workers == 1:
        _run_waitress(sock, threads, connection_limit)
    else:
        _supervise(sock, workers, threads, connection_limit)


class Paper(str, Enum):
    a4 = "a4"
    letter = "letter"


@app.command()
def brief(
    country: Annotated[str, typer.Argument(help="ISO3 code of the country, e.g. BRA.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write: .pdf or .html.")],
    paper: Annotated[Paper, typer.Option("--paper", help="Paper size.")] = Paper.a4,
    db: DbOption = None,
) -> None:
    """A one-page brief on one country (pillar standing, largest and smallest gaps, trends, sources)."""
    from .analysis.views.base import ParamError
    from .brief import BriefError, write

    store = _open_store(db)
    try:
        write(country, output, store, paper.value)
    except ParamError as exc:
        _fail(str(exc), code=2)
    except (BriefError, OSError) as exc:
        _fail(f"brief not written: {exc}")
    err.print(f"wrote the brief on {escape(country.upper())} to {escape(str(output))}")


if __name__ == "__main__":  # pragma: no cover
    app()
