"""Both writers killed at every step: what is left on disk is whole, and the next run cleans up.

Each writer runs as a real `aigap` process that stops itself after its k-th progress line
($AIGAP_STOP_AFTER_STEP, read by the CLI's step printer) and is then SIGKILLed there, for every k: no sleeps,
every kill lands at the same point on every machine. The kill points include each step of the snapshot swap
(new folder written, old one set aside, new one in place, old one removed) and of the store swap.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from aigap.ingest import IngestError, ingest
from aigap.paths import DEFAULT_SNAPSHOT
from aigap.snapshot import MANIFEST, derive, read_observations, repair

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STEP = re.compile(r"^\s*\d+\.\d+s  (?P<message>.*)$")  # the CLI's progress line: seconds, two spaces, message


def run_aigap(args: list, tmp_path: Path, stop_after: int = 0) -> tuple[int, list[str], str]:
    """Run `aigap ARGS`; with ``stop_after=k``, SIGKILL it where it stopped itself, after its k-th step line.

    Returns the exit status, the step messages printed and the whole stderr.
    """
    env = {**os.environ, "AIGAP_STOP_AFTER_STEP": str(stop_after),
           # never the repository's data/, whatever the arguments say
           "AIGAP_DB": str(tmp_path / "env.duckdb"), "AIGAP_SNAPSHOT": str(tmp_path / "env_snapshot")}
    proc = subprocess.Popen([sys.executable, "-m", "aigap.cli", *map(str, args)], env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if stop_after:
        _, status = os.waitpid(proc.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), f"aigap {args[0]} ended before its step {stop_after}"
        proc.kill()
    stderr = proc.communicate(timeout=300)[1]
    steps = [m["message"] for line in stderr.splitlines() if (m := STEP.match(line))]
    return proc.returncode, steps, stderr


def checksums(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def stored(db: Path) -> tuple[int, int]:
    """(last ingest run, observations) of a store, opened read-only as the app opens it."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT (SELECT MAX(run_id) FROM ingest_runs), (SELECT COUNT(*) FROM observations)"
                           ).fetchone()
    finally:
        con.close()


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture()
def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(proc.stdout)


def small_snapshot(path: Path, n_files: int) -> Path:
    """The shipped snapshot with only its ``n_files`` smallest observation files: still valid, quick to ingest."""
    shutil.copytree(DEFAULT_SNAPSHOT, path)
    for extra in sorted((path / "observations").glob("*.csv"), key=lambda p: p.stat().st_size)[n_files:]:
        extra.unlink()
    return path


def small_raw(raw_dir: Path, root: Path) -> Path:
    """The country reference from the real publisher files plus one small fixture source: derived in ~1 s."""
    raw = root / "raw"
    for folder in ("country_codes_datahub", "worldbank_class"):
        shutil.copytree(raw_dir / folder, raw / folder)
    (raw / "tortoise_global_ai_index").mkdir()
    shutil.copyfile(FIXTURES / "tortoise" / "good.csv", raw / "tortoise_global_ai_index" / "AI_index_db.csv")
    return raw


def swap_state(out: Path) -> frozenset[str]:
    """What a kill left beside the snapshot folder, before any repair."""
    state = set()
    for path in out.parent.iterdir():
        if path == out:
            state.add("snapshot")
        elif path.name.startswith(f"{out.name}.old-"):
            state.add("old aside")
        elif path.name.startswith(f"{out.name}.new-"):
            state.add("new whole" if (path / MANIFEST).is_file() else "new partial")
    return frozenset(state)


def test_snapshot_killed_at_every_step_leaves_the_old_or_the_new_snapshot(raw_dir, tmp_path):
    raw = small_raw(raw_dir, tmp_path)
    old = small_snapshot(tmp_path / "old", 3)
    new = tmp_path / "new" / "snapshot"
    shutil.copytree(old, new)  # replaced, as in every killed run: the same steps
    steps: list[str] = []
    derive(raw, new, progress=steps.append)
    old_sums, new_sums = checksums(old), checksums(new)
    assert old_sums != new_sums
    counts = {"old": len(read_observations(old)), "new": len(read_observations(new))}

    seen = set()
    for k in range(1, len(steps) + 1):
        work = tmp_path / f"kill{k}"
        out = work / "snapshot"
        shutil.copytree(old, out)
        code, printed, stderr = run_aigap(["snapshot", "--raw", raw, "--out", out], tmp_path, stop_after=k)
        assert code == -signal.SIGKILL and len(printed) == k, stderr
        state = swap_state(out)
        seen.add(state)

        messages: list[str] = []
        summary = ingest(out, work / "aigap.duckdb", progress=messages.append)  # repairs, then reads
        # The new snapshot counts once it has been renamed in; until then the old one stays (or comes back).
        which = "new" if any(m.startswith("new snapshot in place") for m in printed) else "old"
        assert checksums(out) == (new_sums if which == "new" else old_sums), f"killed after {printed[-1]!r}"
        assert names(work) == ["aigap.duckdb", "snapshot"], f"leftovers after {printed[-1]!r}"
        assert summary["observations"] == counts[which] == stored(work / "aigap.duckdb")[1]
        if "snapshot" not in state:
            assert messages[0].startswith(f"restored {out} from snapshot.old-"), messages
    # The kills hit every state of the swap, the one without a snapshot folder included.
    assert seen == {
        frozenset({"snapshot"}),                   # before the new folder, and after the old one is removed
        frozenset({"snapshot", "new partial"}),    # new folder half-written
        frozenset({"snapshot", "new whole"}),      # new folder written, old one still in place
        frozenset({"old aside", "new whole"}),     # no snapshot folder: the old one is restored
        frozenset({"snapshot", "old aside"}),      # new one in place, old one not yet removed
    }


def test_ingest_killed_at_every_step_leaves_the_old_or_the_new_store(tmp_path):
    old_snap, new_snap = small_snapshot(tmp_path / "old", 3), small_snapshot(tmp_path / "new", 2)
    work = tmp_path / "work"
    db = work / "aigap.duckdb"
    ingest(old_snap, db)
    old_bytes = db.read_bytes()
    old_store = stored(db)
    steps: list[str] = []
    new_count = ingest(new_snap, tmp_path / "reference.duckdb", progress=steps.append)["observations"]
    assert new_count != old_store[1]

    left = set()
    for k in range(1, len(steps) + 1):
        db.write_bytes(old_bytes)
        code, printed, stderr = run_aigap(["ingest", "--snapshot", new_snap, "--db", db], tmp_path, stop_after=k)
        assert code == -signal.SIGKILL and len(printed) == k, stderr
        leftovers = [n for n in names(work) if n != db.name]
        left.update(re.sub(r"tmp-\d+", "tmp-PID", n) for n in leftovers)
        # The new store counts once it has been renamed in; until then the old one stays, byte for byte.
        if any(m.startswith("store ready") for m in printed):
            assert stored(db) == (2, new_count)
        else:
            assert db.read_bytes() == old_bytes, f"killed after {printed[-1]!r}"

        messages: list[str] = []
        ingest(new_snap, db, progress=messages.append)
        if leftovers:
            assert any(m.startswith(f"removed {len(leftovers)} temporary file(s) left by killed ingest runs")
                       and all(n in m for n in leftovers) for m in messages), messages
        assert names(work) == [db.name]
        assert stored(db)[1] == new_count
    assert left == {"aigap.duckdb.tmp-PID", "aigap.duckdb.tmp-PID.wal"}  # both kinds were left, and removed


def test_ingest_removes_only_the_temporary_files_of_dead_runs(tmp_path, dead_pid):
    snap = small_snapshot(tmp_path / "snapshot", 2)
    db = tmp_path / "aigap.duckdb"
    ingest(snap, db)
    # A concurrent ingest, stopped mid-build (after "catalogue") with its temporary store open.
    running = subprocess.Popen([sys.executable, "-m", "aigap.cli", "ingest", "--snapshot", str(snap), "--db", str(db)],
                               env={**os.environ, "AIGAP_STOP_AFTER_STEP": "1"}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        _, status = os.waitpid(running.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status)
        live = tmp_path / f"aigap.duckdb.tmp-{running.pid}"
        assert live.exists()
        dead = [f"aigap.duckdb.tmp-{dead_pid}", f"aigap.duckdb.tmp-{dead_pid}.wal"]
        for name in dead:
            (tmp_path / name).write_bytes(b"left by a killed run")

        code, _, stderr = run_aigap(["ingest", "--snapshot", snap, "--db", db], tmp_path)
        assert code == 0, stderr
        assert f"removed 2 temporary file(s) left by killed ingest runs: {', '.join(dead)}" in stderr
        assert not any((tmp_path / name).exists() for name in dead)
        assert live.exists()  # the running ingest's file is not touched

        os.kill(running.pid, signal.SIGCONT)
        assert running.wait(timeout=300) == 0, running.stderr.read()
    finally:
        running.kill()
        running.wait()
        running.stderr.close()
    assert names(tmp_path) == ["aigap.duckdb", "snapshot"]
    assert stored(db) == (2, len(read_observations(snap)))


# Half-way states built by hand, for the instants between two progress lines (a folder half-written, half-deleted).

def fake_snapshot(path: Path, label: str, whole: bool = True) -> Path:
    (path / "observations").mkdir(parents=True)
    (path / "observations" / "x.csv").write_text(label, encoding="utf-8")
    if whole:
        (path / MANIFEST).write_text(label, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "leftovers, expected",
    [
        ({"old": True, "new": True}, "old"),     # killed between the renames: the old snapshot comes back
        ({"new": True}, "new"),                  # first snapshot, killed before its rename: the new one goes in
        ({"old": True, "new": False}, "old"),
        ({"new": False}, None),                  # only a half-written folder: nothing to restore
    ],
)
def test_repair_restores_a_missing_snapshot_from_a_whole_copy(tmp_path, dead_pid, leftovers, expected):
    out = tmp_path / "snapshot"
    for role, whole in leftovers.items():
        fake_snapshot(tmp_path / f"snapshot.{role}-{dead_pid}.tmp", role, whole)
    messages: list[str] = []
    repair(out, messages.append)
    if expected:
        assert (out / "observations" / "x.csv").read_text(encoding="utf-8") == expected
        assert messages[0].startswith(f"restored {out} from snapshot.{expected}-{dead_pid}.tmp")
        assert names(tmp_path) == ["snapshot"]
    else:
        assert names(tmp_path) == []
        with pytest.raises(IngestError, match="no observation files"):
            ingest(out, tmp_path / "aigap.duckdb")


@pytest.mark.parametrize("role", ["old", "new"])
def test_repair_keeps_the_snapshot_in_place_and_removes_half_copies(tmp_path, dead_pid, role):
    out = fake_snapshot(tmp_path / "snapshot", "current")
    fake_snapshot(tmp_path / f"snapshot.{role}-{dead_pid}.tmp", role, whole=False)  # half-deleted or half-written
    repair(out)
    assert names(tmp_path) == ["snapshot"]
    assert (out / "observations" / "x.csv").read_text(encoding="utf-8") == "current"


def test_repair_leaves_a_running_snapshot_alone(tmp_path):
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for role in ("old", "new"):
            fake_snapshot(tmp_path / f"snapshot.{role}-{running.pid}.tmp", role)
        repair(tmp_path / "snapshot")
        assert names(tmp_path) == [f"snapshot.new-{running.pid}.tmp", f"snapshot.old-{running.pid}.tmp"]
    finally:
        running.kill()
        running.wait()
