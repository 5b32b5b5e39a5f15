"""`aigap snapshot --download` against a local HTTP server on 127.0.0.1 — never the internet.

The server maps a URL *path* to a (status, body) pair; `--base-url` / `download.mirror` send every
publisher URL there with its path (and query) kept. The end-to-end tests serve, under each download
URL's path, the bytes of the matching real raw file and check that the derived snapshot is the shipped
one, byte for byte.
"""

from __future__ import annotations

import csv
import filecmp
import hashlib
import io
import os
import subprocess
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from aigap import catalogue
from aigap.download import DownloadError, fetch, mirror
from aigap.snapshot import DEFAULT_SNAPSHOT

LOOPBACK = "127.0.0.1,localhost"


# --------------------------------------------------------------------------------------------- server


class Mirror:
    """A tiny HTTP server: ``routes[path] = (status, body)``; every request path (with query) is logged."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes]] = {}
        self.requests: list[str] = []
        mirror_ = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                mirror_.requests.append(self.path)
                status, body = mirror_.routes.get(urlsplit(self.path).path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args) -> None:  # keep pytest output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Mirror":
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def server(monkeypatch):
    # urllib honours http_proxy: make sure loopback requests never go through one.
    monkeypatch.setenv("no_proxy", LOOPBACK)
    monkeypatch.setenv("NO_PROXY", LOOPBACK)
    with Mirror() as srv:
        yield srv


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------ mirror / fetch


def test_mirror_keeps_path_and_query_under_the_base_url():
    url = "https://api.worldbank.org/v2/en/indicator/NY.GDP.PCAP.CD?downloadformat=csv"
    assert mirror(url, None) == url
    assert mirror(url, "") == url
    expected = "http://127.0.0.1:8000/v2/en/indicator/NY.GDP.PCAP.CD?downloadformat=csv"
    assert mirror(url, "http://127.0.0.1:8000") == expected
    assert mirror(url, "http://127.0.0.1:8000/") == expected
    assert mirror("https://epoch.ai/data/gpu_clusters.csv", "http://h:1") == "http://h:1/data/gpu_clusters.csv"


def test_fetch_plain_file(server, tmp_path):
    body = b"Country Name,Country Code,Year,Value\nAruba,ABW,2020,1.5\n"
    server.routes["/data/file.csv"] = (200, body)
    target = tmp_path / "cache" / "some_source" / "file.csv"  # parent folders are created
    assert fetch(f"{server.url}/data/file.csv", target) == len(body)
    assert target.read_bytes() == body
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.csv"]  # no .part left behind
    assert server.requests == ["/data/file.csv"]


def test_fetch_overwrites_an_earlier_download(server, tmp_path):
    target = tmp_path / "file.csv"
    target.write_bytes(b"old")
    server.routes["/file.csv"] = (200, b"new,contents\n")
    fetch(f"{server.url}/file.csv", target)
    assert target.read_bytes() == b"new,contents\n"


def test_fetch_unpacks_a_world_bank_api_zip_into_the_folder(server, tmp_path):
    # What api.worldbank.org/v2/en/indicator/<CODE>?downloadformat=csv returns: a zip of the wide CSV
    # (numeric suffix of the current release) and two metadata files.
    members = {
        "API_NY.GDP.PCAP.CD_DS2_en_csv_v2_99999.csv": b'"Data Source","World Development Indicators",\n',
        "Metadata_Country_API_NY.GDP.PCAP.CD_DS2_en_csv_v2_99999.csv": b'"Country Code","Region",\n"ABW","x",\n',
        "Metadata_Indicator_API_NY.GDP.PCAP.CD_DS2_en_csv_v2_99999.csv": b'"INDICATOR_CODE",\n"NY.GDP.PCAP.CD",\n',
    }
    payload = zip_bytes(members)
    server.routes["/v2/en/indicator/NY.GDP.PCAP.CD"] = (200, payload)
    folder = tmp_path / "worldbank_wdi"
    url = mirror("https://api.worldbank.org/v2/en/indicator/NY.GDP.PCAP.CD?downloadformat=csv", server.url)
    size = fetch(url, folder / "API_NY.GDP.PCAP.CD_DS2_en_csv_v2_33610.csv")
    assert size == len(payload)
    # The members land next to the target, under their own names; the zip itself is not kept.
    assert files_under(folder) == members
    assert server.requests == ["/v2/en/indicator/NY.GDP.PCAP.CD?downloadformat=csv"]


def test_fetch_saves_an_xlsx_as_is_although_it_is_a_zip(server, tmp_path):
    # An .xlsx is a zip container (magic number PK\x03\x04): it must be saved, not unpacked.
    payload = zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    assert payload[:4] == b"PK\x03\x04"
    server.routes["/ddh-published/0037712/DR0090755/CLASS.xlsx"] = (200, payload)
    folder = tmp_path / "worldbank_class"
    fetch(f"{server.url}/ddh-published/0037712/DR0090755/CLASS.xlsx", folder / "CLASS.xlsx")
    assert files_under(folder) == {"CLASS.xlsx": payload}


def test_fetch_real_xlsx_is_byte_identical(server, tmp_path, raw_dir):
    payload = (raw_dir / "worldbank_class" / "CLASS.xlsx").read_bytes()
    assert payload[:4] == b"PK\x03\x04"
    server.routes["/CLASS.xlsx"] = (200, payload)
    fetch(f"{server.url}/CLASS.xlsx", tmp_path / "CLASS.xlsx")
    assert files_under(tmp_path) == {"CLASS.xlsx": payload}


@pytest.mark.parametrize(("status", "body", "words"), [
    (404, b"not found", "404"),
    (500, b"boom", "500"),
    (200, b"", "empty response"),
])
def test_fetch_failure_names_the_url_and_writes_nothing(server, tmp_path, status, body, words):
    server.routes["/v2/en/indicator/X.Y"] = (status, body)
    url = f"{server.url}/v2/en/indicator/X.Y?downloadformat=csv"
    with pytest.raises(DownloadError) as info:
        fetch(url, tmp_path / "src" / "x.csv")
    assert url in str(info.value)
    assert words in str(info.value)
    assert isinstance(info.value, OSError)  # the CLI reports OSErrors as "snapshot not written"
    assert not (tmp_path / "src").exists() or not any((tmp_path / "src").iterdir())


def test_fetch_unknown_path_is_a_404(server, tmp_path):
    url = f"{server.url}/nothing/here.csv"
    with pytest.raises(DownloadError, match="404") as info:
        fetch(url, tmp_path / "here.csv")
    assert url in str(info.value)


def test_fetch_connection_refused_names_the_url(tmp_path, monkeypatch):
    monkeypatch.setenv("no_proxy", LOOPBACK)
    with Mirror() as srv:
        url = f"{srv.url}/gone.csv"
    # the server is shut down and its socket closed: nobody listens on that port now
    with pytest.raises(DownloadError) as info:
        fetch(url, tmp_path / "gone.csv", timeout=5)
    assert url in str(info.value)
    assert not (tmp_path / "gone.csv").exists()


# ------------------------------------------------------------------------------------- end to end


def downloads() -> list[tuple[str, str, str, str]]:
    """(source id, folder, raw file name, URL) for every direct download in the catalogue."""
    return [(s.id, s.folder, name, url) for s in catalogue.sources().values() for name, url in s.downloads.items()]


def test_download_url_paths_are_distinct():
    # The mirror serves by path: two downloads with one path could not be told apart (nor could a user's mirror).
    paths = [urlsplit(url).path for *_rest, url in downloads()]
    assert len(paths) == len(set(paths))


def serve_raw_files(srv: Mirror, raw_dir: Path) -> None:
    for _sid, folder, name, url in downloads():
        srv.routes[urlsplit(url).path] = (200, (raw_dir / folder / name).read_bytes())


def run_snapshot(srv: Mirror, raw_dir: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "no_proxy": LOOPBACK, "NO_PROXY": LOOPBACK,
           # never the shipped snapshot (nor data/cache next to it), whatever goes wrong
           "AIGAP_SNAPSHOT": str(tmp_path / "default_snapshot")}
    return subprocess.run(
        [sys.executable, "-m", "aigap.cli", "snapshot", "--download", "--base-url", srv.url,
         "--cache", str(tmp_path / "cache"), "--raw", str(raw_dir), "--out", str(tmp_path / "snap")],
        capture_output=True, text=True, env=env, timeout=600,
    )


def differing(a: Path, b: Path) -> tuple[list[str], list[str]]:
    """(files present in only one tree, files present in both whose bytes differ)."""
    fa = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    fb = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    return sorted(fa ^ fb), sorted(f for f in fa & fb if not filecmp.cmp(a / f, b / f, shallow=False))


def read_inputs(path: Path) -> tuple[list[str], list[tuple[str, str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], [tuple(r) for r in rows[1:]]


def test_snapshot_download_reproduces_the_shipped_snapshot(server, raw_dir, tmp_path):
    serve_raw_files(server, raw_dir)
    proc = run_snapshot(server, raw_dir, tmp_path)
    assert proc.returncode == 0, proc.stderr

    # The derived snapshot is the shipped one, file for file and byte for byte — inputs.csv included:
    # the cache is laid out like the raw folder (downloads + the files copied from --raw), so it records
    # the same relative paths, sizes and checksums.
    assert differing(tmp_path / "snap", DEFAULT_SNAPSHOT) == ([], [])

    # The cache holds exactly the raw folder's files (SOURCE.md is copied too; inputs.csv ignores it).
    assert files_under(tmp_path / "cache") == files_under(raw_dir)

    # Every download was fetched once, from the mirror, with its query kept.
    expected = sorted(urlsplit(mirror(url, server.url)) for *_r, url in downloads())
    assert sorted(urlsplit(server.url + p) for p in server.requests) == expected

    # Progress on stderr: one line per fetched file naming the source, the file and the mirror URL, and one
    # per file copied from --raw for the sources with no direct download.
    lines = proc.stderr.splitlines()
    for sid, _folder, name, url in downloads():
        size = (raw_dir / _folder / name).stat().st_size
        wanted = f"{sid}: {name} ({size:,} bytes) from {mirror(url, server.url)}"
        assert any(wanted in line for line in lines), f"no progress line {wanted!r} in:\n{proc.stderr}"
    for source in catalogue.sources().values():
        if not source.downloads:
            assert any(line.strip().endswith(f"copied from {raw_dir} (no direct download)")
                       and f"{source.id}: " in line for line in lines), source.id
    n_obs = sum(len(f.read_text(encoding="utf-8").splitlines()) - 1
                for f in (DEFAULT_SNAPSHOT / "observations").glob("*.csv"))
    assert lines[-1] == f"snapshot: {n_obs:,} observations from {len(catalogue.sources()) - 2} sources"


def test_snapshot_download_with_real_world_bank_zips(server, raw_dir, tmp_path):
    """The World Bank API serves a zip per indicator, from a newer release (another numeric suffix) and with
    two metadata files: the observations are the same; only the two files that name raw files differ —
    inputs.csv (new names, the metadata members) and excluded_names.csv (new names)."""
    serve_raw_files(server, raw_dir)
    new_rows: set[tuple[str, str, str]] = set()
    renamed: dict[str, str] = {}
    for sid, folder, name, url in downloads():
        if not urlsplit(url).netloc == "api.worldbank.org":
            continue
        code = name.split("_DS2_")[0].removeprefix("API_")
        new_name = f"API_{code}_DS2_en_csv_v2_424242.csv"
        members = {
            new_name: (raw_dir / folder / name).read_bytes(),
            f"Metadata_Country_{new_name}": f'"Country Code","Region",\n"ABW","{code}",\n'.encode(),
            f"Metadata_Indicator_{new_name}": f'"INDICATOR_CODE",\n"{code}",\n'.encode(),
        }
        server.routes[urlsplit(url).path] = (200, zip_bytes(members))
        renamed[f"{folder}/{name}"] = f"{folder}/{new_name}"
        new_rows |= {(f"{folder}/{m}", str(len(b)), hashlib.sha256(b).hexdigest()) for m, b in members.items()}
    assert len(renamed) == 5  # four WDI series + high-tech exports

    proc = run_snapshot(server, raw_dir, tmp_path)
    assert proc.returncode == 0, proc.stderr

    only_one_side, changed = differing(tmp_path / "snap", DEFAULT_SNAPSHOT)
    assert only_one_side == [] and changed == ["excluded_names.csv", "inputs.csv"]
    # excluded_names.csv names the file each non-country was met in: the same rows, in the same order,
    # under the new release's file names.
    shipped_excluded = (DEFAULT_SNAPSHOT / "excluded_names.csv").read_text(encoding="utf-8")
    for old, new in renamed.items():
        assert old in shipped_excluded  # the World Bank aggregates (AFE, WLD...) of every wide file
        shipped_excluded = shipped_excluded.replace(old + ",", new + ",")
    assert (tmp_path / "snap" / "excluded_names.csv").read_text(encoding="utf-8") == shipped_excluded
    # inputs.csv: the shipped rows, with each World Bank file under its new release name, plus the metadata files.
    header, got = read_inputs(tmp_path / "snap" / "inputs.csv")
    ship_header, shipped = read_inputs(DEFAULT_SNAPSHOT / "inputs.csv")
    assert header == ship_header == ["file", "bytes", "sha256"]
    expected = {(f, b, s) for f, b, s in shipped if f not in renamed} | new_rows
    assert set(got) == expected and len(got) == len(expected)
    # The release name changed but the content did not: same checksums under the new names.
    by_file = {f: (b, s) for f, b, s in shipped}
    assert all(by_file[old] == {f: (b, s) for f, b, s in got}[new] for old, new in renamed.items())
    # The old release's file is not copied in from --raw (its name is a download), so the adapter finds one
    # file per indicator code.
    for old in renamed:
        assert not (tmp_path / "cache" / old).exists()


def test_a_failing_download_exits_nonzero_naming_the_url_and_leaves_out_untouched(server, raw_dir, tmp_path):
    serve_raw_files(server, raw_dir)
    sid, folder, name, url = next(d for d in downloads() if d[0] == "worldbank_wdi_extra")
    server.routes[urlsplit(url).path] = (500, b"internal error")
    out = tmp_path / "snap"
    out.mkdir()
    (out / "observations").mkdir()
    (out / "sentinel.csv").write_text("previous,snapshot\n", encoding="utf-8")
    before = files_under(out)

    proc = run_snapshot(server, raw_dir, tmp_path)

    assert proc.returncode == 1
    failed = mirror(url, server.url)
    assert failed.endswith("/v2/en/indicator/TX.VAL.TECH.MF.ZS?downloadformat=csv")
    assert "snapshot not written" in proc.stderr and failed in proc.stderr and "500" in proc.stderr
    assert files_under(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["observations", "sentinel.csv"]
    assert not list(tmp_path.glob("snap.*.tmp"))
    # The downloads before the failing one were fetched (and reported); nothing after it was tried.
    assert failed.removeprefix(server.url) == server.requests[-1]
    assert f"{sid}: {name} (" not in proc.stderr  # no success line for it
