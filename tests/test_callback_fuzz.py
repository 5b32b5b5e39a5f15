"""Callbacks fail closed: every registered Dash callback, posted wrong-typed and oversized values for each of its
inputs and states (pattern-matching ones too, with the concrete ids the page layouts hold), answers 2xx or 4xx,
never 5xx, and never with a traceback. The requests go to the real app over the test store.

The last line of defence (aigap.app.guard turning an exception inside a callback into 400 and one log line) must
not be what keeps these requests from failing: the test counts how often it fires (run with -s to see the tally)
and fails if it fires at all; the callbacks answer bad values themselves.
"""

from __future__ import annotations

import json
import logging
from collections import Counter

import dash
import pytest
from dash._utils import split_callback_id
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from aigap.analysis import views
from aigap.app import guard
from aigap.app.api import MAX_BODY

CALLBACK_PATH = "/_dash-update-component"
TRACEBACK_MARKS = ("Traceback", 'File "')
# The largest legitimate callback body, measured by test_the_largest_legitimate_body_is_far_below_the_limit
# (every control of every page at its layout value, each multi-select holding all its options): 14,294 bytes, the
# Index page's on_controls with every indicator row's checkbox, form and weight. The limit is 1 MB (api.MAX_BODY).
LEGIT_MAX = 64 * 1024

# -- values a hostile client might send ------------------------------------------------------------------------
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(["", " ", "none", "all", "ALL", "²⁰²⁰", "２０２０", "-1", "1e309", "NaN", "null", "[]", "{}",
                     "USA,CHN,", ",,,", "?a=1&a=2&year=²⁰²⁰", "%00", "\x00", "<script>alert(1)</script>",
                     "../../etc/passwd", "'; DROP TABLE observations; --", "ai_vc_investment", "USA", "G7",
                     "per_capita", "absolute", "2020"]),
)


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


_HUGE = st.sampled_from([  # each far over the view layer's limits (2,000 characters, 300 items), under 1 MB
    "x" * 100_000,                           # one long string
    "USA," * 20_000,                         # a long list in one string
    ["USA"] * 10_000,                        # a long list
    list(range(20_000)),
    {f"k{i}": i for i in range(3_000)},      # a wide object
    _nested(25),                             # a deep list (deeper than guard.MAX_DEPTH is refused as a whole)
    {"points": [{"location": "USA", "customdata": ["x"] * 1000}] * 20},
])
_PARAMS = sorted({key for page in views.PAGES for key in views.module(page).PARAMS} | {"table"})
_SEARCH = st.lists(st.tuples(st.sampled_from(_PARAMS), _SCALARS.map(str)), max_size=6).map(  # a URL's query
    lambda pairs: "?" + "&".join(f"{k}={v}" for k, v in pairs))
_CLICK = st.fixed_dictionaries({"points": st.lists(st.dictionaries(  # a graph's clickData, its parts of any type
    st.sampled_from(["location", "customdata", "x", "y", "pointNumber"]), _SCALARS), max_size=2) | _SCALARS})
BAD = st.one_of(
    st.recursive(_SCALARS, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids,
                                                                                       max_size=4), max_leaves=6),
    _SEARCH, _CLICK, _HUGE,
)


# -- the callbacks and the components they talk to, from the app itself ------------------------------------------
def _components(app: dash.Dash) -> list:
    """Every component of the app shell and of each page's default layout."""
    roots = [app.layout() if callable(app.layout) else app.layout]
    roots += [page["layout"]() for page in dash.page_registry.values()]
    found = []
    for root in roots:
        found.append(root)
        found.extend(root._traverse())
    return found


def _matches(pattern: dict, concrete: object) -> bool:
    return (isinstance(concrete, dict) and set(concrete) == set(pattern)
            and all(isinstance(v, list) or concrete[k] == v for k, v in pattern.items()))


class Slot:
    """One input, state or output of a callback: a plain id, or a pattern and the concrete ids it matches."""

    def __init__(self, dep: dict, components: list) -> None:
        self.property = dep["property"]
        self.pattern = json.loads(dep["id"]) if dep["id"].startswith("{") else None
        # MATCH: one component a request, named alone (not in a list), with the same wildcard values in every slot
        self.match = bool(self.pattern) and ["MATCH"] in self.pattern.values()
        prop = self.property.split("@")[0]
        if self.pattern is None:
            self.ids = [dep["id"]]
            hits = [c for c in components if getattr(c, "id", None) == dep["id"]]
        else:
            hits = [c for c in components if _matches(self.pattern, getattr(c, "id", None))]
            self.ids = [c.id for c in hits]
        self.values = [getattr(c, prop, None) for c in hits] or [None]

    def names(self, ids: list | None = None) -> dict | list:
        """The slot as the renderer names it among the outputs."""
        items = [{"id": i, "property": self.property} for i in (self.ids if ids is None else ids)]
        return items if self.pattern and not self.match else items[0]

    def entry(self, ids: list | None = None, values: list | None = None) -> dict | list:
        """The slot as the renderer posts it among the inputs or state: with values (cycled over the ids)."""
        values = self.values if values is None else values
        named = self.names(ids)
        if self.pattern is None or self.match:
            return {**named, "value": values[0]}
        return [{**item, "value": values[n % len(values)]} for n, item in enumerate(named)]

    def prop_id(self, ids: list | None = None) -> str:
        ids = self.ids if ids is None else ids
        key = (json.dumps(ids[0], sort_keys=True, separators=(",", ":"), ensure_ascii=False)  # as the renderer
               if self.pattern else ids[0])
        return f"{key}.{self.property}"


class Callback:
    """A registered callback with its outputs, inputs and state found in the layouts; builds request bodies."""

    def __init__(self, output: str, spec: dict, components: list) -> None:
        self.output = output
        self.own = spec["callback"].__module__.startswith("aigap.")  # our code, not Dash's page router
        outputs = split_callback_id(output)
        self.multi = isinstance(outputs, list)
        self.outputs = [Slot(o, components) for o in (outputs if self.multi else [outputs])]
        self.inputs = [Slot(d, components) for d in spec["inputs"]]
        self.state = [Slot(d, components) for d in spec["state"]]

    def body(self, inputs: list | None = None, state: list | None = None, trigger: int = 0,
             pattern_ids: dict | None = None) -> dict:
        """A request body: the layout's values unless ``inputs``/``state`` give others (a list of values per slot);
        ``pattern_ids`` swaps the concrete ids of a pattern type (in inputs and outputs alike, as a page would)."""
        swap = pattern_ids or {}

        def ids(slot: Slot):
            return swap.get(slot.pattern["type"]) if slot.pattern else None

        outputs = [o.names(ids(o)) for o in self.outputs]
        ins = [s.entry(ids(s), v) for s, v in zip(self.inputs, inputs or [None] * len(self.inputs))]
        sts = [s.entry(ids(s), v) for s, v in zip(self.state, state or [None] * len(self.state))]
        trigger_slot = self.inputs[trigger % len(self.inputs)]
        trigger_ids = ids(trigger_slot)
        changed = [trigger_slot.prop_id(trigger_ids)] if trigger_ids != [] else []
        return {"output": self.output, "outputs": outputs if self.multi else outputs[0], "inputs": ins,
                "state": sts, "changedPropIds": changed}


@pytest.fixture(scope="module")
def client(dash_app):
    client = dash_app.server.test_client()
    assert client.get("/").status_code == 200  # the first request registers the pages' callbacks
    return client


@pytest.fixture(scope="module")
def callbacks(dash_app, client) -> list[Callback]:
    components = _components(dash_app)
    found = [Callback(k, v, components) for k, v in dash_app.callback_map.items() if "callback" in v]
    assert len(found) >= 20 and sum(cb.own for cb in found) >= 19
    return found


class Net(logging.Handler):
    """Counts the safety net's log lines (logger ``aigap.app``), per callback posted."""

    def __init__(self) -> None:
        super().__init__()
        self.fired: Counter = Counter()
        self.output = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "aigap.app" and record.getMessage().startswith("callback failed"):
            self.fired[self.output] += 1


@pytest.fixture(scope="module")
def tally():
    """Answers by status and safety-net firings over the module, printed at the end (run with -s to see them)."""
    counts = {"status": Counter(), "net": Counter()}
    yield counts
    print(f"\nanswers by status: {dict(counts['status'])}; safety net fired {sum(counts['net'].values())} times: "
          f"{dict(counts['net'])}")


@pytest.fixture()
def net(tally):
    handler = Net()
    logger = logging.getLogger("aigap.app")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    tally["net"].update(handler.fired)


def post(client, payload, content_type: str = "application/json"):
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(CALLBACK_PATH, data=data, content_type=content_type)


def check(response, what: str) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code < 500, f"{what}: {response.status_code} {text[:300]}"
    assert not any(mark in text for mark in TRACEBACK_MARKS), f"{what}: traceback in the answer: {text[:300]}"


# -- the tests --------------------------------------------------------------------------------------------------
def test_every_callback_answers_its_layout_values(client, callbacks, net):
    """The harness is right: the bodies it builds from the layouts are what the callbacks accept (so the fuzzed
    requests below reach the callbacks, not only a refusal of a malformed request)."""
    for cb in callbacks:
        for trigger in range(len(cb.inputs)):
            net.output = cb.output
            response = post(client, cb.body(trigger=trigger))
            assert response.status_code in (200, 204), (cb.output, response.status_code, response.get_data()[:300])
    assert not net.fired


def _forged_url(slot: Slot, values: list) -> bool:
    """A value the envelope refuses: a URL's path or query string that is no text of its form."""
    prefix = guard.URL_PROPS.get(slot.property) if slot.pattern is None else None
    return prefix is not None and any(v is not None and not (isinstance(v, str) and v.startswith(prefix))
                                      for v in values)


# No shrinking: an example is a request to each of ~20 callbacks, and shrinking one takes minutes; the failure
# message names the callback and its answer.
@settings(max_examples=15, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_wrong_typed_and_oversized_values_never_give_a_server_error(client, callbacks, net, tally, data):
    """Each example posts once to every callback, some of its values (or pattern-matched ids) replaced. Every
    callback answers them itself (200, or 204 for nothing to do), without the safety net; the envelope refuses
    only a forged URL value (400), and only a body over 1 MB is too large (413). Dash's page router, given a
    page's path, calls that page's layout with the fuzzed query string."""
    paths = [page["relative_path"] for page in dash.page_registry.values()]

    def values(slots: list[Slot]) -> list:
        """Per slot: the layout's values (a page's path for a URL's), some of them replaced by bad ones."""
        out = []
        for slot in slots:
            fuzzed = [data.draw(st.sampled_from(paths))] if slot.property == "pathname" else list(slot.values)
            if data.draw(st.integers(0, 2), label="fuzz this slot?"):
                for n in data.draw(st.lists(st.integers(0, len(fuzzed) - 1), min_size=1, max_size=3)):
                    fuzzed[n] = data.draw(BAD)
            out.append(fuzzed)
        return out

    for cb in callbacks:
        ins, sts = values(cb.inputs), values(cb.state)
        trigger = data.draw(st.integers(0, len(cb.inputs) - 1))
        swap = {}
        for slot in cb.inputs:  # sometimes fewer pattern-matched components, or ids no page has
            if slot.match and data.draw(st.booleans()):  # another component of the pattern, in every slot at once
                other = data.draw(st.sampled_from(slot.ids) | st.fixed_dictionaries(
                    {k: st.text(max_size=20) | st.integers() for k in slot.pattern if k != "type"}))
                for s in cb.outputs + cb.inputs + cb.state:
                    if s.match:
                        swap[s.pattern["type"]] = [{**other, "type": s.pattern["type"]}]
            elif slot.pattern and not slot.match and data.draw(st.booleans()):
                keep = data.draw(st.lists(st.sampled_from(slot.ids), max_size=3, unique_by=json.dumps))
                wild = st.fixed_dictionaries({k: st.text(max_size=20) | st.integers() for k in slot.pattern
                                              if k != "type"})
                extra = data.draw(st.lists(wild.map(lambda d, t=slot.pattern["type"]: {**d, "type": t}),
                                           max_size=2, unique_by=json.dumps))
                swap[slot.pattern["type"]] = keep + [e for e in extra if e not in keep]
        net.output = cb.output
        body = json.dumps(cb.body(ins, sts, trigger, swap)).encode()
        response = post(client, body)
        check(response, cb.output)
        tally["status"][response.status_code] += 1
        forged = any(map(_forged_url, cb.inputs + cb.state, ins + sts))
        expected = {413} if len(body) > MAX_BODY else {400} if forged else {200, 204}
        assert response.status_code in expected, (cb.output, response.status_code, response.get_data()[:300])
        assert not net.fired, dict(net.fired)


def test_malformed_requests_get_4xx(client, callbacks, net):
    """Not JSON, too deep, or JSON no renderer sends: refused with the JSON error shape before any callback runs."""
    good = next(cb for cb in callbacks if cb.output.startswith("..ov-map")).body()
    index = next(cb for cb in callbacks if cb.output.startswith("..ix-preset"))
    ix_good = index.body()
    use = next(n for n, slot in enumerate(index.inputs) if slot.pattern and slot.pattern["type"] == "ix-use")
    bad_bodies = {
        "not json": b"{'output': ",
        "deep beyond the parser": b"[" * 100_000,
        "deep beyond MAX_DEPTH": {**good, "inputs": [{**good["inputs"][0], "value": _nested(40)}, *good["inputs"][1:]]},
        "a list": [good],
        "a string": "x",
        "no output": {k: v for k, v in good.items() if k != "output"},
        "unknown output": {**good, "output": "nope.children"},
        "output not text": {**good, "output": ["ov-map.figure"]},
        "no inputs": {k: v for k, v in good.items() if k != "inputs"},
        "inputs not a list": {**good, "inputs": {"a": 1}},
        "too few inputs": {**good, "inputs": good["inputs"][:1]},
        "input not an object": {**good, "inputs": [1, 2, 3, 4]},
        "input of another component": {**good, "inputs": [{"id": "x", "property": "value", "value": 1}] * 4},
        "outputs not a list": {**good, "outputs": "ov-map.figure"},
        "changedPropIds not a list": {**good, "changedPropIds": "ov-year.value"},
        "changedPropIds not an input": {**good, "changedPropIds": ["{bad.value"]},
        "pattern input not a list": {**ix_good, "inputs": [*ix_good["inputs"][:use], ix_good["inputs"][use][0],
                                                           *ix_good["inputs"][use + 1:]]},
        "pattern id of another shape": index.body(pattern_ids={"ix-use": [{"type": "ix-use", "ind": ["x"]}]}),
        "pattern ids differing between outputs and inputs": {**ix_good, "inputs": [
            *ix_good["inputs"][:use], ix_good["inputs"][use][1:], *ix_good["inputs"][use + 1:]]},
    }
    router = next(cb for cb in callbacks if not cb.own)  # Dash's page router reads the URL before our code
    bad_bodies |= {"path not text": router.body(inputs=[[["/"]], None]),
                   "path not a path": router.body(inputs=[["profile"], None]),
                   "query string not text": router.body(inputs=[["/"], [{"country": "USA"}]])}
    for name, payload in bad_bodies.items():
        response = post(client, payload)
        check(response, name)
        assert 400 <= response.status_code < 500, (name, response.status_code)
        assert response.get_json()["status"] == response.status_code, name
        assert response.get_json()["error"].startswith("bad callback request"), name
    assert post(client, good, content_type="text/plain").status_code == 415
    assert not net.fired


@pytest.mark.parametrize("click, answer", [
    ({"points": [{"customdata": "BRA", "x": 3.0}]}, "/profile?country=BRA"),
    ({"points": [{"customdata": "<script>", "x": 3.0}]}, None),   # no country: nothing to open
    ({"points": [{"customdata": "XXX"}]}, None),
    ({"points": "BRA"}, None),
    ({"points": [["BRA"]]}, None),
    ("BRA", None),
])
def test_a_click_opens_a_profile_only_for_a_country_of_the_store(client, callbacks, click, answer):
    explorer = next(cb for cb in callbacks if cb.inputs[0].ids == ["exp-graph"])
    response = post(client, explorer.body(inputs=[[click]]))
    if answer is None:
        assert response.status_code == 204
    else:
        assert response.get_json()["response"]["nav"]["href"] == answer


def test_a_body_over_1_mb_gets_413(client):
    response = post(client, b"[" * (10 * 1024 * 1024))
    assert response.status_code == 413
    assert response.get_json()["status"] == 413  # the API's JSON error shape


def test_the_safety_net_answers_400_with_one_log_line(client, monkeypatch, caplog):
    """An exception inside a callback (none of the app's raises on any input above, so a small app with one that
    does) is 400 with the JSON error shape and one log line, no traceback."""
    monkeypatch.setattr(dash._get_app, "APP", dash._get_app.APP)  # a new Dash app sets these: keep the app's
    monkeypatch.setattr(dash._get_paths, "CONFIG", dash._get_paths.CONFIG)
    monkeypatch.setattr(dash._pages, "CONFIG", dash._pages.CONFIG)
    small = dash.Dash(__name__)
    small.layout = dash.html.Div([dash.html.Button(id="go"), dash.html.Div(id="out")])
    small.callback(dash.Output("out", "children"), dash.Input("go", "n_clicks"))(lambda n: 1 / n)
    guard.register(small)
    body = {"output": "out.children", "outputs": {"id": "out", "property": "children"},
            "inputs": [{"id": "go", "property": "n_clicks", "value": 0}], "changedPropIds": ["go.n_clicks"]}
    small_client = small.server.test_client()
    assert post(small_client, {**body, "inputs": [{**body["inputs"][0], "value": 2}]}).get_json() == {
        "response": {"out": {"children": 0.5}}, "multi": True}
    with caplog.at_level(logging.WARNING, logger="aigap.app"):
        response = post(small_client, body)
    check(response, "a callback dividing by zero")
    assert response.status_code == 400
    assert response.get_json() == {"error": "bad callback request: the values given do not fit this callback",
                                   "status": 400}
    lines = [r for r in caplog.records if r.name == "aigap.app"]
    assert len(lines) == 1 and "ZeroDivisionError" in lines[0].getMessage()
    assert "\n" not in lines[0].getMessage() and lines[0].exc_info is None


def test_the_largest_legitimate_body_is_far_below_the_limit(callbacks, dash_app):
    """Every control at its layout value, each multi-select holding every option it offers."""
    components = {json.dumps(c.id, sort_keys=True) if isinstance(c.id, dict) else c.id: c
                  for c in _components(dash_app) if getattr(c, "id", None) is not None}

    def widest(slot: Slot) -> list:
        out = []
        for i, value in zip(slot.ids, slot.values):
            comp = components[json.dumps(i, sort_keys=True) if isinstance(i, dict) else i]
            options = getattr(comp, "options", None)
            if getattr(comp, "multi", False) and options:
                value = [o["value"] if isinstance(o, dict) else o for o in options]
            out.append(value)
        return out or [None]

    sizes = {cb.output: len(json.dumps(cb.body([widest(s) for s in cb.inputs], [widest(s) for s in cb.state])))
             for cb in callbacks}
    largest = max(sizes, key=sizes.get)
    print(f"\nlargest legitimate callback body: {sizes[largest]:,} bytes ({largest})")
    assert sizes[largest] < LEGIT_MAX
