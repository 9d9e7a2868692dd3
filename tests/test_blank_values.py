"""A value that prints as nothing is empty everywhere: left out, null, "", ASCII spaces, U+3000 and
U+00A0 give the same document — conditions false, required values missing, no empty blocks."""
import os
import subprocess
import tempfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "office", "blank-values")
TEMPLATE = os.path.join(HERE, "template.xml")


def text(yinfa, data):
    p = subprocess.run([yinfa, "text", TEMPLATE, data], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.splitlines()


def test_blank_units_print_like_absent_ones(yinfa):
    lines = text(yinfa, os.path.join(HERE, "data.json"))
    units = [l for l in lines if "区总工会" in l]
    assert units == ["p: 海曙区总工会", "p: 江北区总工会", "p: 鄞州区总工会", "p: 镇海区总工会"], lines
    assert not any("负责人" in l for l in lines), lines
    # no empty paragraph left by a blank 地址: each unit is its name and its telephone line
    assert len(lines) == 1 + 4 * 2, lines


def test_blank_required_value_is_missing(yinfa):
    p = subprocess.run([yinfa, "check", TEMPLATE, os.path.join(HERE, "data-required.json")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "$.牵头单位: 缺少必填值" in p.stderr, p.stderr


def test_every_blank_spelling_is_the_same(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        outs = set()
        for blank in ["", " ", "\u3000", "\u00a0", "\t \u3000", "\u200b", None]:
            unit = {"名称": "海曙区总工会", "电话": "1"}
            if blank is not None:
                unit["负责人"] = blank
                unit["地址"] = blank
            path = os.path.join(tmp, "d.json")
            import json
            json.dump({"牵头单位": "甲", "单位": [unit]}, open(path, "w", encoding="utf-8"), ensure_ascii=False)
            outs.add(tuple(text(yinfa, path)))
        assert len(outs) == 1, outs
