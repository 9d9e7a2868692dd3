"""The office faces of each type role are listed once, in fonts/yinfa-roles.conf (the alias
yinfa-ROLE-office), and read from there by the engine: no list of faces in the C sources, every
face of the file taken as an office face when it serves its role, fontconfig trying them first,
and an edit of the file alone changing what the engine calls an office face."""
import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROLES_CONF = os.path.join(ROOT, "fonts", "yinfa-roles.conf")
TEST_FONTS = os.path.join(ROOT, "tests", "fonts.conf")
ROLES = {"小标宋": "yinfa-xiaobiaosong", "仿宋": "yinfa-fangsong", "黑体": "yinfa-heiti",
         "楷体": "yinfa-kaiti", "宋体": "yinfa-songti"}
# Names that only a list of Chinese office faces would hold.
FACE_NAME = re.compile(r"[\w-]*(?:_GB2312|_GBK|Sim(?:Hei|Sun)|NSimSun|STFangsong|STKaiti|STHeiti|STSong|"
                       r"华文\w+|方正\w+|FZ[A-Za-z]+[\w-]*)")


def aliases(path=ROLES_CONF):
    """{alias family: [preferred families]} of a fontconfig file."""
    out = {}
    for alias in ET.parse(path).getroot().iter("alias"):
        out[alias.find("family").text.strip()] = [f.text.strip() for f in alias.iter("prefer") for f in f.iter("family")]
    return out


def office_faces():
    a = aliases()
    return {role: a.get(family + "-office", []) for role, family in ROLES.items()}


def c_strings(folder):
    """(file, literal) for every string literal of the C files of `folder`, comments removed."""
    found = []
    for name in sorted(os.listdir(os.path.join(ROOT, folder))):
        if name.endswith((".c", ".h")):
            text = open(os.path.join(ROOT, folder, name), encoding="utf-8").read()
            text = re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)
            found += [(name, s) for s in re.findall(r'"((?:[^"\\\n]|\\.)*)"', text)]
    return found


def fonts(yinfa, fonts_conf, home=None):
    env = dict(os.environ)
    if home:
        env["YINFA_HOME"] = home
    p = subprocess.run([yinfa, "fonts", "--fonts-conf", fonts_conf], capture_output=True, text=True,
                       env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    return {line.split("\t")[0]: line.split("\t")[1:] for line in p.stdout.splitlines()}


def test_one_list_in_the_roles_file(yinfa):
    """Every role has its office faces in the roles file, and no C source names an office face."""
    faces = office_faces()
    for role, names in faces.items():
        assert names, f"no alias {ROLES[role]}-office in fonts/yinfa-roles.conf"
    everything = {f for names in faces.values() for f in names}
    engine = [(n, s) for n, s in c_strings("engine") + c_strings("include") if FACE_NAME.search(s)]
    assert not engine, f"office faces named in the engine: {engine}"
    # The program's install hint may name faces, but only faces of the file.
    for name, s in c_strings("cli"):
        for face in FACE_NAME.findall(s):
            assert face in everything, f"cli/{name} names {face}, not an office face of the roles file"


def test_fontconfig_tries_office_faces_first(yinfa):
    """fontconfig expands each role to its office faces, in the file's order, before any
    substitute (bold 楷体 too)."""
    tmp = tempfile.mkdtemp()
    try:
        conf = os.path.join(tmp, "fonts.conf")
        open(conf, "w").write(f'<?xml version="1.0"?>\n<fontconfig><include>{ROLES_CONF}</include></fontconfig>\n')
        substitutes = aliases()
        for role, names in office_faces().items():
            for pattern in ([ROLES[role]] + ([ROLES[role] + ":weight=bold"] if role == "楷体" else [])):
                out = subprocess.run(["fc-pattern", "-c", pattern.replace("-", "\\-"),
                                      "family"], env=dict(os.environ, FONTCONFIG_FILE=conf),
                                     capture_output=True, text=True, check=True).stdout
                families = re.findall(r'"([^"]*)"\(s\)', out)
                assert families[:len(names)] == names, (pattern, families)
                first_substitute = [f for f in substitutes[ROLES[role]] if not f.endswith("-office")][0]
                assert families.index(first_substitute) > len(names), (pattern, families)
    finally:
        shutil.rmtree(tmp)


def test_every_listed_face_is_an_office_face(yinfa):
    """With a font renamed to a face of a role's list, the engine serves the role with it and
    calls it an office face; renamed to a face of no list, a substitute."""
    tmp = tempfile.mkdtemp()
    try:
        base = fonts(yinfa, TEST_FONTS)
        faces = office_faces()
        if os.environ.get("YINFA_SANITIZED"):
            faces = {role: names[:2] for role, names in faces.items()}   # slower: fewer faces
        cases = [(role, face, "office") for role, names in faces.items() for face in names]
        cases += [(role, "Someone Else Song", "substitute") for role in ROLES]
        for role, face, kind in cases:
            conf = os.path.join(tmp, "fonts.conf")
            open(conf, "w", encoding="utf-8").write(
                f'<?xml version="1.0"?>\n<fontconfig><include>{TEST_FONTS}</include>\n'
                f'<match target="font"><test name="family"><string>{base[role][0]}</string></test>'
                f'<edit name="family" mode="assign"><string>{face}</string></edit></match>\n</fontconfig>\n')
            got = fonts(yinfa, conf)
            assert got[role] == [face, kind], (role, face, got[role])
    finally:
        shutil.rmtree(tmp)


def test_editing_the_file_alone_changes_the_engine(yinfa):
    """A face added to a role's office list in a copy of the roles file ($YINFA_HOME) is an
    office face to the engine; a roles file without the lists is refused, naming the alias."""
    tmp = tempfile.mkdtemp()
    try:
        os.makedirs(os.path.join(tmp, "fonts"))
        text = open(ROLES_CONF, encoding="utf-8").read()
        served = fonts(yinfa, TEST_FONTS)["黑体"][0]
        edited = text.replace("<family>yinfa-heiti-office</family>\n    <prefer>\n",
                              f"<family>yinfa-heiti-office</family>\n    <prefer>\n      <family>{served}</family>\n", 1)
        assert edited != text
        open(os.path.join(tmp, "fonts", "yinfa-roles.conf"), "w", encoding="utf-8").write(edited)
        assert fonts(yinfa, TEST_FONTS, home=tmp)["黑体"] == [served, "office"]

        stripped = re.sub(r'<alias binding="strong">\s*<family>yinfa-songti-office</family>.*?</alias>', "",
                          text, flags=re.S)
        open(os.path.join(tmp, "fonts", "yinfa-roles.conf"), "w", encoding="utf-8").write(stripped)
        p = subprocess.run([yinfa, "fonts", "--fonts-conf", TEST_FONTS], capture_output=True, text=True,
                           env=dict(os.environ, YINFA_HOME=tmp), timeout=60)
        assert p.returncode == 1 and "yinfa-songti-office" in p.stderr and "宋体" in p.stderr, p.stderr
    finally:
        shutil.rmtree(tmp)
