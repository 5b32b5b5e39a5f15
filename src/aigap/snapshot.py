"""Derive the shipped snapshot (data/snapshot/) from a folder of publisher files.

The snapshot is the project's own tidy, derived data: figures with their source ids, the country
reference, groups, and a manifest of the input files' checksums. It is deterministic: the same raw
files give byte-identical output, which a test checks against the shipped copy.

A kill at any instant leaves either the old or the new snapshot whole: the new folder is written beside the old
one (``<name>.new-<pid>.tmp``, its manifest ``inputs.csv`` last, as the mark of a whole folder), the old one is
renamed aside (``<name>.old-<pid>.tmp``), the new one renamed in, the old one deleted. ``repair`` undoes a swap
that a killed run left half-way; ``derive`` and ``aigap ingest`` call it before they touch the snapshot.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from . import catalogue, countries, groups
from .sources import adapters, country_codes, worldbank_class
from .sources.base import AGGREGATE_COLUMNS, TIDY_COLUMNS, Context, SourceFormatError, is_period
from .paths import DEFAULT_SNAPSHOT
from .validate import validate_aggregates, validate_observations


Progress = Callable[[str], None]
log = logging.getLogger(__name__)


def load_reference(raw: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """The country reference table and the World Bank aggregate codes, from the raw reference folders."""
    codes = country_codes.parse(raw / country_codes.SOURCE.folder)
    classification = worldbank_class.parse(raw / worldbank_class.SOURCE.folder)
    return countries.build_reference(codes, classification), worldbank_class.aggregate_codes(classification)


def make_context(raw: Path, reference: tuple[pd.DataFrame, dict[str, str]]) -> Context:
    ref, aggregates = reference
    return Context(raw=raw, resolver=countries.CountryResolver(ref), wb_aggregates=aggregates)


def file_checksums(raw: Path) -> pd.DataFrame:
    """sha256 and size of every publisher file (SOURCE.md files excluded)."""
    rows = []
    for path in sorted(p for p in raw.rglob("*") if p.is_file() and p.name != "SOURCE.md"):
        rows.append(
            {
                "file": path.relative_to(raw).as_posix(),
                "bytes": path.stat().st_size,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
        )
    return pd.DataFrame(rows, columns=["file", "bytes", "sha256"])


MANIFEST = "inputs.csv"  # written last: a folder holding it is whole


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    # Floats are written with repr precision (round-trip exact); line endings fixed for byte equality.
    with path.open("w", encoding="utf-8", newline="") as fh:
        frame.to_csv(fh, index=False, lineterminator="\n")
        fh.flush()
        os.fsync(fh.fileno())  # on disk before the manifest says the folder is whole


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries (a rename is durable once its folder is synced)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs; this process counts as gone, as callers clean up before they write."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def dead_leftovers(target: Path, suffix: str) -> list[Path]:
    """Siblings of ``target`` named ``<target.name><suffix>`` (a regex with a ``pid`` group) whose process is gone.

    Temporary names carry the writer's pid, so a concurrent writer's files are left alone.
    """
    pattern = re.compile(re.escape(target.name) + suffix)
    if not target.parent.is_dir():
        return []
    found = ((p, pattern.fullmatch(p.name)) for p in sorted(target.parent.iterdir()))
    return [p for p, m in found if m and not pid_alive(int(m["pid"]))]


_NEW, _OLD = "new", "old"
_SWAP_SUFFIX = rf"\.(?:{_NEW}|{_OLD})-(?P<pid>\d+)\.tmp"


def _swap_name(out: Path, role: str) -> Path:
    return out.with_name(f"{out.name}.{role}-{os.getpid()}.tmp")


def repair(out: Path, progress: Progress = lambda _msg: None) -> None:
    """Finish the job of a killed `aigap snapshot`: put a whole snapshot back at ``out``, remove its leftovers.

    With ``out`` missing (killed between the two renames), the old folder set aside is restored, or, failing
    that, a new folder whose manifest was written. Leftovers of live processes (a run in progress) stay.
    """
    out = Path(out)
    stale = dead_leftovers(out, _SWAP_SUFFIX)
    if not out.exists():
        asides = [p for p in stale if p.name.startswith(f"{out.name}.{_OLD}-")]
        whole_new = [p for p in stale if p not in asides and (p / MANIFEST).is_file()]
        if asides or whole_new:
            restored = max(asides or whole_new, key=lambda p: p.stat().st_ctime)  # the latest, if several
            restored.rename(out)
            fsync_path(out.parent)
            log.info("snapshot %s restored from %s, left half-way by a killed run", out, restored.name)
            progress(f"restored {out} from {restored.name} (a swap left half-way by a killed run)")
    for path in stale:
        if path.exists():
            shutil.rmtree(path)
            log.info("removed %s, left by a killed run", path)
            progress(f"removed {path.name}, left by a killed run")


def derive(raw: Path, out: Path, progress: Progress = lambda _msg: None) -> dict[str, int]:
    """Run every adapter on ``raw`` and write the snapshot into ``out`` (replaced as a whole on success)."""
    raw, out = Path(raw), Path(out)
    repair(out, progress)
    if not raw.is_dir():
        raise SourceFormatError(raw, "raw data folder not found")
    progress("countries and groups")
    reference = load_reference(raw)
    ctx = make_context(raw, reference)
    ref = reference[0]
    group_frame, member_frame = groups.build(ref)

    frames: dict[str, pd.DataFrame] = {}
    aggregates: list[pd.DataFrame] = []
    indicators = catalogue.indicators()
    skipped = []
    for module in adapters():
        present = [s for s in module.SOURCES if ctx.folder(s).is_dir()]
        if not present:
            log.info("%s: no raw folder under %s, skipped", module.__name__, raw)
            skipped.append(module.__name__.rsplit(".", 1)[-1])
            continue
        progress(", ".join(s.id for s in present))
        tidy = module.parse(ctx)
        validate_observations(tidy, ref, indicators, label=module.__name__)
        for source_id, part in tidy.groupby("source_id", sort=True):
            frames[str(source_id)] = part
        if hasattr(module, "aggregates"):
            agg = module.aggregates(ctx)
            validate_aggregates(agg, indicators, label=module.__name__)
            aggregates.append(agg)
    if skipped:
        progress(f"no raw folder, skipped: {', '.join(skipped)}")

    staging = _swap_name(out, _NEW)
    try:
        counts = _write(staging, ref, group_frame, member_frame, frames, aggregates, ctx, raw, progress)
        progress(f"wrote {sum(counts.values()):,} observations from {len(counts)} sources into {staging.name}")
        _swap(staging, out, progress)
    except BaseException:
        repair(out)  # back to the old snapshot, or on to the new one if it is already in place
        raise
    log.info("snapshot written to %s from %s: %d observations from %d sources", out, raw, sum(counts.values()),
             len(counts))
    return counts


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="mergesort").reset_index(drop=True)


def _write(staging: Path, ref, group_frame, member_frame, frames, aggregates, ctx, raw,
           progress: Progress) -> dict[str, int]:
    """Write the whole snapshot into the new folder ``staging``, the manifest last."""
    (staging / "observations").mkdir(parents=True)
    counts = {}
    for source_id, frame in sorted(frames.items()):
        frame = frame.copy()
        frame["year"] = frame["period"].str[:4].astype(int)
        frame = _sorted(frame[["iso3", "indicator_id", "period", "year", "value", "source_id", "note"]],
                        ["indicator_id", "iso3", "period"])
        _write_csv(frame, staging / "observations" / f"{source_id}.csv")
        counts[source_id] = len(frame)
    fsync_path(staging / "observations")
    progress(f"{len(counts)} observation files written")
    agg = pd.concat(aggregates, ignore_index=True) if aggregates else pd.DataFrame(columns=AGGREGATE_COLUMNS)
    agg["year"] = agg["period"].astype(str).str[:4].astype(int)
    _write_csv(_sorted(agg[["entity", "indicator_id", "period", "year", "value", "source_id", "note"]],
                       ["indicator_id", "entity", "period"]), staging / "aggregates.csv")
    _write_csv(ref[countries.COUNTRY_COLUMNS], staging / "countries.csv")
    _write_csv(group_frame, staging / "groups.csv")
    _write_csv(member_frame, staging / "country_groups.csv")
    _write_csv(ctx.resolver.exclusions_frame(), staging / "excluded_names.csv")
    # The manifest appears whole or not at all: written under another name, then renamed.
    _write_csv(file_checksums(raw), staging / f"{MANIFEST}.part")
    (staging / f"{MANIFEST}.part").rename(staging / MANIFEST)
    fsync_path(staging)
    return counts


def _swap(staging: Path, out: Path, progress: Progress) -> None:
    """Old folder aside, new folder in, old folder deleted: at every instant one whole snapshot is on disk."""
    aside = _swap_name(out, _OLD)
    if out.exists():
        out.rename(aside)
        fsync_path(out.parent)
        progress(f"old snapshot set aside as {aside.name}")
    staging.rename(out)
    fsync_path(out.parent)
    progress(f"new snapshot in place: {out}")
    if aside.exists():
        shutil.rmtree(aside)
        progress("old snapshot removed")


def read_observations(snapshot: Path) -> pd.DataFrame:
    """All snapshot observations in one frame (used by tests and the re-derivation check)."""
    files = sorted((Path(snapshot) / "observations").glob("*.csv"))
    return pd.concat([pd.read_csv(f, keep_default_na=False, na_values=[""]) for f in files], ignore_index=True)


__all__ = ["derive", "load_reference", "make_context", "file_checksums", "read_observations",
           "DEFAULT_SNAPSHOT", "TIDY_COLUMNS", "is_period"]
