"""The country brief: every number on the page traced to the view functions it comes from (the index, the
profile, ``measures.rank``), for a large, a middle and a small country; not enough data; the route; the PDF."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from typer.testing import CliRunner

from aigap.analysis import presets as P
from aigap.analysis.measures import rank
from aigap.analysis.views import brief as B, index as vi, profile as vp
from aigap.app.brief import render
from aigap.cli import app as cli
from test_summaries import numbers, shows

COUNTRIES = ["USA", "POL", "RWA"]  # large; middle; small, low income


class Page(HTMLParser):
    """Numbers (data-key), catalogue labels (data-label), notes (data-note) and the text outside all of them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None, dict]] = []
        self.numbers: dict[str, tuple[str, str]] = {}
        self.loose: list[str] = []
        self.notes: list[str] = []
        self.summary = ""
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        mark = next((k for k in ("data-key", "data-label", "data-note", "data-summary") if k in attrs), None)
        self.stack.append((tag, mark, attrs))
        if mark:
            self.text = []

    def handle_endtag(self, tag):
        while self.stack:
            name, mark, attrs = self.stack.pop()
            if mark == "data-key":
                self.numbers[attrs["data-key"]] = (attrs["data-value"], "".join(self.text))
            elif mark == "data-note":
                self.notes.append("".join(self.text))
            elif mark == "data-summary":
                self.summary = "".join(self.text)
            if name == tag:
                return

    def handle_data(self, data):
        self.text.append(data)
        marks = [m for _, m, _ in self.stack]
        if not any(marks) and not any(t in ("style", "title") for t, _, _ in self.stack):
            self.loose.append(data)


@pytest.fixture(scope="module")
def pages(store_frames):
    return {iso: Page(render(B.Params(iso), store_frames)) for iso in [*COUNTRIES, "TUV"]}


def value(page: Page, key: str) -> float:
    raw, _ = page.numbers[key]
    return float(raw)


@pytest.mark.parametrize("iso", COUNTRIES)
def test_every_shown_number_is_its_raw_value(pages, iso):
    page = pages[iso]
    assert len(page.numbers) > 60
    for key, (raw, shown) in page.numbers.items():
        if key.endswith((".period", ".sources", ".no", ".years")):
            assert shown == raw or shown == raw.replace("-", "–"), key
        elif raw == "":
            assert shown == "–", key
        else:
            assert shows(shown, float(raw)), (key, raw, shown)


@pytest.mark.parametrize("iso", COUNTRIES)
def test_no_number_outside_a_traced_element(pages, iso):
    loose = " ".join(pages[iso].loose).replace("0–100", "").replace("A4", "")  # headings, the paper link
    assert not re.search(r"\d", loose), re.findall(r".{20}\d.{20}", loose)


@pytest.mark.parametrize("iso", COUNTRIES)
def test_pillar_standing_matches_the_index(pages, store_frames, iso):
    page = pages[iso]
    ip = vi.Params(P.PRESETS["equal"].choice)
    ranking = vi.ranking_table(ip, store_frames).table.set_index("iso3")
    income = store_frames.countries.set_index("iso3")["wb_income_group"]
    peers = set(income[income == income[iso]].index)
    scored = ranking[ranking["enough_data"]]
    assert value(page, "pillars.index.rank") == ranking.loc[iso, "rank"]
    assert value(page, "pillars.index.of") == len(scored)
    assert value(page, "pillars.index.score") == pytest.approx(ranking.loc[iso, "score"])
    assert value(page, "pillars.index.peer_median") == pytest.approx(scored.loc[scored.index.isin(peers),
                                                                                "score"].median())
    for pillar in ip.spec.pillars():
        scores = ranking[pillar].dropna()
        ranked = rank(scores.rename("value").rename_axis("iso3").reset_index()).set_index("iso3")
        key = f"pillars.{pillar}"
        assert value(page, f"{key}.rank") == ranked.loc[iso, "rank"]
        assert value(page, f"{key}.of") == len(scores)
        assert value(page, f"{key}.percentile") == pytest.approx(ranked.loc[iso, "percentile"])
        assert value(page, f"{key}.leader_score") == pytest.approx(scores.max())
        assert value(page, f"{key}.gap_to_leader") == pytest.approx(scores.max() - scores[iso])
        median = scores[scores.index.isin(peers)].median()
        assert value(page, f"{key}.peer_median") == pytest.approx(median)
        assert value(page, f"{key}.vs_peer_median") == pytest.approx(scores[iso] - median)
    assert page.numbers["pillars.index.period"][0] == f"{ip.spec.year - ip.spec.max_lag}–{ip.spec.year}"


@pytest.mark.parametrize("iso", COUNTRIES)
def test_gaps_match_the_profile_and_cite_their_source(pages, store_frames, iso):
    page = pages[iso]
    profile = vp.profile_view(vp.Params(country=iso), store_frames).table.set_index("indicator_id")
    sources = B.sources_table(B.Params(iso), store_frames).table.set_index("no")["source_id"]
    assert {int(k.split(".")[1]) for k in page.numbers if k.startswith("sources.")} == set(sources.index)
    ids = sorted({k.split(".")[1] for k in page.numbers if k.startswith("gaps.")})
    assert len(ids) == 6
    shown = {}
    for ind in ids:
        row = profile.loc[ind]
        for col in ("value", "rank", "of", "percentile", "leader_value", "gap_ratio"):
            assert value(page, f"gaps.{ind}.{col}") == pytest.approx(float(row[col])), (ind, col)
        assert page.numbers[f"gaps.{ind}.period"][0] == row["period"]
        shown[ind] = row["percentile"]
        no = int(page.numbers[f"gaps.{ind}.sources"][0])
        assert sources[no] == store_frames.indicator(ind)["source_id"], ind
    largest = [k.split(".")[1] for k in page.numbers if k.startswith("gaps.") and k.endswith(".rank")][:3]
    assert max(shown[i] for i in largest) <= min(v for i, v in shown.items() if i not in largest)


@pytest.mark.parametrize("iso", COUNTRIES)
def test_summary_and_notes_say_the_tables_numbers(pages, iso):
    page = pages[iso]
    assert shows(page.summary, value(page, "pillars.index.score"))
    assert shows(page.summary, value(page, "pillars.index.peer_median"))
    assert f"of {int(value(page, 'pillars.index.of'))} countries" in page.summary
    allowed = {0, 1, 3, 5, 10, 100, 2022, 2025}
    for note in page.notes:
        assert {v for v, _ in numbers(note)} <= allowed, note


def test_a_country_without_enough_data_says_so(pages, store_frames):
    page = pages["TUV"]
    assert any(note.startswith("Not enough data for a brief on Tuvalu") for note in page.notes)
    assert not any(k.startswith(("pillars.", "gaps.")) for k in page.numbers)
    assert not B.pillars_table(B.Params("TUV"), store_frames).meta["enough"]


def test_the_route_serves_the_page_and_refuses_unknown_codes(dash_app):
    client = dash_app.server.test_client()
    ok = client.get("/brief/bra?paper=letter")
    assert ok.status_code == 200 and ok.mimetype == "text/html"
    body = ok.get_data(as_text=True)
    assert "AI-gap brief: Brazil" in body and "size: letter" in body and "<script" not in body
    missing = client.get("/brief/XXX")
    assert missing.status_code == 404 and missing.get_json()["status"] == 404
    bad = client.get("/brief/BRA?paper=a3")
    assert bad.status_code == 400 and "paper" in bad.get_json()["error"]


def test_the_cli_prints_one_page_pdf(store_db, tmp_path):
    out = tmp_path / "brief.pdf"
    result = CliRunner().invoke(cli, ["brief", "pol", "-o", str(out), "--paper", "letter", "--db", str(store_db)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data[:5] == b"%PDF-"
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", data)) == 1
    html = tmp_path / "brief.html"
    assert CliRunner().invoke(cli, ["brief", "POL", "-o", str(html), "--db", str(store_db)]).exit_code == 0
    assert "size: A4" in html.read_text()
    refused = CliRunner().invoke(cli, ["brief", "XXX", "-o", str(html), "--db", str(store_db)])
    assert refused.exit_code == 2
