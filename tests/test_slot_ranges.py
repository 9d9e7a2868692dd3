"""Slots that say what numbers they take: <slot min=… max=…> on integer, number and money slots
(a value outside is an error naming the field and the range), and <slot numerals="chinese"> on
integer slots (一千二百, 二十八, 两千零五 read as typed, strictly: an ill-formed numeral is an
error, and a slot without the attribute refuses them as before). Through the real CLI."""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serving import ROOT  # noqa: E402

TEMPLATE = """<template version="1">
  <slots>
    <slot name="车辆数" type="integer" min="0" label="包车数（辆）" example="12"/>
    <slot name="届次" type="integer" min="1" numerals="chinese" required="no" example="二十八"/>
    <slot name="人数" type="integer" required="no" example="12"/>
    <slot name="比例" type="number" min="0" max="100" required="no" example="12.5"/>
    <slot name="补贴" type="money" max="10,000" required="no" example="500"/>
  </slots>
  <body>
    <p>车<v name="车辆数"/>辆</p>
    <if test="人数"><p>人<v name="人数"/></p></if>
    <if test="届次"><p>第<v name="届次"/>届，第<v name="届次" format="chinese"/>届</p></if>
    <if test="比例"><p>比例<v name="比例"/></p></if>
    <if test="补贴"><p>补贴<v name="补贴" format="money"/></p></if>
  </body>
</template>
"""


def run(yinfa, data, template=TEMPLATE, command="text"):
    with tempfile.TemporaryDirectory() as tmp:
        open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(template)
        open(os.path.join(tmp, "data.json"), "w", encoding="utf-8").write(
            json.dumps(data, ensure_ascii=False))
        p = subprocess.run([yinfa, command, "template.xml", "data.json"], cwd=tmp,
                           capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr


def errors(err):
    """Each data error as "$.path: what", without the slot and template position."""
    return [re.sub(r"（槽位「.*$", "", line.split("error: ", 1)[1])
            for line in err.splitlines() if "data.json: error:" in line]


def test_negative_count_refused_with_range(yinfa):
    for value in (-3, "-3", "－3"):
        code, _, err = run(yinfa, {"车辆数": value})
        assert code != 0
        assert errors(err) == ["$.车辆数: 应不小于 0，却是 -3"], err
        assert "槽位「车辆数」" in err
    code, out, err = run(yinfa, {"车辆数": 0})
    assert code == 0 and "车0辆" in out, err


def test_min_max_and_money(yinfa):
    code, _, err = run(yinfa, {"车辆数": 1, "比例": 100.5, "补贴": "¥10,000.01"})
    assert errors(err) == ["$.比例: 应在 0 至 100 之间，却是 100.5",
                           "$.补贴: 应不大于 10000，却是 10000.01"], err
    code, out, err = run(yinfa, {"车辆数": 1, "比例": "100", "补贴": "10000元"})
    assert code == 0, err
    assert "比例100" in out and "补贴10,000.00" in out, out


def test_chinese_numerals_where_declared(yinfa):
    for typed, want, cn in (("一千二百", "1200", "一千二百"), ("二十八", "28", "二十八"),
                            ("两千零五", "2005", "二千零五"), ("一千两百", "1200", "一千二百"),
                            ("十二", "12", "十二"), ("一十二", "12", "十二"),
                            ("一万零五百", "10500", "一万零五百"), ("  二十八 ", "28", "二十八"),
                            ("28", "28", "二十八")):
        code, out, err = run(yinfa, {"车辆数": 1, "届次": typed})
        assert code == 0, (typed, err)
        assert f"第{want}届，第{cn}届" in out, (typed, out)


def test_chinese_numerals_refused_where_not_declared(yinfa):
    code, _, err = run(yinfa, {"车辆数": "一千二百"})
    assert errors(err) == ["$.车辆数: 应为数字，却是“一千二百”"], err
    code, _, err = run(yinfa, {"车辆数": 1, "人数": "二十八"})
    assert errors(err) == ["$.人数: 应为数字，却是“二十八”"], err


def test_ill_formed_chinese_numerals_refused(yinfa):
    # 一千二 is read 1002 by lenient parsers and 1200 by speakers: neither is guessed.
    for typed in ("一千二", "千二", "二二八", "十两", "两", "一百零", "二〇二六", "一千二百个",
                  "一千零零五", "百"):
        code, _, err = run(yinfa, {"车辆数": 1, "届次": typed})
        assert code != 0, typed
        got = errors(err)
        assert len(got) == 1 and got[0].startswith(f"$.届次: 中文数字“{typed.strip()}”写法不规范") \
            or got == [f"$.届次: 应为数字，却是“{typed}”"], (typed, got)
    # A numeral read is still held to the range: 负三 is -3, and 届次 starts at 1.
    code, _, err = run(yinfa, {"车辆数": 1, "届次": "零"})
    assert errors(err) == ["$.届次: 应不小于 1，却是 0"], err


def test_bad_declarations(yinfa):
    for attrs, said in (('type="text" min="0"', "只能用于 integer、number、money"),
                        ('type="integer" min="x"', '<slot min="x">'),
                        ('type="integer" min="1.5"', "应为整数"),
                        ('type="integer" min="5" max="1"', "最小值大于最大值"),
                        ('type="number" numerals="chinese"', "只能用于 integer"),
                        ('type="integer" numerals="roman"', "只能是 chinese")):
        template = f'<template version="1"><slots><slot name="n" {attrs} example="1"/></slots>' \
                   '<body><p><v name="n"/></p></body></template>'
        code, _, err = run(yinfa, {"n": 1}, template)
        assert code != 0 and said in err, (attrs, err)


def test_shipped_counts_refuse_negatives(yinfa):
    p = subprocess.run([yinfa, "slots", "union-speech", "--declarations"], cwd=ROOT,
                       capture_output=True, text=True, check=True)
    slots = {s["name"]: s for s in json.loads(p.stdout)["slots"]}
    assert slots["返乡.包车数"]["min"] == "0" and "min" not in slots["市委常委会.月"], slots["返乡.包车数"]
    data = json.load(open(os.path.join(ROOT, "examples", "union-speech", "data.json"), encoding="utf-8"))
    data["返乡"]["包车数"] = "-3"
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
        f.flush()
        p = subprocess.run([yinfa, "check", "union-speech", f.name, "-q"], cwd=ROOT,
                           capture_output=True, text=True)
    assert p.returncode != 0 and "$.返乡.包车数: 应不小于 0，却是 -3" in p.stderr, p.stderr
