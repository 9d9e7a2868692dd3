"""Numbers exactly right: every formatter driven through the real CLI (`yinfa text`) against
hand-written expected strings — Chinese numerals over the whole range below 10^15 (万亿, never 兆;
零 read as in 一千零五, 一万零五十, 一亿零一百万), 大写金额 with exact 角 and 分 near the limits,
-0 as 0 — and the strict syntax of integer, number and money values (no 0x1F, 017, +5,
exponents in strings; JSON numbers by RFC 8259), each refusal naming the JSON path or byte."""
import json
import os
import subprocess
import tempfile

TEMPLATE = """<template version="1">
  <slots>
    <slot name="整数" type="list" item="integer" example="0" required="no"/>
    <slot name="数" type="list" item="number" example="0" required="no"/>
    <slot name="金额" type="list" item="money" example="0" required="no"/>
  </slots>
  <body>
    <for each="整数" as="n"><p>i <v name="n"/>：<v name="n" format="chinese"/>／<v name="n" format="digits"/>／<v name="n" format="group"/>／<v name="n" format="money-upper"/></p></for>
    <for each="数" as="n"><p>n <v name="n"/>：<v name="n" format="chinese"/>／<v name="n" format="digits"/>／<v name="n" format="group"/>／<v name="n" format="percent"/></p></for>
    <for each="金额" as="m"><p>m <v name="m"/>：<v name="m" format="money-upper"/>／<v name="m" format="money"/>／<v name="m" format="chinese"/></p></for>
  </body>
</template>
"""


def run(yinfa, data, template=TEMPLATE):
    """`yinfa text` on `data` (a dict, or JSON text as given) → (exit status, stdout, stderr)."""
    with tempfile.TemporaryDirectory() as tmp:
        open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(template)
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        open(os.path.join(tmp, "data.json"), "w", encoding="utf-8").write(text)
        p = subprocess.run([yinfa, "text", "template.xml", "data.json"], cwd=tmp,
                           capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr


def lines(yinfa, data):
    code, out, err = run(yinfa, data)
    assert code == 0, err
    return [line[len("p: "):] for line in out.splitlines()]


def expect(got, want):
    bad = [f"  got  {g}\n  want {w}" for g, w in zip(got, want) if g != w]
    assert len(got) == len(want), f"{len(got)} lines for {len(want)}: {got}"
    assert not bad, "\n".join(bad)


# (value, chinese, 大写 of the value as yuan)
INTEGERS = [
    (0, "零", "零元整"),
    (5, "五", "伍元整"),
    (10, "十", "壹拾元整"),
    (11, "十一", "壹拾壹元整"),
    (20, "二十", "贰拾元整"),
    (105, "一百零五", "壹佰零伍元整"),
    (110, "一百一十", "壹佰壹拾元整"),
    (1005, "一千零五", "壹仟零伍元整"),
    (1010, "一千零一十", "壹仟零壹拾元整"),
    (10000, "一万", "壹万元整"),
    (10050, "一万零五十", "壹万零伍拾元整"),
    (100010, "十万零一十", "壹拾万零壹拾元整"),
    (1000100, "一百万零一百", "壹佰万零壹佰元整"),
    (100000000, "一亿", "壹亿元整"),
    (100000001, "一亿零一", "壹亿零壹元整"),
    (100010000, "一亿零一万", "壹亿零壹万元整"),
    (101000000, "一亿零一百万", "壹亿零壹佰万元整"),
    (110000000, "一亿一千万", "壹亿壹仟万元整"),
    (1000000000, "十亿", "壹拾亿元整"),
    (1000000000000, "一万亿", "壹万亿元整"),
    (1000000000005, "一万亿零五", "壹万亿零伍元整"),
    (1000000050000, "一万亿零五万", "壹万亿零伍万元整"),
    (1000100000000, "一万零一亿", "壹万零壹亿元整"),
    (3200000000000, "三万二千亿", "叁万贰仟亿元整"),
    (10000000000000, "十万亿", "壹拾万亿元整"),
    (123456789012345, "一百二十三万四千五百六十七亿八千九百零一万二千三百四十五",
     "壹佰贰拾叁万肆仟伍佰陆拾柒亿捌仟玖佰零壹万贰仟叁佰肆拾伍元整"),
    (999999999999999, "九百九十九万九千九百九十九亿九千九百九十九万九千九百九十九",
     "玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元整"),
    (-5, "负五", "负伍元整"),
]


def test_chinese_numerals_whole_range(yinfa):
    """一万亿, not ICU's 一兆; 一亿零一百万, not 一亿一百万; and 大写 of every integer exact —
    999999999999999 was 玖佰玖拾玖兆…元零肆分 through a double."""
    got = lines(yinfa, {"整数": [v for v, _, _ in INTEGERS]})
    want = []
    for v, cn, upper in INTEGERS:
        digits = "".join("〇一二三四五六七八九"[int(c)] if c.isdigit() else "负" for c in str(v))
        want.append(f"i {v}：{cn}／{digits}／{v:,}／{upper}")
    expect(got, want)


def test_money_upper_exact_to_the_fen(yinfa):
    amounts = [
        ("0", "零元整", "0.00", "零"),
        ("-0.00", "零元整", "0.00", "零"),
        ("0.5", "伍角整", "0.50", "零点五"),
        ("0.05", "伍分", "0.05", "零点零五"),
        ("16", "壹拾陆元整", "16.00", "十六"),
        ("1010.3", "壹仟零壹拾元叁角整", "1,010.30", "一千零一十点三"),
        ("12000", "壹万贰仟元整", "12,000.00", "一万二千"),
        ("100000000.07", "壹亿元零柒分", "100,000,000.07", "一亿点零七"),
        ("101000000", "壹亿零壹佰万元整", "101,000,000.00", "一亿零一百万"),
        ("1000000000000", "壹万亿元整", "1,000,000,000,000.00", "一万亿"),
        ("3200000000000.01", "叁万贰仟亿元零壹分", "3,200,000,000,000.01", "三万二千亿点零一"),
        ("9999999999999.99", "玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
         "9,999,999,999,999.99", "九万九千九百九十九亿九千九百九十九万九千九百九十九点九九"),
        ("9999999999999.9", "玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角整",
         "9,999,999,999,999.90", "九万九千九百九十九亿九千九百九十九万九千九百九十九点九"),
    ]
    got = lines(yinfa, {"金额": [a for a, _, _, _ in amounts] + [100000000.07, 0.1, 1010.3]})
    want = [f"m {'0' if a == '-0.00' else a}：{u}／{g}／{c}" for a, u, g, c in amounts]
    want += ["m 100000000.07：壹亿元零柒分／100,000,000.07／一亿点零七",
             "m 0.1：壹角整／0.10／零点一",
             "m 1010.3：壹仟零壹拾元叁角整／1,010.30／一千零一十点三"]
    expect(got, want)


def test_money_formatters_on_numbers_are_exact_or_refused(yinfa):
    """A number slot printed as money: written exactly when it has at most two decimals (as text,
    so 999999999999999.99 keeps its 分), refused — never rounded — when finer than a fen."""
    t = TEMPLATE.replace('format="percent"', 'format="money-upper"')
    code, out, err = run(yinfa, {"数": ["999999999999999.99", 85.5]}, t)
    assert code == 0, err
    assert ("玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分") in out, out
    assert "捌拾伍元伍角整" in out, out
    code, out, err = run(yinfa, {"数": [0.125]}, t)
    assert code == 1 and out == "", (code, out, err)
    assert "error: 「n」的值 0.125 比分更细：格式 money-upper 只写到分，不把数舍入" in err, err


def test_numbers_group_percent_digits(yinfa):
    got = lines(yinfa, {"数": [0, -0.0, "-0", "-0.0", 3.5, 1234567.8, 0.125, 0.12345, "0.30000000000000004",
                              "-12.50", 1e-7]})
    expect(got, [
        "n 0：零／〇／0／0%",
        "n 0：零／〇／0／0%",
        "n 0：零／〇／0／0%",
        "n 0：零／〇／0／0%",
        "n 3.5：三点五／三点五／3.5／350%",
        "n 1234567.8：一百二十三万四千五百六十七点八／一二三四五六七点八／1,234,567.8／123,456,780%",
        "n 0.125：零点一二五／〇点一二五／0.125／12.5%",
        "n 0.12345：零点一二三四五／〇点一二三四五／0.12345／12.345%",
        f"n 0.30000000000000004：零点三{'零' * 15}四／〇点三{'〇' * 15}四"
        "／0.30000000000000004／30.000000000000004%",
        "n -12.5：负十二点五／负一二点五／-12.5／-1,250%",
        "n 0.0000001：零点零零零零零零一／〇点〇〇〇〇〇〇一／0.0000001／0.00001%",
    ])


def test_integer_and_number_strings_are_strict_decimals(yinfa):
    """What strtod takes and a data value may not be: each refused, naming the JSON path and the
    text given."""
    for given in ["0x1F", "017", "+5", "1e3", "1,00", "0012", "1.", ".5", "inf", "nan",
                  "-", "--1", "1_000", "１２ab"]:
        for slot in ("整数", "数"):
            code, out, err = run(yinfa, {slot: [given]})
            assert code == 1 and out == "", (slot, given, code, out)
            assert f"error: ${'.' + slot}[0]: 应为数字，却是“{given}”" in err, (slot, given, err)
    code, out, err = run(yinfa, {"整数": ["12.5"]})
    assert "error: $.整数[0]: 应为整数，却是 12.5" in err, err
    code, out, err = run(yinfa, {"金额": ["0x10", "1.005", "10000000000000"]})
    for i, given in enumerate(["0x10", "1.005", "10000000000000"]):
        assert f"$.金额[{i}]: 应为金额（元，最多两位小数，小于 10 万亿），却是“{given}”" in err, err


def test_json_numbers_follow_rfc_8259(yinfa):
    """json-glib reads 017 as octal 15, 0x1F as 31, and .5, 5., "- 5" as numbers; a literal with
    more digits than a double keeps would be read as another number. Each is refused at its byte;
    an integer slot refuses a number written with a point or an exponent."""
    for literal, words in [("017", "的 017 不是 JSON 的数"), ("0x1F", "的 0x1F 不是 JSON 的数"),
                           (".5", "的 .5 不是 JSON 的数"), ("5.", "的 5. 不是 JSON 的数"),
                           ("+5", "的 +5 不是 JSON 的数"), ("- 5", "的 - 不是 JSON 的数"),
                           ("00", "的 00 不是 JSON 的数"),
                           ("1.0000000000000001", "的数 1.0000000000000001 的有效数字多于双精度数所能保存的（会被读成 1）"),
                           ("1e-400", "的数 1e-400 的有效数字多于双精度数所能保存的（会被读成 0）"),
                           # exponents beyond a long: clamped, never overflowing
                           ("3.2e-9223372036854775808", "的数 3.2e-9223372036854775808 的有效数字多于双精度数所能保存的（会被读成 0）"),
                           ("3.2e-99999999999999999999999", "的数 3.2e-99999999999999999999999 的有效数字多于双精度数所能保存的（会被读成 0）")]:
        code, out, err = run(yinfa, '{"数": [%s]}' % literal)
        assert code == 1 and out == "", (literal, out)
        assert "data.json: error: 第 9 字节处" + words in err, (literal, err)
    for literal in ["1.0", "1e3", "12.5"]:
        code, out, err = run(yinfa, '{"整数": [%s]}' % literal)
        assert code == 1 and "error: $.整数[0]: 应为整数，却是" in err, (literal, err)
    # What a program writes survives exactly: the shortest form of a double, exponents included.
    assert lines(yinfa, '{"数": [0.1, 1E2, 1.5e3, -0.0]}') == [
        "n 0.1：零点一／〇点一／0.1／10%", "n 100：一百／一〇〇／100／10,000%",
        "n 1500：一千五百／一五〇〇／1,500／150,000%", "n 0：零／〇／0／0%"]


def test_conditions_compare_decimals_only(yinfa):
    """A text "0x1F" is not the number 31 in a condition, nor "1e3" 1000; a literal 017 is an
    error."""
    t = """<template version="1">
  <slots><slot name="t" type="text" example="1"/></slots>
  <body><p><if test="t == 31">等于</if><if test="t != 31">不等</if></p></body>
</template>
"""
    # " 31": a text is read trimmed, as it prints; "3 1" is no number
    for given, want in [("0x1F", "不等"), ("31", "等于"), ("31.0", "等于"), (" 31", "等于"),
                        ("3 1", "不等")]:
        code, out, err = run(yinfa, {"t": given}, t)
        assert code == 0 and out == f"p: {want}\n", (given, out, err)
    code, out, err = run(yinfa, {"t": "17"}, t.replace("t == 31", "t == 017"))
    assert code == 1 and "数字写法不对" in err, err


def test_csv_cells_are_strict_too(yinfa):
    """Batch data from CSV reaches the same checks: a cell "0x1F" is an error of its record."""
    with tempfile.TemporaryDirectory() as tmp:
        t = """<template version="1">
  <slots><slot name="期号" type="integer" example="1"/></slots>
  <body><p><v name="期号" format="chinese"/></p></body>
</template>
"""
        open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(t)
        open(os.path.join(tmp, "data.csv"), "w", encoding="utf-8").write("期号\n12\n0x1F\n+3\n")
        p = subprocess.run([yinfa, "batch", "template.xml", "data.csv", "-o", "out", "--quiet",
                            "--jobs", "1"], cwd=tmp, capture_output=True, text=True, timeout=60)
        assert p.returncode == 1, p.stderr
        assert "应为数字，却是“0x1F”" in p.stderr and "应为数字，却是“+3”" in p.stderr, p.stderr
        assert sorted(os.listdir(os.path.join(tmp, "out"))) == ["1.pdf"], os.listdir(os.path.join(tmp, "out"))


def test_defaults_and_examples_follow_the_same_syntax(yinfa):
    """A default its slot's type refuses is a template error (it printed "017" as given); an
    example that is not a plain decimal is quoted in the skeleton, which stays JSON."""
    t = """<template version="1">
  <slots><slot name="i" type="integer" example="0x1F" default="017"/></slots>
  <body><p><v name="i" format="chinese"/></p></body>
</template>
"""
    code, out, err = run(yinfa, {}, t)
    assert code == 1 and "template.xml:2:10: error: 槽位「i」的默认值：应为数字，却是“017”" in err, err
    with tempfile.TemporaryDirectory() as tmp:
        open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(t)
        p = subprocess.run([yinfa, "slots", "template.xml"], cwd=tmp, capture_output=True, text=True)
        assert json.loads(p.stdout) == {"i": "0x1F"}, p.stdout
