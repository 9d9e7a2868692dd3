"""`yinfa serve` for a test: started on a free loopback port (--port 0; the server prints the
URL it got), stopped with SIGTERM, which it must survive into a clean exit 0. Used by
tests/test_serve.py and tests/test_web.py."""
import os
import re
import selectors
import signal
import subprocess
import tempfile
import time

STARTUP_SECONDS = 30


class Server:
    def __init__(self, yinfa, *args):
        self.args = [yinfa, "serve", "--port", "0", "--host", "127.0.0.1", "-q", *args]

    def __enter__(self):
        self.stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.stderr,
                                     text=True, encoding="utf-8")
        line = self._first_line()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            why = f"yinfa serve did not say where it listens: {line!r} {self.errors()}"
            self.__exit__(None, None, None)
            raise AssertionError(why)
        self.port = int(m.group(1))
        self.url = m.group(0)
        return self

    def _first_line(self):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if sel.select(timeout=0.2):
                return self.proc.stdout.readline()
            if self.proc.poll() is not None:
                break
        return ""

    def alive(self):
        return self.proc.poll() is None

    def errors(self):
        """What the server wrote to stderr (also after it stopped)."""
        if self.stderr.closed:
            return self.log
        self.stderr.seek(0)
        return self.stderr.read()

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.rc = self.proc.wait()
        self.proc.stdout.close()
        self.log = self.errors()
        self.stderr.close()
        return False


def pdf_text(data_or_path):
    """The text of a PDF, white space removed (lines break anywhere in Chinese)."""
    if isinstance(data_or_path, bytes):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(data_or_path)
            f.flush()
            return pdf_text(f.name)
    out = subprocess.run(["pdftotext", data_or_path, "-"], capture_output=True, text=True,
                         check=True).stdout
    return "".join(out.split())


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
