"""`yinfa serve` sends the diagnostics as records — code, file, line, column, JSON path, slot, text
and the whole line — the files named relative to the templates folder, as `check --json` has them;
and a text longer than 256 bytes, with quotes and backslashes, comes back whole."""
import copy
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serving import ROOT, Server  # noqa: E402
from test_serve import post_json  # noqa: E402

EXAMPLE = os.path.join(ROOT, "examples", "union-speech", "data.json")
FIELDS = {"severity", "code", "file", "line", "column", "path", "slot", "text", "message"}


def example():
    with open(EXAMPLE, encoding="utf-8") as f:
        return json.load(f)


def test_serve_diagnostics_are_records(yinfa):
    data = example()
    data["市总"]["届次"] = None
    data["送温暖"]["慰问户数"] = "很多"
    long_key = "多" * 200 + "\"\\/"
    data[long_key] = 1
    with Server(yinfa) as srv:
        status, _, body = post_json(srv, "/api/templates/union-speech/check", data)
        assert status == 200, body[:300]
        diags = json.loads(body)["diagnostics"]
        for d in diags:
            assert set(d) >= FIELDS, d
        by_path = {d["path"]: d for d in diags if d["path"]}
        missing = by_path["$.市总.届次"]
        assert missing["code"] == "data.required" and missing["slot"] == "市总.届次", missing
        assert missing["file"] == "data.json" and missing["line"] is None, missing
        assert missing["message"] == "data.json: error: $.市总.届次: " + missing["text"], missing
        value = by_path["$.送温暖.慰问户数"]
        assert value["code"] == "data.value" and value["severity"] == "error", value
        # a long text with control characters and quotes: escaped by the JSON writer, whole
        unused = by_path["$." + long_key]
        assert unused["code"] == "data.unused" and unused["severity"] == "warning", unused
        assert long_key in unused["message"], unused["message"]

        # control characters in a key: refused before the data is read
        bad = {"名" * 100 + "\u0001\u001f": "x"}
        status, _, body = post_json(srv, "/api/templates/union-speech/check", bad)
        assert status == 200, body[:300]
        [d] = [d for d in json.loads(body)["diagnostics"] if d["severity"] == "error"]
        assert d["code"] == "data.control-character" and d["file"] == "data.json", d

        # A layout warning names the template relative to the templates folder, with its line,
        # and the slot whose value made the overfull line.
        changed = copy.deepcopy(data)
        changed["市总"]["届次"] = "十四"
        changed["送温暖"]["慰问户数"] = 12
        del changed[long_key]
        changed["城市"] = "x" * 200
        status, _, body = post_json(srv, "/api/templates/union-speech/preview?pages=1&dpi=30",
                                    changed)
        assert status == 200, body[:300]
        diags = json.loads(body)["diagnostics"]
        layout = [d for d in diags if d["code"] == "layout.unbreakable"]
        assert layout, [d["message"] for d in diags]
        w = layout[0]
        assert w["file"] and not w["file"].startswith("/"), w
        assert w["file"].endswith("template.xml") and w["line"] >= 1 and w["column"] >= 1, w
        assert w["path"] == "$.城市" and w["slot"] == "城市", w
        assert w["message"].startswith(f"{w['file']}:{w['line']}:{w['column']}: warning: "), w
