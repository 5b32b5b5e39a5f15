"""Derive the shipped snapshot (data/snapshot/) from a folder of publisher files.

The snapshot is the project's own tidy, derived data: figures with their source ids, the country
reference, groups, and a manifest of the input files' checksums. It is deterministic: the same raw
files give byte-identical output, which a test checks against the shipped copy.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from . import catalogue, countries, groups
from .sources import adapters, country_codes, worldbank_class
from .sources.base import AGGREGATE_COLUMNS, TIDY_COLUMNS, Context, SourceFormatError, is_period
from .paths import DEFAULT_SNAPSHOT, REPO_ROOT
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


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    # Floats are written with repr precision (round-trip exact); line endings fixed for byte equality.
    frame.to_csv(path, index=False, lineterminator="\n")


def derive(raw: Path, out: Path, progress: Progress = lambda _msg: None) -> dict[str, int]:
    """Run every adapter on ``raw`` and write the snapshot into ``out`` (replaced as a whole on success)."""
    raw = Path(raw)
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
    for module in adapters():
        present = [s for s in module.SOURCES if ctx.folder(s).is_dir()]
        if not present:
            log.info("%s: no raw folder under %s, skipped", module.__name__, raw)
            progress(f"{module.__name__.rsplit('.', 1)[-1]}: no raw folder, skipped")
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

    counts = _write(out, ref, group_frame, member_frame, frames, aggregates, ctx, raw)
    log.info("snapshot written to %s from %s: %d observations from %d sources", out, raw, sum(counts.values()),
             len(counts))
    progress(f"wrote {sum(counts.values()):,} observations from {len(counts)} sources")
    return counts


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="mergesort").reset_index(drop=True)


def _write(out, ref, group_frame, member_frame, frames, aggregates, ctx, raw) -> dict[str, int]:
    out = Path(out)
    staging = out.with_name(out.name + ".tmp")
    if staging.exists():
        _remove_tree(staging)
    (staging / "observations").mkdir(parents=True)
    counts = {}
    for source_id, frame in sorted(frames.items()):
        frame = frame.copy()
        frame["year"] = frame["period"].str[:4].astype(int)
        frame = _sorted(frame[["iso3", "indicator_id", "period", "year", "value", "source_id", "note"]],
                        ["indicator_id", "iso3", "period"])
        _write_csv(frame, staging / "observations" / f"{source_id}.csv")
        counts[source_id] = len(frame)
    agg = pd.concat(aggregates, ignore_index=True) if aggregates else pd.DataFrame(columns=AGGREGATE_COLUMNS)
    agg["year"] = agg["period"].astype(str).str[:4].astype(int)
    _write_csv(_sorted(agg[["entity", "indicator_id", "period", "year", "value", "source_id", "note"]],
                       ["indicator_id", "entity", "period"]), staging / "aggregates.csv")
    _write_csv(ref[countries.COUNTRY_COLUMNS], staging / "countries.csv")
    _write_csv(group_frame, staging / "groups.csv")
    _write_csv(member_frame, staging / "country_groups.csv")
    _write_csv(ctx.resolver.exclusions_frame(), staging / "excluded_names.csv")
    _write_csv(file_checksums(raw), staging / "inputs.csv")
    if out.exists():
        _remove_tree(out)
    staging.rename(out)
    return counts


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path)


def read_observations(snapshot: Path) -> pd.DataFrame:
    """All snapshot observations in one frame (used by tests and the re-derivation check)."""
    files = sorted((Path(snapshot) / "observations").glob("*.csv"))
    return pd.concat([pd.read_csv(f, keep_default_na=False, na_values=[""]) for f in files], ignore_index=True)


__all__ = ["derive", "load_reference", "make_context", "file_checksums", "read_observations",
           "DEFAULT_SNAPSHOT", "TIDY_COLUMNS", "is_period"]
