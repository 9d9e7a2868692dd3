"""yinfa for Python: Chinese official documents (GB/T 9704-2012) from templates and data, as PDF
or PNG bytes, through libyinfa (ctypes; no compiler needed).

    import yinfa
    ctx = yinfa.Context()                          # fonts and type roles, loaded once
    pdf = ctx.render("templates/speech", {"标题": "…", …})
    png = ctx.render("templates/speech", None, draft=True, format="png", page=1, dpi=150)
    yinfa.Template(ctx, "templates/speech").slots()   # the slot declarations, for forms

Paths (templates, data files, font configurations) are str or os.PathLike; one holding a NUL
character raises ValueError, as open() does. The data of render() is a dict (sent as JSON), JSON
text — bytes, or a str whose first character after white space is "{" — a pathlib.Path (any
os.PathLike) naming a JSON file, any other str also a file path, or None.

A problem in the template or the data raises yinfa.Error; its .diagnostics are Diagnostic
objects with the place of each problem (file, line, column, JSON path, slot) and a stable code.
Warnings of the last call (a substituted font, an unused key) are in ctx.warnings.

The library is $YINFA_LIB (a path to libyinfa.so), else the build tree this module lies in
(build/libyinfa.so.0), else the system's libyinfa.so.0. A Context, and the templates loaded with
it, are used by one thread at a time.
"""
import ctypes
import json
import os

__all__ = ["Context", "Template", "Diagnostic", "Error", "version"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_SOURCE = os.path.dirname(os.path.dirname(_HERE))   # python/yinfa/ -> the source tree
_SONAME = "libyinfa.so.0"
_BIND_DRAFT = 1                                       # YF_BIND_DRAFT
_SEVERITY = {1: "warning", 2: "error"}                # yf_severity


def _load():
    for path in (os.environ.get("YINFA_LIB"), os.path.join(_SOURCE, "build", _SONAME)):
        if path and os.path.exists(path):
            return ctypes.CDLL(path)
    return ctypes.CDLL(_SONAME)


_lib = _load()
# free() as the process resolves it (the C library's, or a sanitizer's that the library's malloc
# pairs with), for the buffers the library hands over.
_libc = ctypes.CDLL(None)
_libc.free.argtypes = [ctypes.c_void_p]
_libc.free.restype = None

_P, _S, _I, _SZ = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_size_t
# name: (result, arguments). A pointer the caller must free is returned as c_void_p.
for _name, (_res, _args) in {
    "yf_version": (_S, []),
    "yf_diags_new": (_P, []),
    "yf_diags_free": (None, [_P]),
    "yf_diags_count": (_SZ, [_P]),
    "yf_diags_errors": (_SZ, [_P]),
    "yf_diags_severity": (_I, [_P, _SZ]),
    "yf_diags_message": (_S, [_P, _SZ]),
    "yf_diags_code": (_S, [_P, _SZ]),
    "yf_diags_file": (_S, [_P, _SZ]),
    "yf_diags_line": (_I, [_P, _SZ]),
    "yf_diags_column": (_I, [_P, _SZ]),
    "yf_diags_path": (_S, [_P, _SZ]),
    "yf_diags_slot": (_S, [_P, _SZ]),
    "yf_diags_text": (_S, [_P, _SZ]),
    "yf_context_new": (_P, [_S, _S, _P]),
    "yf_context_free": (None, [_P]),
    "yf_context_describe_fonts": (_P, [_P]),
    "yf_template_load": (_P, [_P, _S, _P]),
    "yf_template_free": (None, [_P]),
    "yf_template_name": (_S, [_P]),
    "yf_template_declarations_json": (_P, [_P]),
    "yf_data_load_json": (_P, [_S, _P]),
    "yf_data_parse_json": (_P, [_S, _S, _SZ, _P]),
    "yf_data_free": (None, [_P]),
    "yf_document_bind": (_P, [_P, _P, _I, _P]),
    "yf_document_free": (None, [_P]),
    "yf_layout_new": (_P, [_P, _P, _P]),
    "yf_layout_free": (None, [_P]),
    "yf_layout_page_count": (_I, [_P]),
    "yf_layout_write_pdf_mem": (_P, [_P, ctypes.POINTER(_SZ), _P]),
    "yf_layout_write_png_mem": (_P, [_P, _I, ctypes.c_double, ctypes.POINTER(_SZ), _P]),
}.items():
    _fn = getattr(_lib, _name)
    _fn.restype, _fn.argtypes = _res, _args


def _text(b):
    return None if b is None else b.decode("utf-8")


def _owned_text(ptr):
    """A string the library allocated, decoded and freed."""
    if not ptr:
        return None
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        _libc.free(ptr)


def version():
    """The version of the loaded libyinfa, "MAJOR.MINOR.PATCH"."""
    return _text(_lib.yf_version())


class Diagnostic:
    """One problem: severity ("error" or "warning"), code (stable, e.g. "data.required"), file,
    line and column (1-based, 0 when none), path (the JSON path of a data value, "$.届次"), slot
    (the slot it fills), text (the message alone) and message (the whole line as yinfa prints it).
    Fields that do not apply are None."""

    __slots__ = ("severity", "code", "file", "line", "column", "path", "slot", "text", "message")

    def __init__(self, diags, i):
        self.severity = _SEVERITY.get(_lib.yf_diags_severity(diags, i), "error")
        self.code = _text(_lib.yf_diags_code(diags, i))
        self.file = _text(_lib.yf_diags_file(diags, i))
        self.line = _lib.yf_diags_line(diags, i)
        self.column = _lib.yf_diags_column(diags, i)
        self.path = _text(_lib.yf_diags_path(diags, i))
        self.slot = _text(_lib.yf_diags_slot(diags, i))
        self.text = _text(_lib.yf_diags_text(diags, i))
        self.message = _text(_lib.yf_diags_message(diags, i))

    def __repr__(self):
        return f"Diagnostic({self.message!r})"

    def __str__(self):
        return self.message


class Error(Exception):
    """A stage failed; .diagnostics holds every problem it found (warnings too), as Diagnostic
    objects; str() is the error lines."""

    def __init__(self, diagnostics):
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.message for d in diagnostics if d.severity == "error")
                         or "yinfa: failed")


class _Diags:
    """A yf_diags list for one call: raises Error when a step returned nothing."""

    def __enter__(self):
        self.ptr = _lib.yf_diags_new()
        if not self.ptr:
            raise MemoryError("yf_diags_new")
        return self

    def __exit__(self, *exc):
        _lib.yf_diags_free(self.ptr)

    def all(self):
        return [Diagnostic(self.ptr, i) for i in range(_lib.yf_diags_count(self.ptr))]

    def check(self, result):
        if not result or _lib.yf_diags_errors(self.ptr):
            raise Error(self.all())
        return result


def _path(path):
    """`path` (str, bytes or os.PathLike) as the bytes the library takes. A NUL would cut the path
    short in C: refused, as open() refuses it."""
    raw = os.fsencode(os.fspath(path))
    if b"\0" in raw:
        raise ValueError(f"embedded null character in path: {path!r}")
    return raw


def _share(rel):
    """A file of yinfa's share tree: the source tree this module lies in, then the prefix of the
    library, then the usual prefixes."""
    bases = [_SOURCE]
    lib = os.environ.get("YINFA_LIB")
    if lib:
        bases.append(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(lib))), "share", "yinfa"))
    bases += ["/usr/local/share/yinfa", "/usr/share/yinfa"]
    for base in bases:
        path = os.path.join(base, rel)
        if os.path.exists(path):
            return path
    return None


class Context:
    """Fonts and type roles, loaded once and shared by every render. `fonts_conf` is a fontconfig
    file saying which fonts exist (default $YINFA_FONTS_CONF, else the system's); `roles_conf` the
    map of type roles to faces (default yinfa's fonts/yinfa-roles.conf). Roles served by a
    substitute face are in .warnings."""

    def __init__(self, fonts_conf=None, roles_conf=None):
        self._ptr = None
        fonts_conf = fonts_conf or os.environ.get("YINFA_FONTS_CONF")
        roles_conf = roles_conf or _share(os.path.join("fonts", "yinfa-roles.conf"))
        with _Diags() as d:
            self._ptr = d.check(_lib.yf_context_new(roles_conf and _path(roles_conf),
                                                    fonts_conf and _path(fonts_conf), d.ptr))
            self.warnings = d.all()

    def __del__(self, _free=_lib.yf_context_free):   # bound now: module globals go at exit
        if self._ptr:
            _free(self._ptr)
            self._ptr = None

    def fonts(self):
        """Which face serves each type role: a list of (role, face, "office" or "substitute")."""
        text = _owned_text(_lib.yf_context_describe_fonts(self._ptr)) or ""
        return [tuple(line.split("\t")) for line in text.splitlines() if line]

    def template(self, path):
        """The template at `path` (a template.xml, or a folder holding one)."""
        return Template(self, path)

    def render(self, template, data=None, draft=False, format="pdf", page=1, dpi=96.0):
        """The document as bytes: the whole PDF, or page `page` (1-based) as a PNG at `dpi`.
        `template` is a Template or a path; `data` a dict (sent as JSON), JSON text (bytes, or a
        str starting with "{" after white space), a path of a JSON file (a pathlib.Path or any
        os.PathLike; a str that is not JSON text), or None; `draft` prints every slot without a
        value as "X".
        Raises Error with every problem found."""
        if format not in ("pdf", "png"):
            raise ValueError(f"format must be 'pdf' or 'png', not {format!r}")
        t = template if isinstance(template, Template) else Template(self, template)
        with _Diags() as d:
            data_ptr = doc = layout = None
            try:
                if data is not None:
                    data_ptr = d.check(_load_data(data, d.ptr))
                doc = d.check(_lib.yf_document_bind(t._ptr, data_ptr, _BIND_DRAFT if draft else 0, d.ptr))
                layout = d.check(_lib.yf_layout_new(self._ptr, doc, d.ptr))
                n = _SZ(0)
                if format == "pdf":
                    buf = _lib.yf_layout_write_pdf_mem(layout, ctypes.byref(n), d.ptr)
                else:
                    buf = _lib.yf_layout_write_png_mem(layout, int(page), float(dpi), ctypes.byref(n), d.ptr)
                d.check(buf)
                try:
                    out = ctypes.string_at(buf, n.value)
                finally:
                    _libc.free(buf)
                self.warnings = d.all()
                return out
            finally:
                _lib.yf_layout_free(layout)
                _lib.yf_document_free(doc)
                _lib.yf_data_free(data_ptr)


def _load_data(data, diags):
    """dict -> JSON; bytes and a str starting with "{" -> JSON text; os.PathLike and any other
    str -> the path of a JSON file."""
    if isinstance(data, dict):
        data = json.dumps(data, ensure_ascii=False)
    if isinstance(data, str) and data.lstrip().startswith("{"):
        data = data.encode("utf-8")
    if isinstance(data, (bytes, bytearray)):
        return _lib.yf_data_parse_json(b"data.json", bytes(data), len(data), diags)
    if isinstance(data, (str, os.PathLike)):
        return _lib.yf_data_load_json(_path(data), diags)
    raise TypeError("data must be a dict, JSON text (str or bytes), a path (str or os.PathLike) "
                    f"or None, not {type(data).__name__}")


class Template:
    """A template loaded and checked against the grammar (templates/yinfa-template.rng)."""

    def __init__(self, ctx, path):
        self._ptr = None  # first: __del__ runs even when a check below raises
        self._ctx = ctx   # the template is used with its context: keep it alive
        raw = _path(path)
        path = os.fsdecode(raw)
        if os.path.isdir(path):
            path = os.path.join(path, "template.xml")
        with _Diags() as d:
            self._ptr = d.check(_lib.yf_template_load(ctx._ptr, os.fsencode(path), d.ptr))
        self.path = path

    def __del__(self, _free=_lib.yf_template_free):
        if self._ptr:
            _free(self._ptr)
            self._ptr = None

    @property
    def name(self):
        """The display name (<info><name>)."""
        return _text(_lib.yf_template_name(self._ptr))

    def declarations(self):
        """Everything a form needs: {"name", "description", "slots": [...]}."""
        return json.loads(_owned_text(_lib.yf_template_declarations_json(self._ptr)))

    def slots(self):
        """The slot declarations: one dict each — name, type, label, help, example, default,
        required, where declared, and the fields of lists and objects."""
        return self.declarations()["slots"]
