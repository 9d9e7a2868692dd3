"""The template grammar is stated once, in templates/yinfa-template.rng: docs/template-language.md
documents every element and attribute it defines and no other, and the loader (engine/template.c)
reads each element's attributes from it instead of keeping lists of its own."""
import os
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RNG = os.path.join(ROOT, "templates", "yinfa-template.rng")
DOC = os.path.join(ROOT, "docs", "template-language.md")
NS = "{http://relaxng.org/ns/structure/1.0}"
# Elements of other languages the page mentions: SVG's <use> (images).
FOREIGN = {"use"}


def grammar():
    """(element names, attribute names, {element: its attributes in grammar order})."""
    root = ET.parse(RNG).getroot()
    defines = {d.get("name"): d for d in root.iter(NS + "define")}

    def attrs(pattern, seen, out):
        for c in pattern:
            if c.tag == NS + "element":
                continue
            if c.tag == NS + "attribute":
                if c.get("name") not in out:
                    out.append(c.get("name"))
            elif c.tag == NS + "ref":
                if c.get("name") not in seen:
                    seen.add(c.get("name"))
                    attrs(defines[c.get("name")], seen, out)
            else:
                attrs(c, seen, out)

    per = {}
    for e in root.iter(NS + "element"):
        attrs(e, set(), per.setdefault(e.get("name"), []))
    return set(per), {a.get("name") for a in root.iter(NS + "attribute")}, per


def doc_spans():
    """The inline code spans of the page's prose (fenced examples left out)."""
    text = open(DOC, encoding="utf-8").read()
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return prose, re.findall(r"`([^`\n]+)`", prose)


def test_docs_and_grammar_have_the_same_elements(yinfa):
    """Every element of the grammar is named (`<name …>`) in the reference's prose, and every
    element the prose names is the grammar's."""
    elements, _, _ = grammar()
    _, spans = doc_spans()
    named = {m for s in spans if "<" in s for m in re.findall(r"<([a-z][\w-]*)(?![\w:-])", s)}
    named -= FOREIGN
    assert not elements - named, f"in the grammar, not documented: {sorted(elements - named)}"
    assert not named - elements, f"documented, not in the grammar: {sorted(named - elements)}"


def test_docs_and_grammar_have_the_same_attributes(yinfa):
    """Every attribute of the grammar is named in the reference's prose (`name` or `name=…`),
    and every attribute of its attribute tables is the grammar's."""
    _, attributes, _ = grammar()
    prose, spans = doc_spans()
    named = set()
    for s in spans:
        named |= set(re.findall(r"([a-z][\w-]*)=", s))
        if re.fullmatch(r"[a-z][\w-]*", s):
            named.add(s)
        named |= set(re.findall(r"<[a-z][\w-]*\s+([a-z][\w-]*)>", s))   # `<span style>`
    assert not attributes - named, f"in the grammar, not documented: {sorted(attributes - named)}"
    tabled = set()
    for table in re.finditer(r"^\| attribute \|.*\n((?:\|.*\n)+)", prose, re.M):
        for row in table.group(1).splitlines()[1:]:
            for span in re.findall(r"`([^`]+)`", row.split("|")[1]):
                tabled.add(re.match(r"[\w-]+", span).group(0))
    assert len(tabled) > 30, tabled
    assert not tabled - attributes, f"in an attribute table, not in the grammar: {sorted(tabled - attributes)}"


def test_loader_takes_attributes_from_the_grammar(yinfa):
    """engine/template.c keeps no list of attribute names, and an attribute an element lacks is
    refused with the grammar's list of those it has, in the grammar's order."""
    _, attributes, per = grammar()
    source = re.sub(r"/\*.*?\*/", "", open(os.path.join(ROOT, "engine", "template.c"), encoding="utf-8").read(),
                    flags=re.S)
    for array in re.findall(r"\[\w*\]\s*=\s*\{([^{}]*)\}", source):
        names = re.findall(r'"([^"]*)"', array)
        restated = [n for n in names if n in attributes]
        assert len(names) < 2 or len(restated) < len(names), f"a list of attributes in template.c: {names}"
    assert not re.search(r"check_attrs\([^;]*,[^;]*,", source), "check_attrs given a list"

    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "template.xml")
    open(path, "w", encoding="utf-8").write(
        '<template version="1" bogus="1">\n'
        '  <page bogus="1"/>\n'
        '  <styles><style name="x" bogus="1"/></styles>\n'
        '  <slots><slot name="a" example="x" bogus="1"/></slots>\n'
        '  <body>\n'
        '    <p bogus="1">x</p>\n'
        '    <h1 bogus="1">x</h1>\n'
        '    <rule bogus="1"/>\n'
        '    <table bogus="1"><tr><td bogus="1">x</td></tr></table>\n'
        '  </body>\n'
        '</template>\n')
    p = subprocess.run([yinfa, "check", path, "-q"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, p.stderr
    for element in ("template", "page", "style", "slot", "p", "h1", "rule", "table", "td"):
        want = f"<{element}> 没有属性 bogus（可用：{'、'.join(per[element])}）"
        assert want in p.stderr, f"{want}\n{p.stderr}"
