"""Time each page's view functions on parameters not seen before (cache misses). Run from the repository root:

    .venv/bin/python benchmarks/view_misses.py --samples 40 --pages compare,profile,explorer,data,gap

Prints per page p50/p95 ms. Per-store-file memos (Frames.memo -> Store.memo) are warm, as in a long-running server: a warm-up pass over
different random parameters (same rng family) runs first; the view-result memo is NOT used (views.compute).
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode  # noqa

REPO = Path(__file__).resolve().parents[1]  # the repository root when this file is benchmarks/view_misses.py
import os; sys.path.insert(0, os.environ.get("SRC", str(REPO / "src")))

import numpy as np

from aigap.analysis import views
from aigap.app.views import build_frames
from aigap.store import Store

COUNTRIES = ["USA", "CHN", "IND", "BRA", "ZAF", "IDN", "DEU", "FRA", "GBR", "JPN", "KOR", "CAN", "ITA", "MEX", "TUR",
             "SAU", "ARG", "AUS", "NGA", "KEN", "EGY", "VNM", "SGP", "ARE", "ISR", "ESP", "NLD", "SWE", "POL", "CHL",
             "COL", "PER", "PAK", "BGD", "ETH", "GHA", "MAR", "THA", "MYS", "PHL", "NZL", "IRL", "FIN", "NOR", "CHE"]
# the tables each page's callbacks compute
TABLES = {"compare": ["lines"], "profile": ["profile", "series"], "explorer": ["points"],
          "data": ["observations", "coverage", "aggregates"], "gap": ["gap", "trend", "points", "concentration",
                                                                     "blocs"],
          "index": ["ranking", "weights", "map", "robustness", "comparison", "pairs", "inputs"]}


def queries(page, ind, rng):
    pick = rng.choice
    cs = lambda lo, hi: ",".join(rng.sample(COUNTRIES, rng.randint(lo, hi)))
    def years():
        a = rng.randint(1995, 2018)
        return {"from": a, "to": rng.randint(a + 3, 2025)}
    return {
        "compare": lambda: {"indicator": pick(ind), "countries": cs(2, 7), **years(),
                            "mode": pick(["absolute", "per_capita", "per_gdp", "share_world"])},
        "profile": lambda: {"country": pick(COUNTRIES), "peer": pick(COUNTRIES)},
        "explorer": lambda: {"x": pick(ind), "y": pick(ind), "year": rng.randint(2012, 2025), "highlight": cs(1, 3),
                             "xmode": pick(["absolute", "per_capita"]), "lag": rng.randint(0, 4)},
        "data": lambda: {"indicator": pick(ind), "country": cs(1, 8), "from": rng.randint(1995, 2020)},
        "index": lambda: {"year": rng.randint(2018, 2025), "lag": rng.randint(0, 5), "min": rng.randint(2, 5)},
        "gap": lambda: {"indicator": pick(ind), "countries": cs(2, 6), **years(),
                        "ref": pick(["USA", "CHN", "G7", "leader"]), "conc": pick(["ai_vc_investment",
                                                                                  "top500_rmax",
                                                                                  "notable_ai_models"]),
                        "mode": pick(["absolute", "per_capita"])},
    }[page]()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--pages", default="compare,profile,explorer,data,gap,index")
    ap.add_argument("--profile", default="")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--warm", type=int, default=200)
    ap.add_argument("--no-warm", action="store_true")
    a = ap.parse_args()
    store = Store(REPO / "data" / "aigap.duckdb")
    frames = build_frames(store)
    ind = list(frames.indicators.index)
    for page in a.pages.split(","):
        rng = random.Random(a.seed)
        warm = [views.parse(page, queries(page, ind, rng), frames, strict=False) for _ in range(a.warm)]
        samples = [views.parse(page, queries(page, ind, rng), frames, strict=False) for _ in range(a.samples)]
        if not a.no_warm:
            for _t, p in warm:
                for t in TABLES[page]:
                    views.compute(page, t, p, frames)
        prof = cProfile.Profile() if page in a.profile.split(",") else None
        times = []
        for _t, p in samples:
            t0 = time.process_time()
            if prof:
                prof.enable()
            for t in TABLES[page]:
                views.compute(page, t, p, frames)
            if prof:
                prof.disable()
            times.append(1000 * (time.process_time() - t0))
        print(f"{page:9s} n={len(times)} p50 {np.percentile(times, 50):7.1f} ms  p95 {np.percentile(times, 95):7.1f}"
              f" ms  max {max(times):7.1f} ms", flush=True)
        if prof:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
