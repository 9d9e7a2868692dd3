"""yinfa batch cannot lose or clobber a document. In every failure mode — a worker killed from
outside, a record whose worker crashes, a report larger than a pipe's buffer, a full disk — each
record ends written or reported (written + reported = records) and the exit status is 1 when
anything was reported. Outputs never replace an input, the merged file or each other; --resume
removes only its own temporary files. Every record, JSON Lines, JSON array or CSV, passes the
checks of `render`'s data, and hostile depth ends in an error naming the record and the limit,
within the hardening limits (2 s, 200 MB). 100 000 rows are planned in seconds."""
import hashlib
import importlib.util
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(ROOT, "tests", "batch", "template.xml")
DATA_TEMPLATE = os.path.join(ROOT, "fuzz", "data-template.xml")
GOOD_DATA = os.path.join(ROOT, "tests", "fuzz-corpus", "data", "all-types.json")
_spec = importlib.util.spec_from_file_location("hostile", os.path.join(ROOT, "tests", "test_hostile.py"))
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)
LONG = ["本周各级工会深入基层开展走访慰问活动，帮助困难职工解决实际问题。" * 12] * 4
FAILED = re.compile(r"^第 (\d+) 条记录（.*第 \d+ 行）失败：$", re.M)


def record(i, long=False, **more):
    r = {"期号": i, "单位": f"第{i}区总工会", "日期": f"2026-11-{i % 28 + 1}"}
    if long:
        r["正文"] = LONG
    r.update(more)
    return r


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n")
    return path


def batch(yinfa, tpl, data, *args, env=None):
    return subprocess.run([yinfa, "batch", tpl, data, *args], capture_output=True, text=True,
                          timeout=300, env=env)


def account(p, out, total):
    """Every record written or reported, never both, none lost; exit 1 when one was reported."""
    written = [f for f in os.listdir(out) if f.endswith(".pdf")] if os.path.isdir(out) else []
    reported = FAILED.findall(p.stderr)
    assert len(written) + len(reported) == total, (len(written), reported, p.stderr[-3000:])
    assert len(set(reported)) == len(reported), reported
    assert f"{len(written)} 份已生成，{len(reported)} 份失败" in p.stderr, p.stderr[-2000:]
    assert p.returncode == (1 if reported else 0), (p.returncode, p.stderr[-2000:])
    leftovers = [f for f in os.listdir(out) if ".tmp-" in f] if os.path.isdir(out) else []
    assert not leftovers, leftovers
    for f in written:
        body = open(os.path.join(out, f), "rb").read()
        assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF"), f
    return written, [int(n) for n in reported]


def children(pid):
    try:
        return [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []


def digest(*paths):
    h = hashlib.sha256()
    for p in paths:
        h.update(open(p, "rb").read())
    return h.hexdigest()


# ---- workers that die ----------------------------------------------------------------------------

def test_worker_killed_from_outside(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        data, out = write_jsonl(os.path.join(tmp, "k.jsonl"), [record(i, long=True) for i in range(1, 101)]), \
            os.path.join(tmp, "out")
        proc = subprocess.Popen([yinfa, "batch", TEMPLATE, data, "-o", out, "--jobs", "2"],
                                stderr=subprocess.PIPE, text=True)
        killed = None
        deadline = time.time() + 60
        while killed is None and time.time() < deadline and proc.poll() is None:
            workers = children(proc.pid)
            if workers and os.path.isdir(out) and len(os.listdir(out)) >= 2:
                os.kill(workers[0], signal.SIGKILL)
                killed = workers[0]
            time.sleep(0.01)
        _, err = proc.communicate(timeout=300)
        assert killed, "no worker to kill"
        p = subprocess.CompletedProcess(proc.args, proc.returncode, "", err)
        written, reported = account(p, out, 100)
        # The record the worker held was rendered again by a fresh worker.
        assert len(written) == 100 and "被信号 9" in err and "已由另一进程重新生成" in err, err[-2000:]


def test_merging_process_killed_from_outside(yinfa):
    # Without -o the merged file is made by one child process: killed, the merge starts again.
    with tempfile.TemporaryDirectory() as tmp:
        data = write_jsonl(os.path.join(tmp, "m.jsonl"), [record(i, long=True) for i in range(1, 201)])
        merged = os.path.join(tmp, "all.pdf")
        proc = subprocess.Popen([yinfa, "batch", TEMPLATE, data, "--merge", merged],
                                stderr=subprocess.PIPE, text=True)
        killed, start = None, time.time()
        while killed is None and time.time() - start < 60 and proc.poll() is None:
            kids = children(proc.pid)
            if kids and time.time() - start > 0.3:
                os.kill(kids[0], signal.SIGKILL)
                killed = kids[0]
            time.sleep(0.01)
        _, err = proc.communicate(timeout=300)
        assert killed and proc.returncode == 0, (proc.returncode, err[-2000:])
        assert "被信号 9" in err and "已重新合并" in err and "200 份已生成，0 份失败" in err, err[-2000:]
        assert sorted(os.listdir(tmp)) == ["all.pdf", "m.jsonl"], os.listdir(tmp)
        from pdfminer.pdfdocument import PDFDocument
        from pdfminer.pdfparser import PDFParser
        with open(merged, "rb") as f:
            titles = [t for (level, t, *_) in PDFDocument(PDFParser(f)).get_outlines() if level == 1]
        assert titles == [str(i) for i in range(1, 201)], titles


def shim(tmp):
    """A preloaded rename() that crashes the process (SIGSEGV) when it would publish a file whose
    name holds CRASH: a worker that dies on one record, deterministically, at its very end."""
    src, lib = os.path.join(tmp, "crash.c"), os.path.join(tmp, "crash.so")
    open(src, "w").write(r'''
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <string.h>
int rename(const char *from, const char *to)
{
    int (*real)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    if (strstr(to, "CRASH"))
        raise(SIGSEGV);
    return real(from, to);
}
''')
    subprocess.run(["cc", "-shared", "-fPIC", "-o", lib, src, "-ldl"], check=True)
    env = dict(os.environ, LD_PRELOAD=lib)
    if hostile.SANITIZED:
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0:handle_segv=0"
    return env


def test_crashing_record_is_reported(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        recs = [record(i) for i in range(1, 21)]
        recs[6]["单位"] = "CRASH"
        data, out = write_jsonl(os.path.join(tmp, "c.jsonl"), recs), os.path.join(tmp, "out")
        p = batch(yinfa, TEMPLATE, data, "-o", out, "--jobs", "2", "--name", "{期号}-{单位}.pdf",
                  env=shim(tmp))
        written, reported = account(p, out, 20)
        assert reported == [7] and len(written) == 19, p.stderr
        assert "被信号 11（段错误）终止；换一个进程重试，仍然如此" in p.stderr, p.stderr
        # With one worker too: the records after the crash are still rendered.
        out1 = os.path.join(tmp, "out1")
        p = batch(yinfa, TEMPLATE, data, "-o", out1, "--jobs", "1", "--name", "{期号}-{单位}.pdf",
                  env=shim(tmp))
        assert account(p, out1, 20)[1] == [7]


def merge_shim(tmp):
    """A preloaded strndup() that crashes on a string holding CRASH: in a batch only the merging
    process copies a record's name with it (the outline title), so the merge dies on that record,
    every time, and nothing else does."""
    src, lib = os.path.join(tmp, "mcrash.c"), os.path.join(tmp, "mcrash.so")
    open(src, "w").write(r'''
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
char *strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    if (memmem(s, len, "CRASH", 5))
        raise(SIGSEGV);
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = 0;
    }
    return copy;
}
''')
    subprocess.run(["cc", "-shared", "-fPIC", "-o", lib, src], check=True)
    env = dict(os.environ, LD_PRELOAD=lib)
    if hostile.SANITIZED:
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0:handle_segv=0"
    return env


def outline(pdf):
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    with open(pdf, "rb") as f:
        return [t for (level, t, *_) in PDFDocument(PDFParser(f)).get_outlines() if level == 1]


def test_record_that_crashes_the_merge(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        recs = [record(i) for i in range(1, 11)]
        recs[6]["单位"] = "CRASH"
        data = write_jsonl(os.path.join(tmp, "c.jsonl"), recs)
        merged = os.path.join(tmp, "all.pdf")
        env = merge_shim(tmp)
        # Only the merged file: the record is reported, the other nine are in the file.
        p = batch(yinfa, TEMPLATE, data, "--merge", merged, "--name", "{期号}-{单位}.pdf", env=env)
        assert p.returncode == 1 and FAILED.findall(p.stderr) == ["7"], p.stderr
        assert "生成合并文件的进程处理这条记录时被信号 11（段错误）终止" in p.stderr, p.stderr
        assert "9 份已生成，1 份失败" in p.stderr, p.stderr
        assert outline(merged) == [f"{i}-第{i}区总工会" for i in range(1, 11) if i != 7]
        assert sorted(os.listdir(tmp)) == ["all.pdf", "c.jsonl", "mcrash.c", "mcrash.so"], os.listdir(tmp)
        # With -o the record's own file is written; it is said to be missing from the merged file.
        out = os.path.join(tmp, "out")
        os.unlink(merged)
        p = batch(yinfa, TEMPLATE, data, "-o", out, "--merge", merged, "--name", "{期号}-{单位}.pdf",
                  env=env)
        assert p.returncode == 1 and len(os.listdir(out)) == 10, p.stderr
        assert "第 7 条记录（" in p.stderr and "未并入" in p.stderr and "被信号 11" in p.stderr, p.stderr
        assert len(outline(merged)) == 9


def test_report_larger_than_a_pipe(yinfa):
    # 1 500 articles missing two values each: a report of over 100 KiB for one record.
    with tempfile.TemporaryDirectory() as tmp:
        good = json.load(open(GOOD_DATA, encoding="utf-8"))
        bad = dict(good, 文章=[{"户数": 1}] * 1500)
        data = write_jsonl(os.path.join(tmp, "m.jsonl"), [good, bad, good, bad, good])
        out = os.path.join(tmp, "out")
        for jobs in ("1", "2"):
            p = batch(yinfa, DATA_TEMPLATE, data, "-o", out, "--jobs", jobs)
            written, reported = account(p, out, 5)
            assert reported == [2, 4], p.stderr[-2000:]
            report = p.stderr.split("第 2 条记录（")[1].split("第 4 条记录（")[0]
            assert len(report.encode()) > 100 * 1024 and "另有 2000 条信息未列出" in report, len(report)


def test_full_disk(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", out],
                          capture_output=True).returncode != 0:
            return  # no tmpfs here (not root): the file-size limit case of test_hostile.py stands
        try:
            data = write_jsonl(os.path.join(tmp, "f.jsonl"), [record(i, long=True) for i in range(1, 31)])
            p = batch(yinfa, TEMPLATE, data, "-o", out, "--jobs", "2")
            written, reported = account(p, out, 30)
            assert reported and ("写入失败" in p.stderr or "无法创建输出文件" in p.stderr), p.stderr[-2000:]
            # The merged file on the full disk: refused as a whole, nothing half-written left.
            p = batch(yinfa, TEMPLATE, data, "--merge", os.path.join(out, "all.pdf"))
            assert p.returncode == 1 and "all.pdf" not in os.listdir(out), p.stderr[-2000:]
            assert not [f for f in os.listdir(out) if ".tmp-" in f], os.listdir(out)
        finally:
            subprocess.run(["umount", out])


# ---- outputs never replace inputs or each other ------------------------------------------------

def test_outputs_never_replace_inputs(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        tpl = os.path.join(tmp, "t.xml")
        open(tpl, "wb").write(open(TEMPLATE, "rb").read())
        data = write_jsonl(os.path.join(tmp, "d.pdf"), [record(i) for i in range(1, 4)])  # any name
        os.symlink("d.pdf", os.path.join(tmp, "link.pdf"))
        os.mkdir(os.path.join(tmp, "sub"))
        before = digest(tpl, data)
        # The merged file is fixed by the command: naming an input is a usage error.
        for merge in ("d.pdf", "sub/../d.pdf", "./link.pdf", os.path.join(tmp, "sub", "..", "d.pdf")):
            p = subprocess.run([yinfa, "batch", "t.xml", "d.pdf", "--merge", merge], cwd=tmp,
                               capture_output=True, text=True, timeout=60)
            assert p.returncode == 2 and "就是输入文件" in p.stderr, (merge, p.stderr)
        # A record's file comes from the data: that record is reported, the others written.
        for name in ("d.pdf", "link.pdf"):
            p = subprocess.run([yinfa, "batch", "t.xml", "d.pdf", "-o", "sub/..", "--name", name],
                               cwd=tmp, capture_output=True, text=True, timeout=60)
            assert p.returncode == 1 and f"文件名 {name} 指向输入文件" in p.stderr, p.stderr
        # A value of the data naming the data file itself.
        recs = [record(i) for i in range(1, 4)]
        recs[1]["单位"] = "n"
        names = write_jsonl(os.path.join(tmp, "n.pdf"), recs)
        before_names = digest(names)
        p = subprocess.run([yinfa, "batch", "t.xml", "n.pdf", "-o", "sub/../", "--name", "{单位}.pdf"],
                           cwd=tmp, capture_output=True, text=True, timeout=60)
        assert p.returncode == 1 and "文件名 n.pdf 指向输入文件 n.pdf，未覆盖" in p.stderr, p.stderr
        assert digest(tpl, data) == before and digest(names) == before_names, "an input was overwritten"
        for f in ("第1区总工会.pdf", "第3区总工会.pdf"):
            os.unlink(os.path.join(tmp, f))
        assert sorted(os.listdir(tmp)) == ["d.pdf", "link.pdf", "n.pdf", "sub", "t.xml"]


def test_merged_file_never_replaces_a_record(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        data = write_jsonl(os.path.join(tmp, "d.jsonl"), [record(i) for i in range(1, 4)])
        out = os.path.join(tmp, "out")
        for merge in (os.path.join(out, "2.pdf"), os.path.join(out, "..", "out", ".", "2.pdf")):
            p = batch(yinfa, TEMPLATE, data, "-o", out, "--merge", merge)
            assert p.returncode == 1 and "文件名 2.pdf 就是 --merge 的合并文件，未覆盖" in p.stderr, p.stderr
            assert sorted(os.listdir(out)) == ["1.pdf", "2.pdf", "3.pdf"]
            # 2.pdf is the merge of records 1 and 3, each on odd pages.
            from pdfminer.pdfdocument import PDFDocument
            from pdfminer.pdfparser import PDFParser
            with open(os.path.join(out, "2.pdf"), "rb") as f:
                titles = [t for (level, t, *_) in PDFDocument(PDFParser(f)).get_outlines() if level == 1]
            assert titles == ["1", "3"], titles


def test_resume_removes_only_its_own_temporary_files(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        recs = [record(1), record(2), record(3, 单位="1.pdf.tmp-abcdef")]
        data = write_jsonl(os.path.join(tmp, "r.jsonl"), recs)
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        foreign = {"1.pdf.tmp-abcdef.pdf": b"%PDF-1.4 another record's finished file\n%%EOF\n",
                   "1.pdf.tmp-abcdef": b"not ours\n", ".1.pdf.tmp-abcdefg": b"not ours\n",
                   ".notes.pdf.tmp-abcdef": b"not ours\n", "2.pdf": b"%PDF-1.4 kept as it is\n%%EOF\n"}
        for name, body in foreign.items():
            open(os.path.join(out, name), "wb").write(body)
        stale = os.path.join(out, ".1.pdf.tmp-Ab12Cd")  # what a killed run of ours leaves
        open(stale, "wb").write(b"%PDF-1.4 trunc")
        p = batch(yinfa, TEMPLATE, data, "-o", out, "--resume")
        assert p.returncode == 0 and "2 份已生成，0 份失败，1 份已存在而跳过" in p.stderr, p.stderr
        assert not os.path.exists(stale)
        for name, body in foreign.items():
            assert open(os.path.join(out, name), "rb").read() == body, name
        # A record whose own name looks like a temporary file finds it there: skipped, not removed.
        open(os.path.join(out, ".1.pdf.tmp-abcdef.pdf.tmp-Zz9Zz9"), "wb").write(b"%PDF-1.4 trunc")
        p = batch(yinfa, TEMPLATE, data, "-o", out, "--resume", "--name", "{单位}.pdf")
        assert p.returncode == 0 and "2 份已生成，0 份失败，1 份已存在而跳过" in p.stderr, p.stderr
        assert not os.path.exists(os.path.join(out, ".1.pdf.tmp-abcdef.pdf.tmp-Zz9Zz9"))
        for name, body in foreign.items():
            assert open(os.path.join(out, name), "rb").read() == body, name


# ---- every record through render's checks ------------------------------------------------------

def run_hostile(yinfa, args, tmp):
    code, err, seconds, mb = hostile.run_limited([yinfa, *args], tmp)
    assert "Sanitizer" not in err and "runtime error" not in err, err[-3000:]
    assert code == 1 and "error: " in err, (code, err[-2000:])
    assert seconds < hostile.SECONDS, f"{seconds:.2f} s"
    assert hostile.SANITIZED or mb < hostile.MEGABYTES, f"{mb:.0f} MB"
    return err


def test_deep_json_array_record(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        good = json.dumps(record(1), ensure_ascii=False)
        path = os.path.join(tmp, "deep.json")
        open(path, "w").write("[" + good + ",\n" + "[" * 200000 + "]" * 200000 + "]")
        out = os.path.join(tmp, "out")
        err = run_hostile(yinfa, ["batch", TEMPLATE, path, "-o", out], tmp)
        assert "第 2 条记录（" in err and "deep.json:2: error: 第 64 字节处嵌套超过 64 层" in err, err[-2000:]
        assert os.listdir(out) == ["1.pdf"]
        # Never closed: the file as a whole is refused, naming the record and the limit.
        open(path, "w").write("[" + good + ",\n" + "[" * 200000)
        err = run_hostile(yinfa, ["batch", TEMPLATE, path, "-o", os.path.join(tmp, "o2")], tmp)
        assert "deep.json:2:1: error: JSON 格式错误：第 2 条记录从这里起直到文件末尾没有结束，且嵌套超过 64 层" in err, err
        assert not os.path.exists(os.path.join(tmp, "o2")) or os.listdir(os.path.join(tmp, "o2")) == []


def test_deep_csv_header(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "deep.csv")
        open(path, "w").write(".".join(["a"] * 100000) + ",期号\n1,2\n")
        err = run_hostile(yinfa, ["batch", TEMPLATE, path, "-o", os.path.join(tmp, "out")], tmp)
        assert "deep.csv:1: error: CSV 表头第 1 列" in err and "嵌套超过 64 层" in err, err[-2000:]
        # 64 parts are as deep as data may go: read, then the record fails on its own values.
        open(path, "w").write(".".join(["a"] * 64) + ",期号,单位,日期\nx,1,单位,2026-11-01\n")
        p = batch(yinfa, TEMPLATE, path, "-o", os.path.join(tmp, "ok"))
        assert p.returncode == 0, p.stderr


# The same value as `render`'s data and as a record of each format: the same message.
HOSTILE_VALUES = [
    ('"文本": "\\ud800"', "\\ud800 是不成对的代理项"),
    ('"文本": "甲\\u0000乙"', "有控制字符 U+0000"),
    ('"文本": "甲\\u0085乙"', "有控制字符 U+0085"),
    ('"整数": 18446744073709551617', "的数 18446744073709551617 超出范围"),
    ('"金额": 18446744073709551615', "的数 18446744073709551615 超出范围"),
    ('"数": 1e400', "的数 1e400 超出范围"),
    ('"日期": "99999-01-01"', "$.日期: 应为日期"),
]


def test_every_format_gets_the_checks_of_render(yinfa):
    good = open(GOOD_DATA, encoding="utf-8").read()
    compact = json.dumps(json.loads(good), ensure_ascii=False)
    with tempfile.TemporaryDirectory() as tmp:
        for member, expect in HOSTILE_VALUES:
            key = member.split(":")[0]
            obj = re.sub(key + r': ("[^"]*"|[0-9.]+)', lambda m: member, compact, count=1)
            assert obj != compact, member
            single = os.path.join(tmp, "one.json")
            open(single, "w", encoding="utf-8").write(obj)
            r = subprocess.run([yinfa, "render", DATA_TEMPLATE, single, "-o", os.path.join(tmp, "x.pdf")],
                               capture_output=True, text=True, timeout=60)
            assert r.returncode == 1 and expect in r.stderr, (member, r.stderr)
            # The message but its place: a byte offset counts from the record's start in a batch.
            message = r.stderr.split("error: ", 1)[1].splitlines()[0].split("字节处")[-1]
            files = {"l.jsonl": f"{compact}\n{obj}\n{compact}\n",
                     "a.json": f"[{compact},\n{obj},\n{compact}]\n",
                     "p.json": "[\n" + ",\n".join(json.dumps(json.loads(good), ensure_ascii=False, indent=1)
                                                   if i != 1 else obj for i in range(3)) + "\n]\n"}
            for name, text in files.items():
                path = os.path.join(tmp, name)
                open(path, "w", encoding="utf-8").write(text)
                out = os.path.join(tmp, "out-" + name)
                p = batch(yinfa, DATA_TEMPLATE, path, "-o", out)
                written, reported = account(p, out, 3)
                assert reported == [2], (member, name, p.stderr)
                assert message in p.stderr, (member, name, message, p.stderr)
        # CSV cells are text: a control character in one is refused as in JSON.
        path = os.path.join(tmp, "c.csv")
        open(path, "w", encoding="utf-8").write("期号,单位,日期\n1,甲,2026-11-01\n2,甲\x01乙,2026-11-01\n"
                                                "3,丙\u0085,2026-11-01\n4,丁,2026-11-01\n")
        out = os.path.join(tmp, "out-csv")
        p = batch(yinfa, TEMPLATE, path, "-o", out)
        assert account(p, out, 4)[1] == [2, 3], p.stderr
        assert "有控制字符 U+0001" in p.stderr and "有控制字符 U+0085" in p.stderr, p.stderr


# ---- planning ----------------------------------------------------------------------------------

def test_hundred_thousand_rows_start_at_once(yinfa):
    # Under the sanitizers every allocation records its stack: a tenth of the rows there.
    rows = 10000 if hostile.SANITIZED else 100000
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "h.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("期号,单位,日期\n")
            for i in range(1, rows + 1):
                f.write(f"{i},第{i}区总工会,2026-11-01\n")
        out = os.path.join(tmp, "out")
        start = time.monotonic()
        proc = subprocess.Popen([yinfa, "batch", TEMPLATE, path, "-o", out, "--name", "{期号}-{单位}.pdf",
                                 "--jobs", "2"], stderr=subprocess.PIPE, text=True)
        heard = []  # (seconds, line) of stderr as it comes
        reader = threading.Thread(target=lambda: heard.extend((time.monotonic() - start, l) for l in proc.stderr))
        reader.start()
        first = None
        while proc.poll() is None and time.monotonic() - start < 60:
            if os.path.isdir(out) and any(f.endswith(".pdf") for f in os.listdir(out)):
                first = time.monotonic() - start
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        reader.join()
        err = "".join(l for _, l in heard)
        assert first is not None and first < 8 * (3 if hostile.SANITIZED else 1), (first, err[-1000:])
        assert proc.returncode == 130 and "已中断" in err and "份未处理" in err, err[-1000:]
        # Progress from the first second: records counted while they are checked, then documents.
        assert heard and re.match(r"(正在检查记录|已处理) \d+/%d" % rows, heard[0][1]), err[:500]
        assert heard[0][0] < 1.5 * (3 if hostile.SANITIZED else 1), heard[:3]
