"""Office data as it really arrives: CSV saved by Chinese Excel or WPS (GBK), UTF-16 with a byte order
mark, .xlsx and .xls workbooks (made by LibreOffice, as offices' files are made by Excel or WPS, and by
openpyxl), mail-merge columns (文章1.标题), dates as Excel types them, multi-record files given to
check, render and text, and hostile workbooks."""
import csv
import datetime
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile

from test_hostile import run_limited, SECONDS, MEGABYTES, SANITIZED

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = json.load(open(os.path.join(ROOT, "templates", "bulletin", "data.json"), encoding="utf-8"))
SOFFICE = shutil.which("soffice")


def run(yinfa, *args, cwd=None):
    return subprocess.run([yinfa, *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def header(yinfa):
    p = run(yinfa, "slots", "bulletin", "--csv")
    assert p.returncode == 0, p.stderr
    text = p.stdout.lstrip("\ufeff")
    return next(csv.reader(io.StringIO(text)))


def bulletin_row(cols, n, bad=None):
    """A row of the bulletin's table for issue n, in the columns `cols`, the way a clerk types it."""
    d = SAMPLE
    values = {"期号": str(n), "编印单位": d["编印单位"], "日期": f"2026/1/{n % 28 + 1}",
              "统计表题": d["统计表题"], "报": "、".join(d["报"]), "送": "、".join(d["送"]),
              "发": "\n".join(d["发"]), "印数": "60"}
    for k, a in enumerate(d["文章"], 1):
        values[f"文章{k}.标题"] = a["标题"]
        values[f"文章{k}.正文"] = "\n".join(a["正文"])
    for k, s in enumerate(d["统计"][:3], 1):
        values[f"统计{k}.地区"], values[f"统计{k}.户数"], values[f"统计{k}.金额"] = s["地区"], str(s["户数"]), str(s["金额"])
    if bad == "period":
        values["期号"] = "第十二期"
    if bad == "date":
        values["日期"] = "2026/2/30"
    return [values.get(c, "") for c in cols]


def write_csv(path, cols, rows, encoding):
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(cols)
        w.writerows(rows)


def thirty(yinfa):
    cols = header(yinfa)
    rows = [bulletin_row(cols, n, bad={7: "period", 21: "date"}.get(n)) for n in range(1, 31)]
    return cols, rows


def check_batch(yinfa, data, tmp, extra=()):
    out, merged = os.path.join(tmp, "out"), os.path.join(tmp, "all.pdf")
    p = run(yinfa, "batch", "bulletin", data, "-o", out, "--merge", merged, "--name", "{期号}.pdf",
            "--jobs", "2", "--quiet", *extra)
    assert p.returncode == 1, p.stderr
    files = sorted(os.listdir(out))
    assert len(files) == 28 and "7.pdf" not in files and "21.pdf" not in files, files
    # the two bad rows, by record and line (a CSV row spans the lines of its cells; a sheet's
    # line is its row, the header being row 1), each with the field named
    assert re.search(r"第 7 条记录（[^）]* 第 (\d+) 行）失败：\n[^\n]*\$\.期号", p.stderr), p.stderr
    assert re.search(r"第 21 条记录（[^）]* 第 (\d+) 行）失败：\n[^\n]*\$\.日期", p.stderr), p.stderr
    if data.endswith(".xlsx"):
        assert "第 8 行" in p.stderr and "第 22 行" in p.stderr, p.stderr
    assert os.path.getsize(merged) > 0
    return p


def test_gbk_csv_with_excel_dates_and_numbered_columns(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        cols, rows = thirty(yinfa)
        data = os.path.join(tmp, "week.csv")
        write_csv(data, cols, rows, "gb18030")
        raw = open(data, "rb").read()
        try:
            raw.decode("utf-8")
            assert False, "the test data should not be UTF-8"
        except UnicodeDecodeError:
            pass
        check_batch(yinfa, data, tmp)
        p = run(yinfa, "check", "bulletin", data)
        assert p.returncode == 1 and "已按 GB18030（GBK） 编码读取" in p.stderr, p.stderr
        assert "30 条记录中 2 条有问题" in p.stderr, p.stderr
        # the articles came through: the second article's title is in issue 1
        text = run(yinfa, "text", "bulletin", data, "--record", "1")
        assert text.returncode == 0, text.stderr
        assert SAMPLE["文章"][1]["标题"] in text.stdout and "二〇二六年一月二日" in text.stdout or "2026年1月2日" in text.stdout, text.stdout


def test_utf16_csv_with_a_byte_order_mark(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        cols = header(yinfa)
        data = os.path.join(tmp, "week.csv")
        write_csv(data, cols, [bulletin_row(cols, 3)], "utf-16")
        assert open(data, "rb").read()[:2] in (b"\xff\xfe", b"\xfe\xff")
        p = run(yinfa, "render", "bulletin", data, "-o", os.path.join(tmp, "b.pdf"))
        assert p.returncode == 0 and "UTF-16" in p.stderr, p.stderr


def test_undecodable_text_is_an_error_naming_the_byte(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "bad.csv")
        open(data, "wb").write("期号\n".encode("utf-8") + b"\x81\x20\xff\xff\n")
        p = run(yinfa, "batch", "bulletin", data, "-o", os.path.join(tmp, "o"))
        assert p.returncode == 1 and "字节处" in p.stderr and "GB18030" in p.stderr, p.stderr


def test_xlsx_from_libreoffice(yinfa):
    assert SOFFICE, "LibreOffice is missing: run scripts/install-deps.sh --test"
    with tempfile.TemporaryDirectory() as tmp:
        cols, rows = thirty(yinfa)
        src = os.path.join(tmp, "week.csv")
        write_csv(src, cols, rows, "utf-8")
        # Every column as text (format 2), as a clerk's typed cells; the conversion is LibreOffice's.
        p = subprocess.run([SOFFICE, "--headless", "--convert-to", "xlsx", "--infilter=CSV:44,34,76,1,"
                            + "/".join(f"{i}/2" for i in range(1, len(cols) + 1)), "--outdir", tmp, src],
                           capture_output=True, text=True, timeout=180,
                           env={**os.environ, "HOME": tmp})
        xlsx = os.path.join(tmp, "week.xlsx")
        assert os.path.exists(xlsx), p.stderr + p.stdout
        check_batch(yinfa, xlsx, tmp)


def test_xlsx_cells_typed_dates_merged_cells_and_sheets(yinfa):
    openpyxl = __import__("openpyxl")
    with tempfile.TemporaryDirectory() as tmp:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "说明"
        ws.append(["这张表不是数据"])
        data = wb.create_sheet("第48期")
        cols = header(yinfa)
        data.append(cols)
        for n in (1, 2, 3):
            row = bulletin_row(cols, n)
            row[cols.index("日期")] = datetime.date(2026, 1, 12)   # a real date cell
            row[cols.index("期号")] = n                           # a number cell
            row[cols.index("印数")] = 60.0                         # Excel keeps numbers as doubles
            data.append(row)
        # the 编印单位 merged over the three rows, as offices do
        c = cols.index("编印单位") + 1
        for r in (3, 4):
            data.cell(row=r, column=c).value = None
        letter = openpyxl.utils.get_column_letter(c)
        data.merge_cells(f"{letter}2:{letter}4")
        path = os.path.join(tmp, "week.xlsx")
        wb.save(path)
        # the first sheet is not the data: a clear error; --sheet names the right one
        p = run(yinfa, "check", "bulletin", path)
        assert p.returncode == 1, p.stderr
        p = run(yinfa, "check", "bulletin", path, "--sheet", "第48期")
        assert p.returncode == 0, p.stderr
        p = run(yinfa, "text", "bulletin", path, "--sheet", "第48期", "--record", "3")
        assert p.returncode == 0, p.stderr
        assert SAMPLE["编印单位"] in p.stdout and "2026年1月12日" in p.stdout and "60" in p.stdout, p.stdout
        p = run(yinfa, "batch", "bulletin", path, "--sheet", "没有", "-o", os.path.join(tmp, "o"))
        assert p.returncode == 1 and "「第48期」" in p.stderr, p.stderr


def test_xls_through_freexl(yinfa):
    assert SOFFICE, "LibreOffice is missing: run scripts/install-deps.sh --test"
    with tempfile.TemporaryDirectory() as tmp:
        cols = header(yinfa)
        src = os.path.join(tmp, "old.csv")
        write_csv(src, cols, [bulletin_row(cols, n) for n in (4, 5)], "utf-8")
        subprocess.run([SOFFICE, "--headless", "--convert-to", "xls", "--infilter=CSV:44,34,76,1,"
                        + "/".join(f"{i}/2" for i in range(1, len(cols) + 1)), "--outdir", tmp, src],
                       capture_output=True, timeout=180, env={**os.environ, "HOME": tmp})
        xls = os.path.join(tmp, "old.xls")
        assert os.path.exists(xls)
        out = os.path.join(tmp, "o")
        p = run(yinfa, "batch", "bulletin", xls, "-o", out, "--name", "{期号}.pdf", "--quiet")
        assert p.returncode == 0, p.stderr
        assert sorted(os.listdir(out)) == ["4.pdf", "5.pdf"]


def test_check_reports_every_bad_record(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        recs = []
        for n in range(1, 31):
            r = json.loads(json.dumps(SAMPLE))
            r["期号"] = n
            if n == 9:
                r["期号"] = "九"
            if n == 17:
                del r["编印单位"]
            recs.append(json.dumps(r, ensure_ascii=False))
        data = os.path.join(tmp, "week.jsonl")
        open(data, "w", encoding="utf-8").write("\n".join(recs) + "\n")
        p = run(yinfa, "check", "bulletin", data)
        assert p.returncode == 1, p.stderr
        assert "week.jsonl:9: error: $.期号" in p.stderr and "week.jsonl:17: error: $.编印单位" in p.stderr, p.stderr
        assert "30 条记录中 2 条有问题" in p.stderr, p.stderr
        # render and text do not silently take the first record
        for cmd in (["render", "bulletin", data, "-o", os.path.join(tmp, "x.pdf")], ["text", "bulletin", data]):
            q = run(yinfa, *cmd)
            assert q.returncode == 1 and "30 条记录" in q.stderr and "--record" in q.stderr, q.stderr
        assert not os.path.exists(os.path.join(tmp, "x.pdf"))
        q = run(yinfa, "render", "bulletin", data, "--record", "2", "-o", os.path.join(tmp, "x.pdf"))
        assert q.returncode == 0 and os.path.exists(os.path.join(tmp, "x.pdf")), q.stderr


def zip_with(path, parts):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


WORKBOOK = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def test_hostile_workbooks(yinfa):
    """A zip bomb, a huge shared-string table, a truncated file, absurd references, entities: each a
    clear error within the time and memory of the other hostile inputs."""
    with tempfile.TemporaryDirectory() as tmp:
        cases = {}
        bomb = os.path.join(tmp, "bomb.xlsx")
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("xl/workbook.xml", WORKBOOK)
            z.writestr("xl/_rels/workbook.xml.rels", RELS)
            with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
                f.write(b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
                chunk = b"a" * (1 << 20)
                for _ in range(300):
                    f.write(chunk)
                f.write(b"</t></is></c></row></sheetData></worksheet>")
        cases[bomb] = "上限"
        strings = os.path.join(tmp, "strings.xlsx")
        with zipfile.ZipFile(strings, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("xl/workbook.xml", WORKBOOK)
            z.writestr("xl/_rels/workbook.xml.rels", RELS)
            z.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData/></worksheet>")
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
                f.write(b'<sst count="1000000000" uniqueCount="1000000000">')
                one = b"<si><t>" + b"x" * 1000 + b"</t></si>"
                for _ in range(80000):
                    f.write(one)
                f.write(b"</sst>")
        cases[strings] = "共享字符串"
        whole = os.path.join(tmp, "whole.xlsx")
        zip_with(whole, {"xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": RELS,
                         "xl/worksheets/sheet1.xml": "<worksheet><sheetData>" + "<row><c><v>1</v></c></row>" * 10 + "</sheetData></worksheet>"})
        truncated = os.path.join(tmp, "truncated.xlsx")
        open(truncated, "wb").write(open(whole, "rb").read()[:-60])
        cases[truncated] = "不是有效的 .xlsx"
        far = os.path.join(tmp, "far.xlsx")
        zip_with(far, {"xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": RELS,
                       "xl/worksheets/sheet1.xml": '<worksheet><sheetData><row r="1"><c r="ZZZZZ1"><v>1</v></c></row></sheetData></worksheet>'})
        cases[far] = "单元格引用"
        formula = os.path.join(tmp, "formula.xlsx")
        zip_with(formula, {"xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": RELS,
                           "xl/worksheets/sheet1.xml": '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr">'
                           '<is><t>期号</t></is></c></row><row r="2"><c r="AB2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
                           '</row></sheetData></worksheet>'})
        cases[formula] = "单元格 AB2 是公式错误 #DIV/0!"
        entity = os.path.join(tmp, "entity.xlsx")
        zip_with(entity, {"xl/workbook.xml": '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]>' + WORKBOOK,
                          "xl/_rels/workbook.xml.rels": RELS,
                          "xl/worksheets/sheet1.xml": "<worksheet><sheetData/></worksheet>"})
        cases[entity] = "DOCTYPE"
        for path, expect in cases.items():
            code, err, seconds, mb = run_limited([yinfa, "batch", "bulletin", path, "-o", os.path.join(tmp, "o")],
                                                 tmp, None, None)
            name = os.path.basename(path)
            assert code == 1 and "error:" in err and expect in err, f"{name}: exit {code}: {err[-600:]}"
            assert seconds < SECONDS and (SANITIZED or mb < MEGABYTES), f"{name}: {seconds:.2f} s, {mb:.0f} MB"
            assert not os.path.exists(os.path.join(tmp, "o")) or os.listdir(os.path.join(tmp, "o")) == []


def test_every_type_prints_from_its_csv_and_xlsx(yinfa):
    """examples/NAME/records.csv and records.xlsx (scripts/make-examples.py): every type of
    templates/ batch-prints from a table as offices keep it, every record written."""
    types = sorted(t for t in os.listdir(os.path.join(ROOT, "templates"))
                   if os.path.exists(os.path.join(ROOT, "templates", t, "data.json")))
    assert len(types) >= 10, types
    with tempfile.TemporaryDirectory() as tmp:
        for t in types:
            for table in ("records.csv", "records.xlsx"):
                data = os.path.join(ROOT, "examples", t, table)
                assert os.path.exists(data), f"{data} is missing: run scripts/make-examples.py"
                out = os.path.join(tmp, t + table)
                p = run(yinfa, "batch", t, data, "-o", out, "--quiet", "--jobs", "2")
                assert p.returncode == 0, (t, table, p.stderr[-1500:])
                assert len(os.listdir(out)) == 3, (t, table, os.listdir(out))


def test_rows_grouped_by_a_key(yinfa):
    """--group-by 期号: the rows of one issue make one bulletin, an article a row; the key typed
    once (its other rows left empty) or on every row; a record of one article too."""
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "articles.csv")
        rows = [["期号", "编印单位", "日期", "文章.标题", "文章.正文", "报", "送", "发", "印数"],
                ["48", "宁波市总工会办公室", "2026/1/12", "全市工会送温暖活动全面展开",
                 "元旦前夕，市总工会召开动员部署会。\n截至1月10日，已走访慰问3860户。", "省总工会",
                 "市委办公厅", "各区（县、市）总工会", "60"],
                ["", "", "", "“暖心驿站”为户外劳动者送去温暖", "全市已建成服务站点326个。", "",
                 "市政府办公厅", "各产业工会", ""],
                ["49", "宁波市总工会办公室", "2026/1/19", "两会精神传达", "市总工会传达两会精神。",
                 "省总工会", "市委办公厅", "各区（县、市）总工会", "60"],
                ["48", "宁波市总工会办公室", "2026/1/12", "第三篇", "第三篇的正文。", "", "", "", ""]]
        write_csv(data, rows[0], rows[1:], "utf-8")
        p = run(yinfa, "check", "bulletin", data, "--group-by", "期号")
        assert p.returncode == 0 and "2 条记录，没有发现问题" in p.stderr and "warning: $." not in p.stderr, p.stderr
        one = run(yinfa, "text", "bulletin", data, "--group-by", "期号", "--record", "1").stdout
        titles = [l for l in one.splitlines() if l.startswith("p: ") and ("展开" in l or "驿站" in l or "第三篇" == l[3:])]
        assert titles == ["p: 全市工会送温暖活动全面展开", "p: “暖心驿站”为户外劳动者送去温暖", "p: 第三篇"], one
        assert "p: 截至1月10日，已走访慰问3860户。" in one and "送：市委办公厅，市政府办公厅" in one, one
        assert "发：各区（县、市）总工会，各产业工会" in one, one
        two = run(yinfa, "text", "bulletin", data, "--group-by", "期号", "--record", "2").stdout
        assert "p: 第49期" in two and "p: 两会精神传达" in two, two
        out = os.path.join(tmp, "o")
        p = run(yinfa, "batch", "bulletin", data, "--group-by", "期号", "-o", out, "--name", "{期号}.pdf", "-q")
        assert p.returncode == 0 and sorted(os.listdir(out)) == ["48.pdf", "49.pdf"], p.stderr
        p = run(yinfa, "check", "bulletin", data, "--group-by", "期数")
        assert p.returncode == 1 and "没有 --group-by 指定的列「期数」" in p.stderr, p.stderr
