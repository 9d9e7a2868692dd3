// The form page of `yinfa serve`. A template's slot declarations become a form; what the form
// holds becomes the JSON data the command line would read; the server lays it out and sends back
// page images (the preview), the PDF, and the engine's messages, which are put beside the field
// whose JSON path they name ("data.json: error: $.市总.届次: 缺少必填值…").
'use strict';

const PREVIEW_DELAY_MS = 500;   // after the last keystroke
const SCROLL_DELAY_MS = 150;    // after scrolling to pages not yet drawn with the latest data
const MAX_PREVIEW_PAGES = 6;    // the server's limit per request

const $ = (id) => document.getElementById(id);

// el('input', {type: 'text', class: 'x', onclick: f}, child, …)
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

let lastId = 0;
const newId = () => `f${++lastId}`;

// ---- dotted names: 市总.届次 reads {"市总": {"届次": …}} ----------------------------------------

function getPath(obj, dotted) {
  let v = obj;
  for (const k of dotted.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = v[k];
  }
  return v;
}

function setPath(obj, dotted, value) {
  const keys = dotted.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (o[k] === null || typeof o[k] !== 'object' || Array.isArray(o[k])) o[k] = {};
    o = o[k];
  }
  o[keys[keys.length - 1]] = value;
}

// ---- fields ------------------------------------------------------------------------------------
// Every field has: el (its DOM), get() (its value, undefined when empty), set(v), example()
// (fill in the template's examples), visit(path, fn) (fn(path, field) for it and its children, with
// JSON paths as the engine writes them) and mark(kind, text) to show a message.

function labelOf(slot) {
  return slot.label || slot.name.split('.').pop();
}

function placeholderOf(slot) {
  if (slot.default !== undefined) return `默认：${slot.default}`;
  if (slot.example !== undefined) return `例：${slot.example}`;
  return '';
}

function isoDate(s) {
  const m = /^(\d{4})年(\d{1,2})月(\d{1,2})日$/.exec(s);
  return m ? `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}` : s;
}

const truthy = (v) => v === true || v === 'true' || v === 'yes' || v === '是';

function scalarInput(type, slot, id) {
  const placeholder = placeholderOf(slot);
  switch (type) {
    case 'date': return el('input', { type: 'date', id });
    case 'integer': return el('input', { type: 'number', step: '1', id, placeholder });
    case 'number': return el('input', { type: 'number', step: 'any', id, placeholder });
    case 'money': return el('input', { type: 'number', step: '0.01', id, placeholder });
    case 'boolean': return el('input', { type: 'checkbox', id });
    default: return el('input', { type: 'text', id, placeholder });
  }
}

function readScalar(type, input) {
  if (type === 'boolean') return input.checked;
  const s = input.value.trim();
  if (s === '') return undefined;
  if (type === 'integer' || type === 'number') {
    // A number when it reads back exactly; otherwise the text, for the engine to judge.
    const n = Number(s);
    return Number.isFinite(n) && String(n) === s ? n : s;
  }
  return s;   // text; a date from the picker (2026-01-05); money as typed, so no fen is lost
}

function writeScalar(type, input, v) {
  if (type === 'boolean') {
    input.checked = truthy(v);
    return;
  }
  input.value = v === undefined || v === null ? '' : type === 'date' ? isoDate(String(v)) : String(v);
}

// The red star after a required field's label; screen readers hear aria-required instead.
function requiredMark(title) {
  return el('span', { class: 'req', title, text: '*', 'aria-hidden': 'true' });
}

// A field's frame: label, the control, help, and the place for the engine's message.
function shell(slot, control, id, { label = true } = {}) {
  if (slot.required) control.setAttribute('aria-required', 'true');
  const wrap = el('div', { class: 'field' });
  if (label && slot.type === 'boolean') {
    wrap.append(el('label', { class: 'check', for: id }, control, labelOf(slot)));
  } else {
    if (label) {
      wrap.append(el('label', { for: id }, labelOf(slot),
        slot.required ? requiredMark('必填') : null));
    }
    wrap.append(control);
  }
  if (label && slot.help) wrap.append(el('div', { class: 'help', text: slot.help }));
  const msg = el('div', { class: 'msg', hidden: true });
  wrap.append(msg);
  return { wrap, msg };
}

function marker(wrap, msg) {
  return {
    mark(kind, text, full) {
      wrap.classList.add(kind === 'missing' ? 'missing' : 'invalid');
      msg.textContent = msg.hidden ? text : `${msg.textContent}；${text}`;
      msg.title = full;
      msg.hidden = false;
    },
    unmark() {
      wrap.classList.remove('missing', 'invalid');
      msg.hidden = true;
      msg.textContent = '';
    },
  };
}

function makeScalar(slot, { type = slot.type, label = true, ariaLabel } = {}) {
  const id = newId();
  const input = scalarInput(type, slot, id);
  if (ariaLabel) input.setAttribute('aria-label', ariaLabel);
  const { wrap, msg } = shell({ ...slot, type }, input, id, { label });
  const f = {
    el: wrap,
    input,
    get: () => readScalar(type, input),
    set: (v) => writeScalar(type, input, v === undefined && type === 'boolean' ? slot.default : v),
    example: () => writeScalar(type, input, slot.example),
    visit: (path, fn) => fn(path, f),
    ...marker(wrap, msg),
  };
  f.set(undefined);
  return f;
}

// paragraphs: one paragraph a line.
function makeParagraphs(slot) {
  const id = newId();
  const area = el('textarea', { id, rows: 6, placeholder: placeholderOf(slot) });
  const { wrap, msg } = shell(slot, area, id);
  wrap.insertBefore(el('div', { class: 'help', text: '每行一段；空行不算。' }), msg);
  const f = {
    el: wrap,
    get() {
      const paras = area.value.split('\n').map((s) => s.trim()).filter((s) => s !== '');
      return paras.length ? paras : undefined;
    },
    set(v) {
      area.value = Array.isArray(v) ? v.join('\n') : v === undefined || v === null ? '' : String(v);
    },
    example: () => { area.value = slot.example || ''; },
    visit: (path, fn) => fn(path, f),
    ...marker(wrap, msg),
  };
  return f;
}

// A set of fields whose values go into one object, by their (possibly dotted) names. With
// `group`, consecutive top-level slots sharing a first name (市总.届次, 市总.全委会次数) are
// framed together under that name.
function makeGroup(slots, container, { group = false } = {}) {
  const children = [];
  let frame = null;
  let framePrefix = null;
  slots.forEach((slot, i) => {
    const child = makeField(slot);
    children.push(child);
    const prefix = slot.name.includes('.') ? slot.name.split('.')[0] : null;
    const next = slots[i + 1];
    const nextPrefix = next && next.name.includes('.') ? next.name.split('.')[0] : null;
    if (group && prefix && prefix !== framePrefix && prefix === nextPrefix) {
      frame = el('fieldset', {}, el('legend', { text: prefix }));
      framePrefix = prefix;
      container.append(frame);
    } else if (prefix !== framePrefix) {
      frame = null;
      framePrefix = null;
    }
    (frame || container).append(child.el);
  });
  return {
    children,
    get() {
      const obj = {};
      let any = false;
      for (let i = 0; i < slots.length; i++) {
        const v = children[i].get();
        if (v !== undefined) {
          setPath(obj, slots[i].name, v);
          any = true;
        }
      }
      return any ? obj : undefined;
    },
    set(obj) {
      slots.forEach((slot, i) => children[i].set(obj && typeof obj === 'object' ? getPath(obj, slot.name) : undefined));
    },
    example() { children.forEach((c) => c.example()); },
    visit(path, fn) {
      slots.forEach((slot, i) => children[i].visit(path ? `${path}.${slot.name}` : slot.name, fn));
    },
  };
}

function makeObject(slot) {
  const box = el('fieldset', {}, el('legend', {}, labelOf(slot),
    slot.required ? requiredMark('必填') : null));
  if (slot.help) box.append(el('div', { class: 'help', text: slot.help }));
  const inner = makeGroup(slot.fields || [], box);
  const msg = el('div', { class: 'msg', hidden: true });
  box.append(msg);
  const f = {
    el: box,
    get: () => inner.get(),
    set: (v) => inner.set(v),
    example: () => inner.example(),
    visit(path, fn) {
      fn(path, f);
      inner.visit(path, fn);
    },
    ...marker(box, msg),
  };
  return f;
}

// A list: rows that can be added, removed and moved. Rows of objects hold the list's fields; a
// list of plain values (`item`) holds one input a row.
function makeList(slot) {
  const box = el('fieldset', {}, el('legend', {}, labelOf(slot),
    slot.required ? requiredMark('必填：至少一项') : null));
  if (slot.help) box.append(el('div', { class: 'help', text: slot.help }));
  const rowsEl = el('div', { class: 'rows' });
  const msg = el('div', { class: 'msg', hidden: true });
  const rows = [];   // { el, field }
  const simple = !slot.fields;

  function renumber() {
    rows.forEach((r, i) => {
      r.number.textContent = `第 ${i + 1} 项`;
      if (simple) r.field.input.setAttribute('aria-label', `${labelOf(slot)} 第 ${i + 1} 项`);
    });
  }

  function addRow(value, { focus = false } = {}) {
    const field = simple
      ? makeScalar({ ...slot, name: '', example: (slot.example || '').split('、')[0] },
          { type: slot.item || 'text', label: false })
      : makeGroupField(slot.fields);
    const number = el('span', { class: 'n' });
    const row = { field, number };
    const buttons = [
      el('button', { type: 'button', title: '上移', 'aria-label': '上移', text: '↑', onclick: () => move(row, -1) }),
      el('button', { type: 'button', title: '下移', 'aria-label': '下移', text: '↓', onclick: () => move(row, 1) }),
      el('button', { type: 'button', title: '删除这一项', 'aria-label': '删除', text: '✕', onclick: () => remove(row) }),
    ];
    row.el = simple
      ? el('div', { class: 'row simple' }, field.el, ...buttons)
      : el('div', { class: 'row' }, el('div', { class: 'row-head' }, number, ...buttons), field.el);
    if (value !== undefined) field.set(value);
    rows.push(row);
    rowsEl.append(row.el);
    renumber();
    if (focus) (row.el.querySelector('input, textarea') || row.el).focus();
    return row;
  }

  function move(row, by) {
    const i = rows.indexOf(row);
    const j = i + by;
    if (j < 0 || j >= rows.length) return;
    rows.splice(i, 1);
    rows.splice(j, 0, row);
    rows.forEach((r) => rowsEl.append(r.el));
    renumber();
    changed();
  }

  function remove(row) {
    rows.splice(rows.indexOf(row), 1);
    row.el.remove();
    renumber();
    changed();
  }

  function clear() {
    rows.splice(0).forEach((r) => r.el.remove());
  }

  const add = el('button', { type: 'button', class: 'add', text: '＋ 添加一项',
    onclick: () => { addRow(undefined, { focus: true }); changed(); } });
  box.append(rowsEl, msg, add);

  const f = {
    el: box,
    get() {
      if (!rows.length) return undefined;
      return rows.map((r) => {
        const v = r.field.get();
        return v === undefined ? (simple ? '' : {}) : v;
      });
    },
    set(v) {
      clear();
      if (Array.isArray(v)) v.forEach((item) => addRow(item));
      if (!rows.length && slot.required) addRow();
    },
    example() {
      clear();
      const row = addRow();
      row.field.example();
    },
    visit(path, fn) {
      fn(path, f);
      rows.forEach((r, i) => r.field.visit(`${path}[${i}]`, fn));
    },
    ...marker(box, msg),
  };
  f.set(undefined);
  return f;
}

// The fields of one list item, as a field.
function makeGroupField(fields) {
  const box = el('div', { class: 'group' });
  const g = makeGroup(fields, box);
  const msg = el('div', { class: 'msg', hidden: true });
  box.append(msg);
  const f = {
    el: box,
    get: () => g.get(),
    set: (v) => g.set(v),
    example: () => g.example(),
    visit(path, fn) {
      fn(path, f);
      g.visit(path, fn);
    },
    ...marker(box, msg),
  };
  return f;
}

function makeField(slot) {
  switch (slot.type) {
    case 'object': return makeObject(slot);
    case 'list': return makeList(slot);
    case 'paragraphs': return makeParagraphs(slot);
    default: return makeScalar(slot);
  }
}

// ---- the page's state ----------------------------------------------------------------------------

const state = {
  id: null,          // the template's folder name
  decl: null,        // its declarations
  root: null,        // the form's top group
  dirty: false,
  showMissing: false, // mark empty required fields (after a PDF was asked for)
  version: 0,        // bumped by every change of the form
  applied: 0,        // the version whose answer is on screen
  timer: null,
  inflight: null,    // AbortController of the preview request
  pages: [],         // { el, img, version }
  visible: new Set(),
};

function changed() {
  state.dirty = true;
  state.version++;
  setInfo('正在更新预览…');
  schedulePreview(PREVIEW_DELAY_MS);
}

function schedulePreview(delay) {
  clearTimeout(state.timer);
  state.timer = setTimeout(() => {
    state.timer = null;
    refreshPreview();
  }, delay);
}

function collect() {
  return (state.root && state.root.get()) || {};
}

function setStatus(text) {
  $('status').textContent = text;
}

function setInfo(text, bad = false) {
  const info = $('preview-info');
  info.textContent = text;
  info.classList.toggle('bad', bad);
}

function api(path) {
  return `/api/templates/${encodeURIComponent(state.id)}${path}`;
}

async function readJson(res) {
  try {
    return await res.json();
  } catch {
    return { error: `服务器返回 ${res.status}`, diagnostics: [] };
  }
}

// ---- messages beside fields -----------------------------------------------------------------------

// "data.json: error: $.议程[0].时长: 应为整数，却是 12.5（槽位「时长」，…）"
const DATA_MESSAGE = /^data\.json: (error|warning): \$\.?(\S*?): (.*)$/;

function shortText(text) {
  // The slot and template position are for template authors; the secretary needs the first part.
  return text.replace(/（槽位「[^」]*」[^）]*）$/, '');
}

function showDiagnostics(diagnostics) {
  const fields = new Map();
  state.root.visit('', (path, field) => {
    field.unmark && field.unmark();
    fields.set(path, field);
  });
  const general = $('general');
  general.replaceChildren();
  let problems = 0;
  const said = new Set();
  for (const d of diagnostics) {
    const m = DATA_MESSAGE.exec(d.message);
    let field = null;
    if (m) {
      // The nearest field on the path: $.正文[3] belongs to 正文.
      let path = m[2];
      while (path && !(field = fields.get(path))) {
        const up = path.replace(/(\[\d+\]|\.[^.[]*|^[^.[]*)$/, '');
        if (up === path) break;
        path = up;
      }
    }
    if (d.severity === 'error') problems++;
    if (field && field.mark) {
      const text = shortText(m[3]);
      const missing = text.startsWith('缺少必填值');
      // An empty form is not a form full of mistakes: what is still to fill is pointed out
      // only once the secretary asks for the PDF.
      if (missing && !state.showMissing) continue;
      field.mark(missing ? 'missing' : 'invalid', missing ? '必填，尚未填写' : text, d.message);
    } else if (!said.has(d.message)) {
      said.add(d.message);
      general.append(el('li', { class: d.severity === 'error' ? 'error' : 'warning', text: d.message }));
    }
  }
  general.hidden = general.children.length === 0;
  return problems;
}

function note(text) {
  const general = $('general');
  general.append(el('li', { class: 'note', text }));
  general.hidden = false;
}

// ---- the preview ---------------------------------------------------------------------------------

const observer = new IntersectionObserver((entries) => {
  for (const e of entries) {
    const n = Number(e.target.dataset.page);
    if (e.isIntersecting) state.visible.add(n);
    else state.visible.delete(n);
  }
  const stale = [...state.visible].some((n) => state.pages[n - 1] && state.pages[n - 1].version < state.version);
  if (stale && !state.timer && !state.inflight) schedulePreview(SCROLL_DELAY_MS);
}, { root: $('pages') });

function setPageCount(n) {
  const holder = $('pages');
  while (state.pages.length > n) {
    const p = state.pages.pop();
    observer.unobserve(p.el);
    state.visible.delete(state.pages.length + 1);
    p.el.remove();
  }
  while (state.pages.length < n) {
    const number = state.pages.length + 1;
    const img = el('img', { alt: `第 ${number} 页` });
    const page = el('div', { class: 'page stale', 'data-page': number }, img);
    holder.append(page);
    state.pages.push({ el: page, img, version: -1 });
    observer.observe(page);
  }
}

// The pages to draw: those on screen (and the next), or the first two before any is shown.
function wantedPages() {
  if (!state.visible.size) return [1, 2];
  const first = Math.min(...state.visible);
  const last = Math.min(Math.max(...state.visible) + 1, first + MAX_PREVIEW_PAGES - 1);
  return [first, last];
}

function previewDpi() {
  const width = $('pages').clientWidth - 48;
  const dpi = Math.round((Math.min(width, 800) * (window.devicePixelRatio || 1)) / (210 / 25.4));
  return Math.max(30, Math.min(200, dpi));
}

async function refreshPreview() {
  if (!state.root) return;
  const version = state.version;
  const [first, last] = wantedPages();
  if (state.inflight) state.inflight.abort();
  const ctl = new AbortController();
  state.inflight = ctl;
  let res;
  let body;
  try {
    res = await fetch(api(`/preview?pages=${first}-${last}&dpi=${previewDpi()}`), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(collect()),
      signal: ctl.signal,
    });
    body = await readJson(res);
  } catch (e) {
    if (ctl.signal.aborted) return;
    state.inflight = null;
    setInfo('无法连接 yinfa 服务器', true);
    return;
  }
  if (state.inflight === ctl) state.inflight = null;
  if (version < state.applied) return;
  state.applied = version;
  const problems = showDiagnostics(body.diagnostics || []);
  if (!res.ok) {
    // The pages on screen no longer match the form.
    state.pages.forEach((p) => p.el.classList.add('stale'));
    setInfo(res.status === 422 && problems
      ? `有 ${problems} 处数据不符合要求，预览未更新（见左侧标红处）`
      : body.error || `预览失败（${res.status}）`, true);
    return;
  }
  setPageCount(body.pages);
  body.images.forEach((src, i) => {
    const p = state.pages[body.first - 1 + i];
    if (!p || !src) return;
    p.img.src = src;
    p.version = version;
    p.el.classList.remove('stale');
  });
  state.pages.forEach((p) => p.el.classList.toggle('stale', p.version < state.version));
  setInfo(body.complete
    ? `共 ${body.pages} 页`
    : `共 ${body.pages} 页 · 还有 ${problems} 处要填写或改正，未填处以 X 显示`, !body.complete);
  if (version === state.version && [...state.visible].some((n) => state.pages[n - 1] && state.pages[n - 1].version < version)) {
    schedulePreview(SCROLL_DELAY_MS);
  }
}

// ---- files: the PDF, the data ----------------------------------------------------------------------

function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function documentName() {
  return (state.decl && state.decl.name) || state.id;
}

async function downloadPdf() {
  const button = $('download');
  button.disabled = true;
  setStatus('正在生成 PDF…');
  try {
    const res = await fetch(api('/pdf'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(collect()),
    });
    if (res.ok) {
      saveBlob(await res.blob(), `${documentName()}-${today()}.pdf`);
      setStatus('PDF 已下载');
      return;
    }
    const body = await readJson(res);
    state.showMissing = true;
    const problems = showDiagnostics(body.diagnostics || []);
    setStatus(problems ? `无法生成 PDF：还有 ${problems} 处要填写或改正` : body.error);
    const first = document.querySelector('.missing, .invalid');
    if (first) {
      first.scrollIntoView({ block: 'center' });
      const input = first.querySelector('input, textarea');
      if (input) input.focus({ preventScroll: true });
    }
  } catch {
    setStatus('无法连接 yinfa 服务器');
  } finally {
    button.disabled = false;
  }
}

function saveData() {
  const json = `${JSON.stringify(collect(), null, 2)}\n`;
  saveBlob(new Blob([json], { type: 'application/json' }), `${documentName()}-数据-${today()}.json`);
  state.dirty = false;
  setStatus('数据已保存');
}

// Leaf paths of a data object: what a loaded file held, to tell what the form did not take.
function leaves(v, prefix, out) {
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, `${prefix}[${i}]`, out));
  else if (v !== null && typeof v === 'object') Object.entries(v).forEach(([k, x]) => leaves(x, prefix ? `${prefix}.${k}` : k, out));
  else if (v !== '' && v !== undefined) out.add(prefix);
  return out;
}

function loadData(file) {
  const reader = new FileReader();
  reader.onload = () => {
    let data;
    try {
      data = JSON.parse(reader.result);
    } catch (e) {
      setStatus(`无法载入 ${file.name}：不是有效的 JSON（${e.message}）`);
      return;
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      setStatus(`无法载入 ${file.name}：应为一个 JSON 对象 {…}`);
      return;
    }
    state.root.set(data);
    showDiagnostics([]);
    const taken = leaves(collect(), '', new Set());
    const left = [...leaves(data, '', new Set())].filter((p) => !taken.has(p));
    if (left.length) note(`载入的文件中有 ${left.length} 项本模板没有对应栏目，已忽略：${left.slice(0, 8).join('、')}${left.length > 8 ? '…' : ''}`);
    setStatus(`已载入 ${file.name}`);
    changed();
  };
  reader.onerror = () => setStatus(`无法读取 ${file.name}`);
  reader.readAsText(file, 'utf-8');
}

// ---- screens -------------------------------------------------------------------------------------

function show(screen) {
  $('home').hidden = screen !== 'home';
  $('editor').hidden = screen !== 'editor';
  $('crumb').hidden = screen !== 'editor';
}

async function showHome() {
  show('home');
  state.id = null;
  state.root = null;
  document.title = '印发 · 公文填写';
  const list = $('types');
  list.replaceChildren();
  let body;
  try {
    const res = await fetch('/api/templates');
    body = await readJson(res);
    if (!res.ok) throw new Error(body.error);
  } catch (e) {
    list.append(el('li', { text: `无法读取模板列表：${e.message}` }));
    return;
  }
  if (!body.templates.length) list.append(el('li', { text: '模板目录中没有模板（每种公文是一个含 template.xml 的文件夹）。' }));
  for (const t of body.templates) {
    const d = t.declarations;
    const errors = (t.diagnostics || []).filter((x) => x.severity === 'error');
    const button = el('button', { type: 'button', class: d ? '' : 'broken', disabled: !d,
      onclick: () => { location.hash = `#/${encodeURIComponent(t.id)}`; } },
      el('span', { class: 'name', text: d ? d.name || t.id : t.id }),
      el('span', { class: 'about', text: d ? d.description || `${d.slots.length} 个填写项` : `模板有错误：${errors.map((x) => x.message).join('；')}` }),
      el('span', { class: 'id', text: t.id }));
    list.append(el('li', {}, button));
  }
}

async function showEditor(id) {
  show('editor');
  state.id = id;
  const form = $('form');
  form.replaceChildren();
  $('pages').replaceChildren();
  state.pages = [];
  state.visible.clear();
  state.version = 0;
  state.applied = 0;
  state.dirty = false;
  state.showMissing = false;
  $('general').replaceChildren();
  $('general').hidden = true;
  setInfo('正在读取模板…');
  let decl;
  try {
    const res = await fetch(api(''));
    decl = await readJson(res);
    if (!res.ok) {
      const details = (decl.diagnostics || []).map((d) => d.message).join('\n');
      throw new Error(`${decl.error}${details ? `\n${details}` : ''}`);
    }
  } catch (e) {
    setInfo(`无法打开模板「${id}」：${e.message}`, true);
    return;
  }
  if (state.id !== id) return;
  state.decl = decl;
  $('tpl-name').textContent = decl.name || id;
  $('crumb-name').textContent = decl.name || id;
  $('tpl-desc').textContent = decl.description || '';
  document.title = `${decl.name || id} · 印发`;
  state.root = makeGroup(decl.slots, form, { group: true });
  state.version = 1;
  refreshPreview();
}

function route() {
  const m = /^#\/(.+)$/.exec(location.hash);
  if (m) showEditor(decodeURIComponent(m[1]));
  else showHome();
}

$('form').addEventListener('input', changed);
$('form').addEventListener('submit', (e) => e.preventDefault());
$('download').addEventListener('click', downloadPdf);
$('save').addEventListener('click', saveData);
$('load').addEventListener('change', (e) => {
  if (e.target.files.length) loadData(e.target.files[0]);
  e.target.value = '';
});
$('fill-examples').addEventListener('click', () => {
  state.root.example();
  changed();
});
$('clear').addEventListener('click', () => {
  if (state.dirty && !window.confirm('清空所有填写的内容？')) return;
  state.root.set({});
  changed();
});
window.addEventListener('beforeunload', (e) => {
  if (state.dirty) e.preventDefault();
});
window.addEventListener('hashchange', route);
route();
