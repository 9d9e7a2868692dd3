"""libyinfa as an installed C library: `make install` into a temporary prefix, a C program built
with `pkg-config --cflags --libs yinfa` rendering the installed speech template, the installed
program run from elsewhere, `make uninstall` leaving no file; the shared library exporting exactly
the functions of include/yinfa.h; yf_version() against YF_VERSION.

Under a sanitizer build (YINFA_BIN in build-asan/, YINFA_SAN_FLAGS set) the same: the library
beside YINFA_BIN is installed as built (nothing is rebuilt) and the programs are linked with the
same flags."""
import os
import re
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAN = os.environ.get("YINFA_SAN_FLAGS", "").split()
TITLE = "凝心聚力抓落实"



def readme_program():
    """The C example of the README's "Using the library": the program this test builds."""
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    return re.search(r"```c\n(.*?)```", text, re.S).group(1)


def build_dir(yinfa):
    return os.path.dirname(os.path.abspath(yinfa))


def make(yinfa, *targets, **variables):
    """make TARGETS in the build of `yinfa`, with the flags it was built with: nothing rebuilds."""
    args = ["make", "-s", "--no-print-directory", f"BUILD={os.path.relpath(build_dir(yinfa), ROOT)}",
            *targets, *(f"{k}={v}" for k, v in variables.items())]
    if SAN:
        args += [f"CFLAGS={' '.join(SAN)}", f"LDFLAGS={' '.join(SAN)}"]
    p = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def files_under(top):
    """Every file and symbolic link below `top`, relative to it."""
    found = []
    for dirpath, dirnames, filenames in os.walk(top):
        found += [os.path.relpath(os.path.join(dirpath, n), top) for n in filenames]
        found += [os.path.relpath(os.path.join(dirpath, n), top) for n in dirnames
                  if os.path.islink(os.path.join(dirpath, n))]
    return sorted(found)


def pdf_text(path):
    return subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True, check=True).stdout


def test_install_build_against_uninstall(yinfa):
    """Installed into a prefix: the README's C program built with the prefix's yinfa.pc renders the installed
    speech; the installed program renders from another folder; uninstall removes every file."""
    tmp = tempfile.mkdtemp(prefix="yinfa-lib-")
    try:
        prefix = os.path.join(tmp, "prefix")
        make(yinfa, "install", PREFIX=prefix)
        installed = files_under(prefix)
        for f in ["bin/yinfa", "lib/libyinfa.so.0.1.0", "lib/libyinfa.so.0", "lib/libyinfa.so",
                  "lib/libyinfa.a", "lib/pkgconfig/yinfa.pc", "include/yinfa.h",
                  "share/man/man1/yinfa.1", "share/yinfa/fonts/yinfa-roles.conf",
                  "share/yinfa/templates/yinfa-template.rng",
                  "share/yinfa/templates/common/gbt9704.xml",
                  "share/yinfa/templates/speech/template.xml",
                  "share/yinfa/templates/speech/data.json"]:
            assert f in installed, f"{f} not installed: {installed[:20]}"
        share = os.path.join(prefix, "share", "yinfa")
        # Every template file is there, as a file (the samples' links followed).
        for dirpath, _, names in os.walk(os.path.join(ROOT, "templates")):
            for n in names:
                rel = os.path.relpath(os.path.join(dirpath, n), ROOT)
                assert os.path.isfile(os.path.join(share, rel)) and not os.path.islink(
                    os.path.join(share, rel)), f"{rel} not installed as a file"

        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "yinfa"], env=env,
                               capture_output=True, text=True, check=True).stdout.split()
        assert f"-I{prefix}/include" in flags and f"-L{prefix}/lib" in flags and "-lyinfa" in flags, flags
        src, prog = os.path.join(tmp, "render.c"), os.path.join(tmp, "render")
        open(src, "w").write(readme_program())
        subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", src, *flags, *SAN, "-o", prog],
                       check=True, timeout=120)
        pdf = os.path.join(tmp, "speech.pdf")
        env["LD_LIBRARY_PATH"] = os.path.join(prefix, "lib")
        p = subprocess.run([prog, f"{share}/fonts/yinfa-roles.conf", f"{share}/templates/speech/template.xml",
                            f"{share}/templates/speech/data.json", pdf], env=env, cwd=tmp,
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        assert open(pdf, "rb").read(5) == b"%PDF-" and TITLE in pdf_text(pdf)
        # The program found the library of the prefix, not another one.
        maps = subprocess.run(["ldd", prog], env=env, capture_output=True, text=True).stdout
        assert f"{prefix}/lib/libyinfa.so.0" in maps, maps

        # The installed program, from a folder with nothing of yinfa's in it.
        elsewhere = os.path.join(tmp, "elsewhere")
        os.mkdir(elsewhere)
        p = subprocess.run([os.path.join(prefix, "bin", "yinfa"), "render", "speech",
                            f"{share}/templates/speech/data.json", "-o", "s.pdf", "-q"],
                           cwd=elsewhere, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        assert TITLE in pdf_text(os.path.join(elsewhere, "s.pdf"))

        make(yinfa, "uninstall", PREFIX=prefix)
        left = files_under(prefix)
        assert left == [], f"left behind: {left}"
        assert not os.path.exists(os.path.join(prefix, "share", "yinfa")), "yinfa's share folder left"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_destdir(yinfa):
    """DESTDIR stages an install for a package: every file under DESTDIR/PREFIX, yinfa.pc naming
    PREFIX; uninstall with the same DESTDIR removes them all and touches nothing beside them."""
    tmp = tempfile.mkdtemp(prefix="yinfa-dest-")
    try:
        os.makedirs(os.path.join(tmp, "opt", "other"))
        open(os.path.join(tmp, "opt", "other", "keep.txt"), "w").write("not yinfa's")
        make(yinfa, "install", DESTDIR=tmp, PREFIX="/opt/yinfa")
        files = files_under(tmp)
        assert all(f.startswith("opt/yinfa/") or f == "opt/other/keep.txt" for f in files), files
        pc = open(os.path.join(tmp, "opt/yinfa/lib/pkgconfig/yinfa.pc")).read()
        assert "prefix=/opt/yinfa\n" in pc and "includedir=/opt/yinfa/include" in pc, pc
        assert os.readlink(os.path.join(tmp, "opt/yinfa/lib/libyinfa.so.0")) == "libyinfa.so.0.1.0"
        make(yinfa, "uninstall", DESTDIR=tmp, PREFIX="/opt/yinfa")
        assert files_under(tmp) == ["opt/other/keep.txt"], files_under(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def declared_functions():
    """(every function include/yinfa.h declares, those of them marked YF_API)."""
    text = open(os.path.join(ROOT, "include", "yinfa.h"), encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"^\s*#.*$", "", text, flags=re.M)
    declared, exported = set(), set()
    for decl in text.split(";"):
        decl = re.split(r"[{}]", decl)[-1]   # after `extern "C" {` or an enum's body
        m = re.search(r"\b(yf_\w+)\s*\(", decl)
        if not m or re.match(r"\s*typedef\b", decl):
            continue
        declared.add(m.group(1))
        if re.match(r"\s*YF_API\b", decl):
            exported.add(m.group(1))
    return declared, exported


def test_exports_are_the_header(yinfa):
    """libyinfa.so exports the functions of include/yinfa.h, each marked YF_API, and nothing else."""
    declared, marked = declared_functions()
    assert len(declared) > 40, declared
    assert declared == marked, f"declared without YF_API: {sorted(declared - marked)}"
    lib = os.path.join(build_dir(yinfa), "libyinfa.so")
    out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True, check=True).stdout
    symbols = {line.split()[-1]: line.split()[-2] for line in out.splitlines() if line.strip()}
    assert set(symbols) == declared, (f"exported, not declared: {sorted(set(symbols) - declared)}; "
                                      f"declared, not exported: {sorted(declared - set(symbols))}")
    assert set(symbols.values()) == {"T"}, symbols
    soname = subprocess.run(["readelf", "-d", lib], capture_output=True, text=True, check=True).stdout
    assert "Library soname: [libyinfa.so.0]" in soname, soname


def test_version(yinfa):
    """yf_version() of the shared library is the header's YF_VERSION, and the numbers agree."""
    tmp = tempfile.mkdtemp(prefix="yinfa-ver-")
    try:
        src, prog = os.path.join(tmp, "v.c"), os.path.join(tmp, "v")
        open(src, "w").write('#include "yinfa.h"\n#include <stdio.h>\nint main(void) {\n'
                             '    printf("%s|%s|%d.%d.%d\\n", yf_version(), YF_VERSION,\n'
                             '           YF_VERSION_MAJOR, YF_VERSION_MINOR, YF_VERSION_PATCH);\n'
                             '    return 0;\n}\n')
        lib = build_dir(yinfa)
        subprocess.run(["cc", "-std=c99", "-Wall", "-Werror", f"-I{ROOT}/include", src, f"-L{lib}", "-lyinfa",
                        *SAN, "-o", prog], check=True, timeout=120)
        out = subprocess.run([prog], env=dict(os.environ, LD_LIBRARY_PATH=lib), capture_output=True,
                             text=True, check=True).stdout.strip()
        run_time, header, numbers = out.split("|")
        assert run_time == header == numbers, out
        assert re.fullmatch(r"\d+\.\d+\.\d+", header), out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
