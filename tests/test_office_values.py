"""Values as offices type them into a spreadsheet, a CSV file or a form: every cell is a text.
A date 2026/1/12, 2026.1.12, 2026年1月12日 or with full-width digits; a yes-or-no TRUE, 是, 1, √,
Y; a number 12,000.50, １２０００ or with white space around it; a money value ¥12000 or 12000元;
a list of names typed into one cell, 张三、李四. Each is read for the slot's declared type, in the
checks (`yinfa check`) and in the text (`yinfa text`, loops and conditions too); what is still
wrong — 2026-02-30, 1,2,3, 0x1F, 12.345 in a money slot — is refused, the message naming the
field and the forms accepted."""
import json
import os
import subprocess
import tempfile

TEMPLATE = """<template version="1">
  <slots>
    <slot name="日期" type="date" example="2026-01-05" required="no"/>
    <slot name="盖章" type="boolean" example="true" required="no"/>
    <slot name="数" type="number" example="1" required="no"/>
    <slot name="整数" type="integer" example="1" required="no"/>
    <slot name="金额" type="money" example="1" required="no"/>
    <slot name="名单" type="list" item="text" example="张三" required="no"/>
    <slot name="户数" type="list" item="integer" example="1" required="no"/>
    <slot name="会议.日期" type="date" example="2026-01-05" required="no"/>
  </slots>
  <body>
    <p>d|<v name="日期"/></p>
    <p>b|<v name="盖章"/>|<if test="盖章">盖</if><if test="not 盖章">不盖</if></p>
    <p>n|<v name="数"/>|<v name="数" format="group"/><if test="数 > 10000">|过万</if></p>
    <p>i|<v name="整数"/>|<v name="整数" format="chinese"/></p>
    <p>m|<v name="金额" format="money"/>|<v name="金额" format="money-upper"/></p>
    <p>l|<for each="名单" as="人" sep="，"><v name="人"/><if test="loop.last">（共<v name="loop.count"/>人）</if></for></p>
    <p>h|<for each="户数" as="h" sep="+"><v name="h" format="chinese"/></for></p>
    <p>c|<v name="会议.日期" format="date-chinese"/></p>
  </body>
</template>
"""


def run(yinfa, data, command="text", name="data.json"):
    """`yinfa COMMAND template.xml DATA` on `data` (a dict, or the file's text) → (status,
    stdout, stderr)."""
    with tempfile.TemporaryDirectory() as tmp:
        open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(TEMPLATE)
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        open(os.path.join(tmp, name), "w", encoding="utf-8", newline="").write(text)
        p = subprocess.run([yinfa, command, "template.xml", name], cwd=tmp, capture_output=True,
                           text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr


def text_of(yinfa, data):
    """The lines of the slots `data` fills, "letter|value|value" (the line of a slot without a
    value is left out)."""
    code, out, err = run(yinfa, data)
    assert code == 0, (data, err)
    empty = {"d|", "b||不盖", "n||", "i||", "m||", "l|", "h|", "c|"}
    return [line[len("p: "):].replace("|", " ", 1).replace("|", " ") for line in out.splitlines()
            if line[len("p: "):] not in empty]


def errors_of(yinfa, data):
    code, out, err = run(yinfa, data, "check")
    assert code == 1 and out == "", (data, code, out)
    return [line for line in err.splitlines() if ": error: " in line]


def test_dates_as_typed(yinfa):
    for given in ["2026-1-12", "2026-01-12", "2026/1/12", "2026/01/12", "2026.1.12", "2026年1月12日",
                  "２０２６年１月１２日", "２０２６/１/１２", "2026-01-12 ", " 2026/1/12\u3000",
                  "\u00a02026.1.12\t"]:
        assert text_of(yinfa, {"日期": given}) == ["d 2026年1月12日"], given
    # Nested under an object, with a formatter.
    assert text_of(yinfa, {"会议": {"日期": "2026/3/1"}}) == ["c 二〇二六年三月一日"]


def test_dates_still_strict(yinfa):
    cases = {
        "2026-02-30": "应为日期（如 2026-01-05），却是“2026-02-30”：2026 年 2 月没有 30 日",
        "2025/2/29": "应为日期（如 2026-01-05），却是“2025/2/29”：2025 年 2 月没有 29 日",
        "2026.13.1": "却是“2026.13.1”：没有 13 月",
        "26/1/12": "却是“26/1/12”（可写 2026-01-12、2026-1-12、2026/1/12、2026.1.12 或 2026年1月12日，年份写全四位）",
        "2026-1/12": "却是“2026-1/12”（可写",
        "1/12/2026": "却是“1/12/2026”（可写",
        "2026年1月12": "却是“2026年1月12”（可写",
        "二〇二六年一月十二日": "却是“二〇二六年一月十二日”（可写",
    }
    for given, words in cases.items():
        errors = errors_of(yinfa, {"日期": given})
        assert len(errors) == 1 and f"$.日期: " in errors[0] and words in errors[0], (given, errors)
        assert "槽位「日期」，date" in errors[0], errors
    # A leap year's 29 February is a date.
    assert text_of(yinfa, {"日期": "2024/2/29"}) == ["d 2024年2月29日"]


def test_booleans_as_typed(yinfa):
    for given, want in [(True, "是 盖"), (False, "否 不盖"), ("true", "是 盖"), ("TRUE", "是 盖"),
                        ("True", "是 盖"), ("FALSE", "否 不盖"), ("false", "否 不盖"),
                        ("是", "是 盖"), ("否", "否 不盖"), ("1", "是 盖"), ("0", "否 不盖"),
                        (1, "是 盖"), (0, "否 不盖"), ("√", "是 盖"), ("×", "否 不盖"),
                        ("✓", "是 盖"), ("✗", "否 不盖"), ("Y", "是 盖"), ("n", "否 不盖"),
                        ("Yes", "是 盖"), ("NO", "否 不盖"), (" 是\u3000", "是 盖"),
                        ("ＴＲＵＥ", "是 盖")]:
        assert text_of(yinfa, {"盖章": given}) == [f"b {want}"], given


def test_booleans_still_a_closed_list(yinfa):
    """对/错, 有/无, 2 and a blank-looking text are not yes or no: refused, the forms named."""
    for given in ["对", "错", "有", "无", "2", 2, "truth", "是的"]:
        errors = errors_of(yinfa, {"盖章": given})
        shown = given if isinstance(given, str) else str(given)
        assert len(errors) == 1 and f"$.盖章: 应为是或否，却是“{shown}”（可写 true/false、是/否、1/0、√/×、Y/N，大小写不限）" in errors[0], (given, errors)


def test_numbers_as_typed(yinfa):
    for given, want in [("12,000", "n 12000 12,000 过万"), ("12,000.50", "n 12000.5 12,000.5 过万"),
                        ("1,234,567.8", "n 1234567.8 1,234,567.8 过万"), ("１２０００", "n 12000 12,000 过万"),
                        ("－１２，０００．５", "n -12000.5 -12,000.5"), ("-12,000", "n -12000 -12,000"),
                        (" 12 ", "n 12 12"), ("\u300012\u3000", "n 12 12"), ("\u00a0999\u00a0", "n 999 999"),
                        ("0.5", "n 0.5 0.5")]:
        assert text_of(yinfa, {"数": given}) == [want], given
    assert text_of(yinfa, {"整数": "12,000"}) == ["i 12000 一万二千"]
    assert text_of(yinfa, {"整数": "１０５"}) == ["i 105 一百零五"]


def test_money_as_typed(yinfa):
    for given in ["12000", "12,000", "¥12,000", "￥12000", "￥１２，０００", "12000元", "12,000.00元",
                  "12,000 元", "¥ 12000", " ¥12000 "]:
        assert text_of(yinfa, {"金额": given}) == ["m 12,000.00 壹万贰仟元整"], given
    assert text_of(yinfa, {"金额": "-¥1,200.5"}) == ["m -1,200.50 负壹仟贰佰元伍角整"]
    assert text_of(yinfa, {"金额": "¥-0.07"}) == ["m -0.07 负柒分"]


def test_numbers_still_strict(yinfa):
    """Not an office form: hexadecimal, octal-looking, a plus sign, exponents, grouping not by
    three; a number is never changed to fit — 12.345 yuan is not rounded to 12.35."""
    for slot in ("数", "整数"):
        for given in ["1,2,3", "12,00", "1234,567", ",123", "1,000,", "1,000.000,5", "0x1F", "017",
                      "+5", "1e3", "0,123"]:
            errors = errors_of(yinfa, {slot: given})
            assert len(errors) == 1 and f"$.{slot}: 应为数字，却是“{given}”（写十进制数字，可带负号和小数点，整数部分可用逗号按三位分隔，如 -3.5、12,000.50）" in errors[0], (slot, given, errors)
    for given in ["12.345", "¥12元", "12000 元元", "元12000", "12,000.125", "1,2,3元", "USD 12000"]:
        errors = errors_of(yinfa, {"金额": given})
        assert len(errors) == 1 and f"$.金额: 应为金额（元，最多两位小数，小于 10 万亿），却是“{given}”（可写 12000、12,000.50、¥12000 或 12000元，不舍入）" in errors[0], (given, errors)
    errors = errors_of(yinfa, {"整数": "12,000.5"})
    assert len(errors) == 1 and "$.整数: 应为整数，却是 12,000.5" in errors[0], errors


def test_list_in_one_cell(yinfa):
    """A text where a list of simple items is declared: one item a line when it has two lines or
    more (an item may then hold a 、), else split at 、; each item trimmed, empty ones dropped; the
    loop and the count see the items."""
    for given in ["张三、李四、王五", "张三\n李四\n王五", "张三\r\n李四\r\n王五\r\n", " 张三 、\u3000李四、、王五\n\n",
                  ["张三", "李四", "王五"]]:
        assert text_of(yinfa, {"名单": given}) == ["l 张三，李四，王五（共3人）"], given
    assert text_of(yinfa, {"名单": "张三"}) == ["l 张三（共1人）"]
    # A text item is only trimmed: its full-width characters are its own.
    assert text_of(yinfa, {"名单": "张三（市总）、ＡＢＣ公司"}) == ["l 张三（市总），ＡＢＣ公司（共2人）"]
    assert text_of(yinfa, {"户数": "1,200\n３５\n7"}) == ["h 一千二百+三十五+七"]
    assert text_of(yinfa, {"名单": "快递、外卖\n春节留甬\n"}) == ["l 快递、外卖，春节留甬（共2人）"]
    # a 、 inside brackets belongs to its item
    assert text_of(yinfa, {"名单": "各区（县、市）总工会、《工人日报》“一线、基层”栏目"}) == \
        ["l 各区（县、市）总工会，《工人日报》“一线、基层”栏目（共2人）"]
    # Each item is checked by the item type, at its place in the list.
    errors = errors_of(yinfa, {"户数": "12、十三、1,2"})
    assert len(errors) == 2, errors
    assert "$.户数[1]: 应为数字，却是“十三”" in errors[0] and "$.户数[2]: 应为数字，却是“1,2”" in errors[1], errors


def test_conditions_see_the_declared_value(yinfa):
    """A condition on a yes-or-no slot typed 否 is false (a non-empty text would be true), a
    number typed 12,000 compares as 12000."""
    assert text_of(yinfa, {"盖章": "否"}) == ["b 否 不盖"]
    assert text_of(yinfa, {"数": "10,001"}) == ["n 10001 10,001 过万"]
    assert text_of(yinfa, {"数": "9,999"}) == ["n 9999 9,999"]


def test_csv_cells(yinfa):
    """A CSV row is the same values as text: a batch renders the office forms and refuses what is
    still wrong in its own record."""
    csv = ("日期,盖章,数,金额,名单,会议.日期\r\n"
           "2026/1/12,TRUE,\"12,000.50\",￥12000,\"张三、李四\",２０２６年１月１２日\r\n"
           "2026-02-30,对,\"1,2,3\",12.345,,\r\n")
    with tempfile.TemporaryDirectory() as tmp:
        open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(TEMPLATE)
        open(os.path.join(tmp, "data.csv"), "w", encoding="utf-8", newline="").write(csv)
        p = subprocess.run([yinfa, "batch", "template.xml", "data.csv", "-o", "out", "--quiet",
                            "--jobs", "1"], cwd=tmp, capture_output=True, text=True, timeout=60)
        assert p.returncode == 1, p.stderr
        assert sorted(os.listdir(os.path.join(tmp, "out"))) == ["1.pdf"], p.stderr
        for words in ["$.日期: 应为日期（如 2026-01-05），却是“2026-02-30”：2026 年 2 月没有 30 日",
                      "$.盖章: 应为是或否，却是“对”", "$.数: 应为数字，却是“1,2,3”",
                      "$.金额: 应为金额（元，最多两位小数，小于 10 万亿），却是“12.345”"]:
            assert words in p.stderr, (words, p.stderr)


def test_paragraphs_in_one_cell(yinfa):
    """Paragraphs typed into one cell (Alt+Enter between them): split at line breaks only — a 、
    inside a paragraph stays —, the 　　 typed to indent each dropped (the layout indents)."""
    t = """<template version="1">
  <slots><slot name="正文" type="paragraphs" example="第一段。"/></slots>
  <body><paragraphs name="正文"/></body>
</template>
"""
    with tempfile.TemporaryDirectory() as tmp:
        open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(t)
        data = {"正文": "\u3000\u3000第一段，甲、乙。\r\n\r\n\u3000\u3000第二段。\n"}
        open(os.path.join(tmp, "data.json"), "w", encoding="utf-8").write(json.dumps(data, ensure_ascii=False))
        p = subprocess.run([yinfa, "text", "template.xml", "data.json"], cwd=tmp, capture_output=True,
                           text=True, timeout=30)
        assert p.returncode == 0 and p.stdout == "p: 第一段，甲、乙。\np: 第二段。\n", (p.stdout, p.stderr)


def test_conditions_see_dates_in_one_spelling(yinfa):
    """A date compares in a condition as 2026-01-12 however it was typed."""
    t = """<template version="1">
  <slots><slot name="日期" type="date" example="2026-01-12"/></slots>
  <body><p><if test="日期 == '2026-01-12'">当天</if><if test="日期 != '2026-01-12'">他日</if></p></body>
</template>
"""
    for given, want in [("2026/1/12", "当天"), ("2026年1月12日", "当天"), ("２０２６.１.１２", "当天"),
                        ("2026-1-13", "他日")]:
        with tempfile.TemporaryDirectory() as tmp:
            open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(t)
            open(os.path.join(tmp, "data.json"), "w", encoding="utf-8").write(json.dumps({"日期": given}, ensure_ascii=False))
            p = subprocess.run([yinfa, "text", "template.xml", "data.json"], cwd=tmp, capture_output=True,
                               text=True, timeout=30)
            assert p.returncode == 0 and p.stdout == f"p: {want}\n", (given, p.stdout, p.stderr)
