"""Printing through a real CUPS: each test starts a cupsd of its own (Debian's cups-daemon), with a
temporary ServerRoot, spool, logs and a Unix socket of its own — no system printer is touched —
and libcups is pointed at it with CUPS_SERVER. The queue is a PPD printer (A4, Duplex) whose device
is a backend that keeps every job's output in a file, through CUPS's own filter (pdftopdf), so the
pages that reach the device can be compared with yinfa's PDF. Run as root, cupsd keeps its
default User lp for the filters (CUPS refuses to run them as root): the folder is made readable
for them, and the backend, mode 0700, runs as root and writes the outputs.

What is checked comes from CUPS's own records: the page log (job id, name, pages, copies, sides,
media, print-scaling, collation) and lpstat's completed jobs. A batch is printed one job a
document, named after it, with its record's copies (--copies-from 印数); the device stops at one
document (the backend exits with CUPS_BACKEND_STOP, as a printer out of paper makes it): the
summary lists the documents not printed, and after cupsenable --resume prints exactly those — no
document twice. Errors a clerk can act on: no default printer, paused, rejecting, no duplex (asks
for --simplex), no A4, cupsd unreachable."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SANITIZED = bool(os.environ.get("YINFA_SANITIZED"))
DOCS = 6 if SANITIZED else 30
STOP_AT = 4 if SANITIZED else 20  # the document the device stops on (1-based)

# A CUPS backend: keeps the job's output as OUT/JOBID.pdf. A job whose title is in OUT/../stop-at
# (once) stops the queue, as a printer out of paper does: STATE +media-empty-error, exit 4.
BACKEND = r'''#!/usr/bin/python3
import os, shutil, sys
if len(sys.argv) == 1:
    print('direct yinfaout "Unknown" "yinfa test device"')
    sys.exit(0)
out = os.environ["DEVICE_URI"].split(":", 1)[1]
job, title = sys.argv[1], sys.argv[3]
stop = os.path.join(out, "..", "stop-at")
if os.path.exists(stop) and open(stop, encoding="utf-8").read() == title:
    os.unlink(stop)
    sys.stderr.write("STATE: +media-empty-error\n")
    sys.exit(4)
sys.stderr.write("STATE: -media-empty-error\n")
src = open(sys.argv[6], "rb") if len(sys.argv) > 6 else sys.stdin.buffer
with open(os.path.join(out, job + ".pdf"), "wb") as f:
    shutil.copyfileobj(src, f)
'''

PPD = '''*PPD-Adobe: "4.3"
*FormatVersion: "4.3"
*FileVersion: "1.0"
*LanguageVersion: English
*LanguageEncoding: ISOLatin1
*PCFileName: "YINFA.PPD"
*Manufacturer: "yinfa"
*Product: "(yinfa test printer)"
*ModelName: "yinfa test printer"
*ShortNickName: "yinfa test printer"
*NickName: "yinfa test printer"
*PSVersion: "(3010.000) 0"
*LanguageLevel: "3"
*ColorDevice: False
*DefaultColorSpace: Gray
*FileSystem: False
*Throughput: "1"
*LandscapeOrientation: Plus90
*TTRasterizer: Type42
*cupsVersion: 2.4
*cupsManualCopies: True
*cupsFilter: "application/vnd.cups-pdf 0 -"
*OpenUI *PageSize/Media Size: PickOne
*OrderDependency: 10 AnySetup *PageSize
*DefaultPageSize: {size}
*PageSize {size}/{size}: ""
*CloseUI: *PageSize
*OpenUI *PageRegion: PickOne
*OrderDependency: 10 AnySetup *PageRegion
*DefaultPageRegion: {size}
*PageRegion {size}/{size}: ""
*CloseUI: *PageRegion
*DefaultImageableArea: {size}
*ImageableArea {size}/{size}: "0 0 {w} {h}"
*DefaultPaperDimension: {size}
*PaperDimension {size}/{size}: "{w} {h}"
'''
DUPLEX = '''*OpenUI *Duplex/Double-Sided Printing: PickOne
*OrderDependency: 20 AnySetup *Duplex
*DefaultDuplex: None
*Duplex None/Off: ""
*Duplex DuplexNoTumble/Long Edge: ""
*Duplex DuplexTumble/Short Edge: ""
*CloseUI: *Duplex
'''
PAGE_LOG = "%j|%P|%C|%{job-name}|%{copies}|%{sides}|%{media}|%{print-scaling}|%{multiple-document-handling}"


class Cups:
    """A cupsd of its own in a temporary folder, listening on a Unix socket there."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="yinfa-cups-", dir="/tmp")
        os.chmod(self.root, 0o755)  # filters run as the lp user: they must reach the spool
        r = self.root
        for d in ("etc", "spool/tmp", "cache", "run", "log", "out", "bin/backend"):
            os.makedirs(os.path.join(r, d))
        for d in ("daemon", "filter", "cgi-bin", "driver", "monitor", "notifier"):
            os.symlink(f"/usr/lib/cups/{d}", os.path.join(r, "bin", d))
        backend = os.path.join(r, "bin", "backend", "yinfaout")
        with open(backend, "w") as f:
            f.write(BACKEND)
        os.chmod(backend, 0o700)
        self.sock = os.path.join(r, "cups.sock")
        with open(os.path.join(r, "etc", "cupsd.conf"), "w") as f:
            f.write(f"Listen {self.sock}\nLogLevel info\nWebInterface No\nBrowsing No\n"
                    "DefaultAuthType None\nMaxJobs 0\nPreserveJobHistory Yes\n"
                    f'PageLogFormat {PAGE_LOG}\n'
                    "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
                    "<Policy default>\n  <Limit All>\n    Order deny,allow\n    Allow all\n"
                    "  </Limit>\n</Policy>\n")
        with open(os.path.join(r, "etc", "cups-files.conf"), "w") as f:
            f.write(f"ServerRoot {r}/etc\nRequestRoot {r}/spool\nTempDir {r}/spool/tmp\n"
                    f"CacheDir {r}/cache\nStateDir {r}/run\nServerBin {r}/bin\n"
                    f"AccessLog {r}/log/access_log\nErrorLog {r}/log/error_log\n"
                    f"PageLog {r}/log/page_log\nPrintcap {r}/run/printcap\nSystemGroup root\n")
        self.env = {**os.environ, "CUPS_SERVER": self.sock, "HOME": r}
        for k in ("LPDEST", "PRINTER"):
            self.env.pop(k, None)
        self.proc = subprocess.Popen(["/usr/sbin/cupsd", "-f", "-c", f"{r}/etc/cupsd.conf",
                                      "-s", f"{r}/etc/cups-files.conf"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(self.sock) and self.run("lpstat", "-r").returncode == 0:
                break
            time.sleep(0.05)
        else:
            self.close()
            raise AssertionError("cupsd did not start")

    def run(self, *args):
        return subprocess.run(list(args), capture_output=True, text=True, env=self.env, timeout=60)

    def add(self, name, size="A4", duplex=True):
        dims = {"A4": ("595.28", "841.89"), "Letter": ("612", "792")}[size]
        ppd = os.path.join(self.root, f"{name}.ppd")
        with open(ppd, "w") as f:
            f.write(PPD.replace("{size}", size).replace("{w}", dims[0]).replace("{h}", dims[1]))
            if duplex:
                f.write(DUPLEX)
        p = self.run("lpadmin", "-p", name, "-E", "-v", f"yinfaout:{self.root}/out", "-P", ppd)
        assert p.returncode == 0, p.stderr

    def yinfa(self, yinfa, *args, env=None):
        return subprocess.run([yinfa, *args], capture_output=True, text=True, timeout=300,
                              env={**self.env, **(env or {})}, cwd=self.root)

    def page_log(self):
        """The last line of each job: {job id: fields}; totals add up over a job's attempts."""
        path = os.path.join(self.root, "log", "page_log")
        jobs = {}
        if os.path.exists(path):
            for line in open(path, encoding="utf-8"):
                f = line.rstrip("\n").split("|")
                if len(f) == 9 and f[1] == "total":
                    jobs[int(f[0])] = dict(zip(("job", "page", "total", "name", "copies", "sides",
                                                "media", "scaling", "handling"), f))
        return jobs

    def completed(self):
        p = self.run("lpstat", "-W", "completed", "-o")
        return sorted(int(m) for m in re.findall(r"^\S+-(\d+)\s", p.stdout, re.M))

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def records(n):
    """n bulletins; every third one long enough for a second page; 印数 1 to 3."""
    out = []
    for i in range(1, n + 1):
        body = ["全市各级工会广泛开展送温暖活动，走访慰问困难职工家庭，帮助解决实际困难。" * (12 if i % 3 == 0 else 1)]
        out.append({"期号": i, "编印单位": f"第{i}区总工会", "日期": "2026-11-02",
                    "文章": [{"标题": f"第{i}区工会工作动态", "正文": body * (3 if i % 3 == 0 else 1)}],
                    "印数": i % 3 + 1})
    return out


def pdf_pages(path):
    p = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", p.stdout, re.M).group(1))


def page_texts(path):
    p = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True)
    return [re.sub(r"\s+", "", t) for t in p.stdout.split("\f")[:-1]]


def expected_total(pages, copies):
    """Sides on the device: collated copies printed on both sides start each copy on a new sheet."""
    return copies * (pages + pages % 2) if copies > 1 else pages


def test_print_a_batch_stopped_and_resumed(yinfa):
    cups = Cups()
    try:
        cups.add("office")
        assert cups.run("lpadmin", "-d", "office").returncode == 0
        data = os.path.join(cups.root, "week.jsonl")
        with open(data, "w", encoding="utf-8") as f:
            for r in records(DOCS):
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        names = [f"{i}-第{i}区总工会.pdf" for i in range(1, DOCS + 1)]
        with open(os.path.join(cups.root, "stop-at"), "w", encoding="utf-8") as f:
            f.write(names[STOP_AT - 1])
        args = ["batch", "bulletin", data, "-o", "docs", "--name", "{期号}-{编印单位}.pdf",
                "--print", "--copies-from", "印数", "--jobs", "2"]
        first = cups.yinfa(yinfa, *args)
        assert first.returncode == 1, first.stderr[-3000:]
        err = first.stderr
        # progress per document, from CUPS's job states
        assert f"[1/{DOCS}] {names[0]}：已送出，打印任务 office-" in err, err[-3000:]
        assert f"[1/{DOCS}] {names[0]}：已打印" in err, err[-3000:]
        assert "打印机 office 已暂停（缺纸" in err and "cupsenable office" in err, err[-3000:]
        # the summary names exactly the documents not printed
        listed = re.search(r"未打印的文件（(\d+) 份）：\n((?:  .*\n)+)", err)
        assert listed, err[-3000:]
        not_printed = [line.strip().split("（")[0] for line in listed.group(2).splitlines()]
        assert not_printed == names[STOP_AT - 1:], not_printed
        assert f"打印：{STOP_AT - 1} 份已打印，0 份失败，{DOCS - STOP_AT + 1} 份未打印" in err, err[-2000:]
        assert len(cups.completed()) == STOP_AT - 1
        state = json.load(open(os.path.join(cups.root, "docs", ".yinfa-print.json"), encoding="utf-8"))
        assert sum(d["completed"] for d in state["documents"].values()) == STOP_AT - 1, state

        # the printer comes back; --resume prints exactly the rest, none twice
        assert cups.run("cupsenable", "office").returncode == 0
        for _ in range(200):  # the stopped document's job, still queued, prints by itself
            if len(cups.completed()) == STOP_AT:
                break
            time.sleep(0.05)
        second = cups.yinfa(yinfa, *args, "--resume")
        assert second.returncode == 0, second.stderr[-3000:]
        sent = re.findall(r"\] (\S+)：已送出", second.stderr)
        assert sent == names[STOP_AT:], sent
        assert f"打印：{DOCS - STOP_AT} 份已打印，{STOP_AT} 份此前已打印，0 份失败，0 份未打印" in second.stderr, \
            second.stderr[-2000:]

        # CUPS's records: one completed job a document, in order, with its copies, A4, both sides
        jobs = cups.page_log()
        assert cups.completed() == sorted(jobs), (cups.completed(), sorted(jobs))
        assert [j["name"] for _, j in sorted(jobs.items())] == names, jobs
        assert cups.run("lpstat", "-o").stdout == ""  # nothing left in the queue
        pages_printed = 0
        for (jid, j), r, name in zip(sorted(jobs.items()), records(DOCS), names):
            doc = os.path.join(cups.root, "docs", name)
            pages = pdf_pages(doc)
            want = expected_total(pages, r["印数"])
            # the stopped job's first attempt went through the filters too: CUPS counts it
            attempts = 2 if name == names[STOP_AT - 1] else 1
            assert int(j["total"]) == want * attempts, (name, j, pages, r["印数"])
            assert j["copies"] == str(r["印数"]), j
            assert (j["sides"], j["media"], j["scaling"], j["handling"]) == \
                ("two-sided-long-edge", "iso_a4_210x297mm", "none", "separate-documents-collated-copies"), j
            # the device's pages are yinfa's pages, copy after copy
            device = os.path.join(cups.root, "out", f"{jid}.pdf")
            assert pdf_pages(device) == want, (name, pdf_pages(device), want)
            got, mine = page_texts(device), page_texts(doc)
            step = pages + pages % 2 if r["印数"] > 1 else pages
            for c in range(r["印数"]):
                assert got[c * step:c * step + pages] == mine, (name, c)
            pages_printed += want
        assert pages_printed > DOCS
    finally:
        cups.close()


def test_errors_a_clerk_can_act_on(yinfa):
    cups = Cups()
    try:
        data = os.path.join(cups.root, "one.json")
        with open(data, "w", encoding="utf-8") as f:
            json.dump(records(1)[0], f, ensure_ascii=False)
        # no printer named, none the default
        cups.add("office")
        p = cups.yinfa(yinfa, "print", "bulletin", data)
        assert p.returncode == 1 and "没有设置默认打印机：请用 -P 指定打印机" in p.stderr, p.stderr
        p = cups.yinfa(yinfa, "print", "bulletin", data, "-P", "nosuch")
        assert p.returncode == 1 and "没有名为 nosuch 的打印机" in p.stderr, p.stderr
        # no duplex: asks for --simplex instead of printing one-sided silently
        cups.add("simplex", duplex=False)
        p = cups.yinfa(yinfa, "print", "bulletin", data, "-P", "simplex")
        assert p.returncode == 1 and "不能双面打印" in p.stderr and "--simplex" in p.stderr, p.stderr
        p = cups.yinfa(yinfa, "print", "bulletin", data, "-P", "simplex", "--simplex", "--copies", "2")
        assert p.returncode == 0, p.stderr
        assert "one.pdf：已打印" in p.stderr, p.stderr
        (j,) = cups.page_log().values()
        assert (j["name"], j["copies"], j["sides"]) == ("one.pdf", "2", "one-sided"), j
        # no A4
        cups.add("letter", size="Letter")
        p = cups.yinfa(yinfa, "print", "bulletin", data, "-P", "letter")
        assert p.returncode == 1 and "没有 A4 纸" in p.stderr, p.stderr
        # paused, rejecting
        cups.run("cupsdisable", "office")
        p = cups.yinfa(yinfa, "print", "bulletin", data, "-P", "office")
        assert p.returncode == 1 and "打印机 office 已暂停" in p.stderr and "cupsenable office" in p.stderr, p.stderr
        cups.run("cupsenable", "office")
        cups.run("cupsreject", "office")
        p = cups.yinfa(yinfa, "batch", "bulletin", data, "-o", "d", "--print", "-P", "office")
        assert p.returncode == 1 and "拒绝接收任务" in p.stderr and "cupsaccept office" in p.stderr, p.stderr
        assert not os.path.exists(os.path.join(cups.root, "d")), "rendered for a printer that refuses"
        # a slot without a number of copies
        cups.run("cupsaccept", "office")
        p = cups.yinfa(yinfa, "print", "bulletin", data, "-P", "office", "--copies-from", "期号x")
        assert p.returncode == 1 and "模板没有名为「期号x」的槽位" in p.stderr, p.stderr
        assert "可存份数的整数槽位有：「期号」、「印数」" in p.stderr, p.stderr
        # the list of printers and what each can do
        p = cups.yinfa(yinfa, "printers")
        assert p.returncode == 0, p.stderr
        rows = {line.split("\t")[0]: line.split("\t")[1:] for line in p.stdout.splitlines()}
        assert rows["office"] == ["空闲", "是", "能", "能", "能"], p.stdout
        assert rows["simplex"][2] == "不能" and rows["letter"][3] == "不能", p.stdout
        assert len(cups.page_log()) == 1  # nothing but the one-sided job was printed
        # cupsd unreachable
        p = cups.yinfa(yinfa, "print", "bulletin", data, "-P", "office",
                       env={"CUPS_SERVER": os.path.join(cups.root, "none.sock")})
        assert p.returncode == 1 and "无法连接打印服务 CUPS" in p.stderr, p.stderr
    finally:
        cups.close()


def test_help_and_usage(yinfa):
    for cmd in ("print", "printers"):
        for args in ([cmd, "--help"], ["help", cmd]):
            p = subprocess.run([yinfa, *args], capture_output=True, text=True, timeout=30)
            assert p.returncode == 0 and p.stdout.startswith(f"用法：yinfa {cmd}"), (args, p.stdout[:200])
    p = subprocess.run([yinfa, "--help"], capture_output=True, text=True, timeout=30)
    assert "  print " in p.stdout and "  printers " in p.stdout, p.stdout
    p = subprocess.run([yinfa, "batch", "--help"], capture_output=True, text=True, timeout=30)
    assert "--print" in p.stdout and "--copies-from" in p.stdout, p.stdout
    with tempfile.TemporaryDirectory() as tmp:
        page = os.path.join(tmp, "yinfa.1")
        subprocess.run(["bash", os.path.join(ROOT, "scripts", "make-man.sh"), yinfa, page], check=True,
                       capture_output=True, timeout=60)
        text = open(page, encoding="utf-8").read()
        assert "用法：yinfa print TEMPLATE DATA" in text and "用法：yinfa printers" in text
        # usage errors: exit 2 and the command's help, before any printer is asked
        for args in (["batch", "bulletin", "x.csv", "--print"],                  # no -o DIR
                     ["batch", "bulletin", "x.csv", "-o", tmp, "-P", "office"],  # -P without --print
                     ["print", "bulletin", "x.json", "--copies", "0"],
                     ["print", "bulletin", "x.json", "--copies", "2", "--copies-from", "印数"],
                     ["print", "bulletin"], ["printers", "extra"]):
            p = subprocess.run([yinfa, *args], capture_output=True, text=True, timeout=30,
                               env={**os.environ, "CUPS_SERVER": os.path.join(tmp, "none.sock")})
            assert p.returncode == 2 and "用法：yinfa" in p.stderr, (args, p.returncode, p.stderr)
