"""The command line as people expect it: every command answers --help (and `yinfa help COMMAND`)
with exit status 0, usage errors print the command's help, and the manual page yinfa(1), made from
the same text, renders with `man -l` and holds every command."""
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMANDS = ["render", "batch", "check", "text", "slots", "serve", "extract", "fonts", "help"]


def test_every_command_has_help(yinfa):
    for cmd in COMMANDS:
        for args in ([cmd, "--help"], [cmd, "-h"], ["help", cmd]):
            p = subprocess.run([yinfa, *args], capture_output=True, text=True, timeout=30)
            assert p.returncode == 0, (args, p.stderr)
            assert p.stdout.startswith(f"用法：yinfa {cmd}"), (args, p.stdout[:200])
    p = subprocess.run([yinfa, "--help"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and all(f"  {c} " in p.stdout for c in COMMANDS), p.stdout
    p = subprocess.run([yinfa, "--version"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and p.stdout.startswith("yinfa "), p.stdout


def test_usage_errors_show_the_command_s_help(yinfa):
    p = subprocess.run([yinfa, "render", "--no-such-flag"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "用法：yinfa render" in p.stderr, p.stderr
    p = subprocess.run([yinfa, "help", "nothing"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "没有命令" in p.stderr, p.stderr


def test_manual_page(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        page = os.path.join(tmp, "yinfa.1")
        subprocess.run(["bash", os.path.join(ROOT, "scripts", "make-man.sh"), yinfa, page], check=True,
                       capture_output=True, timeout=60)
        env = {**os.environ, "LC_ALL": "C.UTF-8", "MANWIDTH": "100"}
        p = subprocess.run(["man", "-l", page], capture_output=True, text=True, timeout=60, env=env)
        assert p.returncode == 0, p.stderr
        assert "按 GB/T 9704 生成党政机关公文" in p.stdout, p.stdout[:300]
        for cmd in COMMANDS:
            assert f"用法：yinfa {cmd}" in p.stdout, cmd
        # the page says what --help says: a line of render's help, word for word
        assert "--record N      多条记录的数据文件中的第 N 条（从 1 起）" in p.stdout
