"""The docs kept true by the code: the README's tables, docs/APP_GUIDE.md and docs/ADAPTER_GUIDE.md are read and
compared with what the app registers and what src/aigap/sources holds (as datasette's tests/test_docs.py does)."""

from __future__ import annotations

import importlib
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import pytest

from aigap import catalogue
from aigap.analysis import views
from aigap.snapshot import DEFAULT_SNAPSHOT, read_observations
from aigap.sources import ADAPTER_MODULES

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
APP_GUIDE = (REPO / "docs" / "APP_GUIDE.md").read_text(encoding="utf-8")
ADAPTER_GUIDE = (REPO / "docs" / "ADAPTER_GUIDE.md").read_text(encoding="utf-8")
PAGES_DIR = REPO / "src" / "aigap" / "app" / "pages"
SOURCES_DIR = REPO / "src" / "aigap" / "sources"
# Modules that build the country reference (snapshot.load_reference) rather than observations.
REFERENCE_MODULES = {"country_codes", "worldbank_class"}
MAX_PAGE_LINES = 400
SHAPING = re.compile(r"groupby\(|\.merge\(|pivot")


def section(text: str, heading: str) -> str:
    """The text under a markdown heading, up to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(heading)}\s*$", text, flags=re.MULTILINE)
    assert match, f"no heading {heading!r}"
    level = len(match.group(1))
    end = re.search(rf"^#{{1,{level}}} ", text[match.end():], flags=re.MULTILINE)
    return text[match.end(): match.end() + end.start() if end else None]


def table(text: str) -> list[list[str]]:
    """The body rows of the first markdown table in ``text``, as lists of cells."""
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("|")]
    assert len(lines) > 2 and set(lines[1]) <= set("|-: "), "no markdown table"
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def code(cell: str) -> list[str]:
    """The `code spans` of a table cell."""
    return re.findall(r"`([^`]+)`", cell)


def readme_page_paths() -> list[str]:
    """Paths in the README's page table, in its order (`/profile?country=BRA` is `/profile`)."""
    return [code(row[0])[0].split("?")[0] for row in table(section(README, "The dashboard"))]


def guide_pages() -> list[list[str]]:
    """(path, name, page module cell) rows of APP_GUIDE's page table."""
    return [[code(row[0])[0], row[1], row[2]] for row in table(section(APP_GUIDE, "The pages"))]


@pytest.fixture(scope="module")
def pages(dash_app) -> list[dict]:
    """The registered pages, in the order Dash keeps them (by ``order``)."""
    return list(dash.page_registry.values())


def module_file(page: dict) -> str:
    return f"pages/{page['module'].rsplit('.', 1)[-1]}.py"


def test_the_navigation_bar_links_every_registered_page(dash_app, pages):
    links = [(link.children, link.href) for link in dash_app.layout()._traverse() if isinstance(link, dbc.NavLink)]
    assert links == [(page["name"], page["relative_path"]) for page in pages]


def test_readme_page_table_lists_exactly_the_registered_pages(pages):
    listed = readme_page_paths()
    assert len(listed) == len(set(listed)), "a page listed twice in the README"
    assert sorted(listed) == sorted(page["path"] for page in pages)


def test_app_guide_lists_every_registered_page_with_its_name_and_module(pages):
    rows = {path: (name, modules) for path, name, modules in guide_pages()}
    assert sorted(rows) == sorted(page["path"] for page in pages)
    for page in pages:
        name, modules = rows[page["path"]]
        assert name == page["name"], page["path"]
        assert module_file(page) in modules, page["path"]


def test_the_navigation_order_is_the_documented_one(pages):
    in_bar = [page["path"] for page in pages]
    assert in_bar == readme_page_paths()
    assert in_bar == [path for path, _name, _modules in guide_pages()]


def test_every_view_page_has_a_registered_page(pages):
    """A view module's name is its page's path (the Overview is /), so /download/<name>.csv belongs to /<name>."""
    paths = {page["path"] for page in pages}
    missing = [name for name in views.PAGES if ("/" if name == "overview" else f"/{name}") not in paths]
    assert not missing


def test_every_view_module_is_in_the_app_guide():
    rows = " ".join(cell for row in table(section(APP_GUIDE, "The pages")) for cell in row)
    assert [name for name in views.PAGES if f"views/{name}.py" not in rows] == []


def test_adapter_guide_lists_every_source_module_with_its_sources():
    on_disk = {p.stem for p in SOURCES_DIR.glob("*.py")} - {"__init__", "base"}
    assert on_disk == set(ADAPTER_MODULES) | REFERENCE_MODULES
    rows = table(section(ADAPTER_GUIDE, "The adapters"))
    listed = {code(row[0])[0]: set(code(row[1])) for row in rows}
    assert len(listed) == len(rows) and set(listed) == on_disk
    for name, ids in listed.items():
        module = importlib.import_module(f"aigap.sources.{name}")
        declared = getattr(module, "SOURCES", None) or (module.SOURCE,)
        assert ids == {source.id for source in declared}, name


def test_readme_data_source_table_lists_every_source():
    rows = table(section(README, "Data sources"))
    ids = [source_id for row in rows for source_id in code(row[0])]
    assert len(ids) == len(set(ids)), "a source listed twice in the README"
    assert set(ids) == set(catalogue.sources())


@pytest.mark.parametrize("path", sorted(PAGES_DIR.glob("*.py")), ids=lambda p: p.name)
def test_a_page_module_only_lays_out(path):
    """APP_GUIDE's rule: layout and wiring only, no data shaping, under MAX_PAGE_LINES lines."""
    text = path.read_text(encoding="utf-8")
    shaping = [f"{n}: {line.strip()}" for n, line in enumerate(text.splitlines(), 1) if SHAPING.search(line)]
    assert not shaping
    assert len(text.splitlines()) <= MAX_PAGE_LINES


def test_every_environment_variable_in_the_guides_is_read_by_the_code():
    code_text = "".join(p.read_text(encoding="utf-8") for p in (REPO / "src" / "aigap").rglob("*.py"))
    code_text += (REPO / "tests" / "conftest.py").read_text(encoding="utf-8")
    named = set(re.findall(r"\bAIGAP_[A-Z_]+\b", APP_GUIDE + ADAPTER_GUIDE + README))
    assert named and {name for name in named if f'"{name}"' not in code_text} == set()


def test_ingest_logs_at_the_level_the_guide_gives(tmp_path):
    """APP_GUIDE: `AIGAP_LOG_LEVEL=INFO aigap ingest` logs the ingest with its counts; by default nothing is logged."""
    def ingest(level: str | None) -> str:
        env = {k: v for k, v in os.environ.items() if k != "AIGAP_LOG_LEVEL"} | {"AIGAP_DB": str(tmp_path / "db")}
        if level:
            env["AIGAP_LOG_LEVEL"] = level
        proc = subprocess.run([sys.executable, "-m", "aigap.cli", "ingest"], capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr
        return proc.stderr

    assert "AIGAP_LOG_LEVEL=INFO aigap ingest" in APP_GUIDE
    quiet, loud = ingest(None), ingest("INFO")
    assert "store ready" in quiet and "INFO" not in quiet
    assert f"INFO aigap.ingest: ingest run 2: {len(read_observations(DEFAULT_SNAPSHOT))} observations" in loud
    assert "store ready" in loud  # the progress lines stay as they are


def test_an_unknown_log_level_falls_back_to_warning(monkeypatch, caplog):
    from aigap import cli

    monkeypatch.setenv("AIGAP_LOG_LEVEL", "chatty")
    with caplog.at_level(logging.WARNING, logger="aigap.cli"):
        cli._configure_logging()
    assert "AIGAP_LOG_LEVEL='CHATTY' is not a logging level; using WARNING" in caplog.text
