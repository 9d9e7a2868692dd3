"""What `yinfa batch --print` records of each document in DIR/.yinfa-print.json, and how --resume
trusts it — against one private cupsd for the whole file (test_print.Cups: its own spool, socket
and logs; no system printer touched).

* A job id alone is not a job: a CUPS replaced or reinstalled numbers its jobs from 1 again, and
  another's completed job may carry the number of ours. The record keeps each job's job-uuid and
  the printer's URI and printer-uuid; a resumed run takes a recorded job for the document's only
  when it is the same job (job-uuid; or job-name and printer for a record without one), and
  otherwise prints the document again and says why — never reports printed what was not.
* A record that cannot be read stops --resume before anything is sent (exit 1, naming the file and
  what to do); a run without --resume writes it anew.
* Shards of one batch printing into one DIR merge their documents into the one record.
* A CUPS that accepts the connection but never answers is reported as such (exit 1), within the
  timeout YINFA_CUPS_TIMEOUT, by `yinfa printers` and `yinfa print`.
"""
import atexit
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_print import Cups  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SANITIZED = bool(os.environ.get("YINFA_SANITIZED"))
STATE = ".yinfa-print.json"
_cups = None


def cups():
    """The file's one cupsd, with a default printer `office`; started by the first test."""
    global _cups
    if _cups is None:
        _cups = Cups()
        atexit.register(_cups.close)
        _cups.add("office")
        assert _cups.run("lpadmin", "-d", "office").returncode == 0
    return _cups


def write_records(c, name, n):
    b = json.load(open(os.path.join(ROOT, "templates", "bulletin", "data.json"), encoding="utf-8"))
    path = os.path.join(c.root, name)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({**b, "期号": i + 1}, ensure_ascii=False) + "\n")
    return path


def job_names(c):
    return [j["name"] for _, j in sorted(c.page_log().items())]


def wait_jobs(c, count):
    for _ in range(200):
        if len(c.page_log()) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"CUPS did not complete {count} jobs: {c.page_log()}")


def test_resume_takes_only_its_own_jobs(yinfa):
    c = cups()
    recs = write_records(c, "own.jsonl", 3)
    out = os.path.join(c.root, "own")
    args = ["batch", "bulletin", recs, "-o", out, "--print", "--jobs", "1", "--quiet"]
    p = c.yinfa(yinfa, *args)
    assert p.returncode == 0, p.stderr[-2000:]
    state_path = os.path.join(out, STATE)
    state = json.load(open(state_path, encoding="utf-8"))["documents"]
    for name in ("1.pdf", "2.pdf", "3.pdf"):
        e = state[name]
        assert e["completed"] is True and e["job-name"] == name and e["printer"] == "office", e
        assert e["job-uuid"].startswith("urn:uuid:") and e["printer-uuid"].startswith("urn:uuid:"), e
        assert e["printer-uri"].endswith("/printers/office"), e
    # someone else's jobs complete on the same printer
    before = len(c.page_log())
    for i in range(2):
        assert c.run("lp", "-d", "office", "-t", f"someone-else-{i + 1}",
                     os.path.join(out, "1.pdf")).returncode == 0
    wait_jobs(c, before + 2)
    other = sorted(j for j, v in c.page_log().items() if v["name"].startswith("someone-else"))
    # The record as a run stopped before its jobs completed would leave it, but the job numbers
    # now name those other jobs (as after CUPS was replaced): 2.pdf keeps its job-uuid, 3.pdf is
    # a record without one (job-name and printer decide); 1.pdf's own job, not seen completing.
    state["1.pdf"]["completed"] = False
    state["2.pdf"].update(job=other[0], completed=False)
    state["3.pdf"] = {"job": other[1], "completed": False}
    with open(state_path, "w", encoding="utf-8") as f:
        json.dump({"documents": state}, f)
    before = len(c.page_log())
    p = c.yinfa(yinfa, *args, "--resume")
    assert p.returncode == 0, p.stderr[-2000:]
    err = p.stderr
    assert f"2.pdf：打印服务中的任务 {other[0]} 不是此前为它送出的任务（它的 job-uuid 是" in err, err
    assert f"3.pdf：打印服务中的任务 {other[1]} 不是此前为它送出的任务（它的任务名是“someone-else-2”" in err, err
    assert "打印：2 份已打印，1 份此前已打印，0 份失败，0 份未打印" in err, err
    wait_jobs(c, before + 2)
    assert job_names(c)[before:] == ["2.pdf", "3.pdf"], job_names(c)
    state = json.load(open(state_path, encoding="utf-8"))["documents"]
    assert all(e["completed"] and e["job-uuid"] for e in state.values()), state


def test_damaged_record_stops_resume(yinfa):
    c = cups()
    recs = write_records(c, "damaged.jsonl", 2)
    out = os.path.join(c.root, "damaged")
    args = ["batch", "bulletin", recs, "-o", out, "--print", "--jobs", "1", "--quiet"]
    assert c.yinfa(yinfa, *args).returncode == 0
    state_path = os.path.join(out, STATE)
    bad = ["{", "", "[]", '{"documents": 5}', '{"documents": {"1.pdf": {"job": "7", "completed": true}}}',
           '{"documents": {"1.pdf": {"job": 7, "completed": true, "job-uuid": 3}}}']
    for text in bad[:3] if SANITIZED else bad:
        with open(state_path, "w", encoding="utf-8") as f:
            f.write(text)
        before = len(c.page_log())
        p = c.yinfa(yinfa, *args, "--resume")
        assert p.returncode == 1, (text, p.stderr)
        assert f"打印记录 {state_path} 无法读取" in p.stderr and "没有打印任何文件" in p.stderr, (text, p.stderr)
        assert f"请删除 {state_path} 后再运行" in p.stderr, p.stderr
        assert "CRITICAL" not in p.stderr and "已送出" not in p.stderr, p.stderr
        assert len(c.page_log()) == before and c.run("lpstat", "-o").stdout == "", text
        assert open(state_path, encoding="utf-8").read() == text  # left as it was
    # without --resume the record starts anew: everything printed, the record whole again
    before = len(c.page_log())
    p = c.yinfa(yinfa, *args)
    assert p.returncode == 0 and "已重写" in p.stderr, p.stderr
    wait_jobs(c, before + 2)
    state = json.load(open(state_path, encoding="utf-8"))["documents"]
    assert sorted(state) == ["1.pdf", "2.pdf"] and all(e["completed"] for e in state.values()), state
    assert not [n for n in os.listdir(out) if n.startswith(STATE) and n != STATE + ".lock" and n != STATE]


def test_shards_share_the_record(yinfa):
    c = cups()
    n = 4 if SANITIZED else 6
    recs = write_records(c, "shards.jsonl", n)
    out = os.path.join(c.root, "shards")
    args = ["batch", "bulletin", recs, "-o", out, "--print", "--jobs", "1", "--quiet"]
    before = len(c.page_log())
    procs = [subprocess.Popen([yinfa, *args, "--shard", f"{k}/2"], env=c.env, cwd=c.root,
                              stderr=subprocess.PIPE, text=True) for k in (1, 2)]
    for proc in procs:
        err = proc.communicate(timeout=300)[1]
        assert proc.returncode == 0, err[-2000:]
    wait_jobs(c, before + n)
    state = json.load(open(os.path.join(out, STATE), encoding="utf-8"))["documents"]
    assert sorted(state) == sorted(f"{i}.pdf" for i in range(1, n + 1)), state
    assert all(e["completed"] for e in state.values()), state
    # each shard resumed: nothing printed twice
    for k in (1, 2):
        p = c.yinfa(yinfa, *args, "--shard", f"{k}/2", "--resume")
        assert p.returncode == 0 and f"0 份已打印，{n // 2} 份此前已打印" in p.stderr, p.stderr
    # a shard started anew forgets only its own documents
    p = c.yinfa(yinfa, *args, "--shard", "1/2")
    assert p.returncode == 0, p.stderr
    wait_jobs(c, before + n + n // 2)
    p = c.yinfa(yinfa, *args, "--resume")
    assert p.returncode == 0 and f"0 份已打印，{n} 份此前已打印" in p.stderr, p.stderr
    assert len(c.page_log()) == before + n + n // 2


def test_copies_from_a_slot_the_template_lacks(yinfa):
    c = cups()
    recs = write_records(c, "slot.jsonl", 1)
    p = c.yinfa(yinfa, "batch", "bulletin", recs, "-o", os.path.join(c.root, "slot"), "--print",
                "--copies-from", "份数")
    assert p.returncode == 1, p.stderr
    assert "模板没有名为「份数」的槽位；可存份数的整数槽位有：「期号」、「印数」" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(c.root, "slot", "1.pdf")), "rendered for a wrong slot"


def test_cups_that_never_answers(yinfa):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []

    def accept():
        try:
            while True:
                held.append(server.accept()[0])
        except OSError:
            pass

    threading.Thread(target=accept, daemon=True).start()
    env = {**os.environ, "CUPS_SERVER": f"127.0.0.1:{server.getsockname()[1]}",
           "YINFA_CUPS_TIMEOUT": "1"}
    data = os.path.join(ROOT, "templates", "bulletin", "data.json")
    try:
        for args in (["printers"], ["print", "bulletin", data], ["print", "bulletin", data, "-P", "office"]):
            t0 = time.time()
            p = subprocess.run([yinfa, *args], env=env, capture_output=True, text=True, timeout=120)
            took = time.time() - t0
            assert p.returncode == 1, (args, p.returncode, p.stdout, p.stderr)
            assert "打印服务没有响应（127.0.0.1" in p.stderr and "1 秒内没有回答" in p.stderr, (args, p.stderr)
            assert "没有打印机" not in p.stdout + p.stderr and "默认打印机" not in p.stderr, (args, p.stderr)
            assert took < 15, (args, took)
    finally:
        server.close()
        for s in held:
            s.close()
    # a CUPS that answers and has no printers is told apart: exit 0, "no printers"
    empty = Cups()
    try:
        p = empty.yinfa(yinfa, "printers", env={"YINFA_CUPS_TIMEOUT": "1"})
        assert p.returncode == 0 and "中没有打印机：请先添加打印机" in p.stdout, (p.stdout, p.stderr)
    finally:
        empty.close()
