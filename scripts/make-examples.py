#!/usr/bin/python3
"""Writes examples/NAME/records.csv and records.xlsx for every type of templates/: the type's sample
data.json as a table, one document a row, the way an office keeps it in Excel or WPS — a column a
value, numbered columns for lists of items (文章1.标题, 文章2.标题 …), a list of names in one cell
separated by 、, paragraphs in one cell separated by line breaks — in three rows (the sample, and
two copies whose first number or date differs). `yinfa batch NAME examples/NAME/records.csv` prints
them. Run after changing a type's slots or sample: scripts/make-examples.py [build/yinfa]."""
import copy
import csv
import json
import os
import subprocess
import sys

import openpyxl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def declarations(yinfa, name):
    p = subprocess.run([yinfa, "slots", name, "--declarations"], capture_output=True, text=True, check=True)
    return json.loads(p.stdout)["slots"]


def columns(slots, data_rows, prefix=""):
    """The header: every declared value that some row has, lists of objects numbered as far as the
    longest list of any row."""
    def get(r, dotted):  # a slot's name may be a dotted path into the data (发文字号.年份)
        for part in dotted.split("."):
            r = r.get(part) if isinstance(r, dict) else None
        return r

    out = []
    for s in slots:
        name, key = s["name"], prefix + s["name"]
        values = [get(r, name) for r in data_rows if get(r, name) is not None]
        if not values:
            continue
        if s["type"] == "list" and "fields" in s:
            longest = max(len(v) for v in values if isinstance(v, list))
            for k in range(longest):
                items = [v[k] for v in values if isinstance(v, list) and k < len(v)]
                items = [i if isinstance(i, dict) else {s.get("short", "标题"): i} for i in items]
                out += columns(s["fields"], items, f"{key}{k + 1}.")
        elif s["type"] == "object" and "fields" in s:
            out += columns(s["fields"], values, key + ".")
        else:
            out.append((key, s["type"]))
    return out


def cell(data, dotted, kind):
    """The cell of column `dotted` in record `data`, as an office types it."""
    node = data
    for part in dotted.split("."):
        digits = len(part) - len(part.rstrip("0123456789"))
        if digits and isinstance(node, dict) and part[:-digits] in node and isinstance(node[part[:-digits]], list):
            items = node[part[:-digits]]
            k = int(part[-digits:]) - 1
            node = items[k] if k < len(items) else None
            if isinstance(node, str):
                node = {"标题": node}
        else:
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return ""
    if isinstance(node, list):
        items = [str(x) for x in node]
        # items are separated by 、, or by line breaks when one of them holds a 、 itself
        return ("\n" if kind == "paragraphs" or any("、" in x for x in items) else "、").join(items)
    if isinstance(node, bool):
        return "是" if node else "否"
    return str(node)


def variants(sample):
    """The sample and two copies: the first integer slot (期号, 序号) one and two higher."""
    rows = [sample]
    for step in (1, 2):
        d = copy.deepcopy(sample)
        for k, v in d.items():
            if isinstance(v, int) and not isinstance(v, bool):
                d[k] = v + step
                break
        rows.append(d)
    return rows


def main():
    yinfa = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "yinfa")
    for name in sorted(os.listdir(os.path.join(ROOT, "templates"))):
        sample = os.path.join(ROOT, "templates", name, "data.json")
        if not os.path.exists(sample):
            continue
        rows = variants(json.load(open(sample, encoding="utf-8")))
        cols = columns(declarations(yinfa, name), rows)
        table = [[c for c, _ in cols]] + [[cell(r, c, k) for c, k in cols] for r in rows]
        out = os.path.join(ROOT, "examples", name)
        os.makedirs(out, exist_ok=True)
        # UTF-8 with a byte order mark: what Excel's "CSV UTF-8" writes and opens
        with open(os.path.join(out, "records.csv"), "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f, lineterminator="\r\n").writerows(table)
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "数据"
        for r in table:
            ws.append(r)
        wb.save(os.path.join(out, "records.xlsx"))
        print(f"examples/{name}/records.csv, records.xlsx: {len(cols)} columns, {len(rows)} rows")


if __name__ == "__main__":
    main()
