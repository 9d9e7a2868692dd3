// The form page of `yinfa serve`. A template's slot declarations become a form; what the form
// holds becomes the JSON data the command line would read; the server lays it out and sends back
// page images (the preview), the PDF, and the engine's messages, which are put beside the field
// whose JSON path they carry (a diagnostic's "path": "$.市总.届次").
//
// Nothing typed is ever changed or lost: numbers and dates are text fields that keep what was
// typed (the engine says what is wrong with it, when the field is left); the form is kept as a
// draft in this browser (localStorage) at every change and restored when the type is opened
// again; whatever replaces the whole form can be undone.
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

const truthy = (v) => v === true || v === 'true' || v === 'yes' || v === '是';

// Numbers and dates are text fields: an <input type=number> changes its value under the mouse
// wheel and hands over "" for anything it cannot parse ("12OO", "一千二百"), and a date picker ""
// for an impossible date, so what was typed would be lost without a word. Here the text goes to
// the engine as typed and its verdict is shown beside the field.
function scalarInput(type, slot, id) {
  const placeholder = placeholderOf(slot);
  const cls = type;
  switch (type) {
    case 'date': return el('input', { type: 'text', class: cls, id, placeholder: placeholder || '如 2026-01-05', spellcheck: 'false' });
    // Chinese numerals (一千二百) need the full keyboard.
    case 'integer': return el('input', { type: 'text', class: cls, inputmode: slot.numerals === 'chinese' ? 'text' : 'numeric', id, placeholder, spellcheck: 'false' });
    case 'number':
    case 'money': return el('input', { type: 'text', class: cls, inputmode: 'decimal', id, placeholder, spellcheck: 'false' });
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
  return s;   // text; a date as typed (2026-01-05 or 2026年1月5日); money as typed, so no fen is lost
}

function writeScalar(type, input, v) {
  if (type === 'boolean') {
    input.checked = truthy(v);
    return;
  }
  input.value = v === undefined || v === null ? '' : String(v);
}

// The red star after a required field's label; screen readers hear aria-required instead.
function requiredMark(title) {
  return el('span', { class: 'req', title, text: '*', 'aria-hidden': 'true' });
}

// What numbers a slot takes, as its declaration says (<slot min=… max=… numerals="chinese">).
function acceptsText(slot) {
  const parts = [];
  if (slot.min !== undefined && slot.max !== undefined) parts.push(`${slot.min} 至 ${slot.max}`);
  else if (slot.min !== undefined) parts.push(`不小于 ${slot.min}`);
  else if (slot.max !== undefined) parts.push(`不大于 ${slot.max}`);
  if (slot.numerals === 'chinese') parts.push('可写中文数字，如 一千二百');
  return parts.join('；');
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
  const accepts = acceptsText(slot);
  if (label && accepts) wrap.append(el('div', { class: 'help', text: accepts }));
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

  // A row of fields says which list it is an item of: in a section of a speech, the rows of its
  // second-level headings are not the sections' rows.
  function renumber() {
    rows.forEach((r, i) => {
      const name = `${labelOf(slot)} 第 ${i + 1} 项`;
      r.number.textContent = simple ? `第 ${i + 1} 项` : name;
      if (simple) r.field.input.setAttribute('aria-label', name);
      else r.el.setAttribute('aria-label', name);
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
      : el('div', { class: 'row', role: 'group' }, el('div', { class: 'row-head' }, number, ...buttons), field.el);
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

  // Named after its list: a section holds the add button of its own second-level headings.
  const add = el('button', { type: 'button', class: 'add', text: `＋ 添加一项（${labelOf(slot)}）`,
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

// ---- images: seals and logos are chosen from the collection, not typed ----------------------------
// A slot an <image name=…> reads is marked "image" in the declarations. Its value is a file of the
// templates folder relative to the template's own folder ("../common/seal.svg"); the server lists
// the PNG and SVG files there (GET /api/images) and nothing else can be picked.

// A collection path (common/seal.svg) as the slot's value, relative to the template's folder.
function imageValue(path) {
  const own = `${state.id}/`;
  return path.startsWith(own) ? path.slice(own.length) : `../${path}`;
}

// A slot's value as a collection path, or null when it leaves the collection.
function imagePath(value) {
  const parts = [];
  for (const part of `${state.id}/${value}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!parts.length) return null;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

function makeImage(slot) {
  const id = newId();
  const group = el('div', { class: 'picker', role: 'radiogroup', id, tabindex: '-1' });
  const { wrap, msg } = shell({ ...slot, type: 'image' }, group, id);
  group.setAttribute('aria-labelledby', `${id}-label`);
  const label = wrap.querySelector('label');
  if (label) {
    label.id = `${id}-label`;
    label.removeAttribute('for');
  }
  let value;        // the slot's value, kept as given even when no file of the list matches
  function option(v, text, { src, title, cls } = {}) {
    const radio = el('input', { type: 'radio', name: id, value: v, checked: v === (value || '') });
    // 'input' on the radio runs before the form's own 'input' listener (changed()) sees it.
    radio.addEventListener('input', () => { value = v || undefined; });
    return el('label', { class: `pick${cls ? ` ${cls}` : ''}`, title: title || text },
      radio, src ? el('img', { src, alt: '', loading: 'lazy' }) : el('span', { class: 'none', text: '无' }),
      el('span', { class: 'pick-name', text }));
  }
  // The folder of the template's example (common/ for "../common/seal.svg") holds the images
  // meant for this slot — seals, logos; the other images of the collection (a type's README
  // picture) are offered folded away.
  const exampleFolder = slot.example && imagePath(slot.example)
    ? imagePath(slot.example).replace(/[^/]*$/, '') : null;
  function draw() {
    const images = state.images || [];
    const options = [];
    const others = [];
    if (!slot.required) options.push(option('', '不使用'));
    let known = !value;
    let otherChosen = false;
    for (const img of images) {
      const v = imageValue(img.path);
      const main = exampleFolder === null || img.path.startsWith(exampleFolder) && !img.path.slice(exampleFolder.length).includes('/');
      if (v === value) {
        known = true;
        otherChosen = !main;
      }
      (main ? options : others).push(option(v, img.name, { src: img.url, title: img.path }));
    }
    if (!known) {
      // A value from a loaded file or a draft that no file of the collection matches: kept, and
      // shown as what it is; the engine's message says why it cannot be used.
      const where = imagePath(value);
      options.push(option(value, value, { cls: 'unknown', title: where ? `模板目录中没有 ${where}` : '不在模板目录中' }));
    }
    if (!images.length) options.push(el('span', { class: 'help', text: state.images ? '模板目录中没有 PNG 或 SVG 图片' : '正在读取图片…' }));
    if (others.length) {
      options.push(el('details', { class: 'more', open: otherChosen },
        el('summary', { text: `模板目录中的其他图片（${others.length}）` }), el('div', { class: 'picker' }, ...others)));
    }
    group.replaceChildren(...options);
  }
  const f = {
    el: wrap,
    get: () => value,
    set(v) {
      value = v === undefined || v === null || v === '' ? undefined : String(v);
      draw();
    },
    example() { f.set(slot.example); },
    visit: (path, fn) => fn(path, f),
    redraw: draw,
    ...marker(wrap, msg),
  };
  f.set(undefined);
  return f;
}

function makeField(slot) {
  if (slot.image && (slot.type || 'text') === 'text') return makeImage(slot);
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
  session: 0,        // bumped whenever a view is opened: answers for an older one are dropped
  decl: null,        // its declarations
  root: null,        // the form's top group
  dirty: false,      // changed since the data was last saved to a file
  draftSaved: true,  // the form as it is is kept in localStorage (false: it could not be)
  showMissing: false, // mark every empty required field (after a PDF was asked for)
  touched: new WeakSet(), // fields left at least once: their emptiness is pointed out
  version: 0,        // bumped by every change of the form
  applied: 0,        // the version whose answer is on screen
  marked: 0,         // the version whose messages are beside the fields
  images: null,      // the collection's images (GET /api/images), once read
  timer: null,
  inflight: null,    // AbortController of the preview request
  pages: [],         // { el, img, version }
  visible: new Set(),
};

function changed() {
  state.dirty = true;
  state.version++;
  saveDraft();
  setInfo('正在更新预览…');
  schedulePreview(PREVIEW_DELAY_MS);
}

// ---- drafts: the form kept in this browser, one per type ------------------------------------------

const draftKey = (id) => `yinfa.draft.${id}`;

// Whether the form holds anything typed or chosen: an unticked box is not input.
const hasInput = (data) => JSON.stringify(data, (k, v) => (v === false ? undefined : v)) !== '{}';

function saveDraft() {
  if (!state.root || !state.id) return;
  const data = collect();
  try {
    if (hasInput(data)) localStorage.setItem(draftKey(state.id), JSON.stringify({ saved: Date.now(), data }));
    else localStorage.removeItem(draftKey(state.id));
    state.draftSaved = true;
  } catch {
    state.draftSaved = false;   // storage off or full: leaving the page would lose the input
  }
}

function readDraft(id) {
  try {
    const d = JSON.parse(localStorage.getItem(draftKey(id)));
    return d && d.data && typeof d.data === 'object' && !Array.isArray(d.data) ? d : null;
  } catch {
    return null;
  }
}

// Input that leaving now would lose: only when the draft could not be stored.
function wouldLose() {
  return !!state.root && !state.draftSaved && hasInput(collect());
}

function clock(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  const day = d.toDateString() === new Date().toDateString() ? '' : `${d.getMonth() + 1}月${d.getDate()}日 `;
  return `${day}${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// A line above the form with buttons: "已恢复草稿 … [丢弃草稿]", "已清空 [撤销]".
function notice(text, ...actions) {
  const box = $('notice');
  box.replaceChildren(el('span', { text }), ...actions.map(([label, fn]) =>
    el('button', { type: 'button', text: label, onclick: fn })));
  box.hidden = false;
}

function hideNotice() {
  $('notice').hidden = true;
  $('notice').replaceChildren();
}

// Replaces everything in the form (clear, examples, a loaded file, discarding the draft), keeping
// what was there to be put back with one click.
function replaceAll(fill, said) {
  const before = collect();
  fill();
  showDiagnostics([]);
  changed();
  if (hasInput(before)) {
    notice(said, ['撤销', () => {
      state.root.set(before);
      hideNotice();
      changed();
    }]);
  } else hideNotice();
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

// The engine's diagnostics come as records (docs/diagnostics.md): severity, code, file, line,
// column, path (the JSON path of the value, "$.议程[0].时长"), slot, text, and the whole line as
// message.

function shortText(text) {
  // The slot and template position are for template authors; the secretary needs the first part.
  return text.replace(/（槽位「[^」]*」[^）]*）$/, '');
}

// A line the server sent whole (a font's message): without the place in front
// ("notice/template.xml:12:5: error: "), which is for the template's author.
function plainText(message) {
  return shortText(message.replace(/^[^\s:]+(:\d+)*: (error|warning): /, ''));
}

// What the general list shows of a diagnostic: its text, after the JSON path it is about.
function generalText(d) {
  return shortText(d.path && d.code.startsWith('data.') && d.code !== 'data.image' ? `${d.path}: ${d.text}` : d.text);
}

// The field a diagnostic is about: the nearest one on its JSON path ($.正文[3] belongs to 正文).
// Problems of the data are shown there, and errors about text from it (a character no font has);
// warnings of the layout (an overfull line) stay in the general list.
function fieldFor(d, fields) {
  if (!d.path || !(d.code.startsWith('data.') || d.severity === 'error')) return null;
  let path = d.path.replace(/^\$\.?/, '');
  let field = null;
  while (path && !(field = fields.get(path))) {
    const up = path.replace(/(\[\d+\]|\.[^.[]*|^[^.[]*)$/, '');
    if (up === path) break;
    path = up;
  }
  return field && field.mark ? field : null;
}

// Puts the engine's messages beside the fields they name. With `fieldsOnly` (a check when a
// field is left) the general list above the form is left as the last preview made it.
function showDiagnostics(diagnostics, { fieldsOnly = false } = {}) {
  if (!state.root) return 0;
  const fields = new Map();
  state.root.visit('', (path, field) => {
    field.unmark && field.unmark();
    fields.set(path, field);
  });
  const general = $('general');
  if (!fieldsOnly) general.replaceChildren();
  let problems = 0;
  const said = new Set();
  for (const d of diagnostics) {
    if (d.severity === 'error') problems++;
    const field = fieldFor(d, fields);
    if (field) {
      const missing = d.code === 'data.required';
      // An empty form is not a form full of mistakes: what is still to fill is pointed out
      // for a field once it has been left empty, and for all once the PDF is asked for.
      if (missing && !state.showMissing && !state.touched.has(field)) continue;
      field.mark(missing ? 'missing' : 'invalid', missing ? '必填，尚未填写' : shortText(d.text), d.message);
    } else if (!fieldsOnly && !said.has(d.message)) {
      said.add(d.message);
      general.append(el('li', { class: d.severity === 'error' ? 'error' : 'warning', text: generalText(d), title: d.message }));
    }
  }
  if (!fieldsOnly) general.hidden = general.children.length === 0;
  return problems;
}

// ---- a field left: its value checked at once ------------------------------------------------------

// The innermost field holding `node` (an input of a list row belongs to the row's field).
function fieldOf(node) {
  let found = null;
  let depth = -1;
  state.root.visit('', (path, f) => {
    if (!f.el.contains(node)) return;
    let d = 0;
    for (let n = f.el; n; n = n.parentElement) d++;
    if (d > depth) {
      depth = d;
      found = f;
    }
  });
  return found;
}

async function checkNow() {
  if (!state.root) return;
  const version = state.version;
  const session = state.session;
  let body;
  try {
    const res = await fetch(api('/check'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(collect()),
    });
    body = await readJson(res);
    if (!res.ok) return;   // a broken template: the preview says so
  } catch {
    return;
  }
  // The form changed since it was asked (a newer check or preview is coming), or a newer answer
  // is already on screen: this one would mark values no longer there.
  if (state.session !== session || version !== state.version || version < state.marked) return;
  state.marked = version;
  showDiagnostics(body.diagnostics || [], { fieldsOnly: true });
}

function left(e) {
  if (!state.root) return;
  // Moving within one field (the options of a picker) is not leaving it.
  const field = fieldOf(e.target);
  if (!field || (e.relatedTarget && field.el.contains(e.relatedTarget))) return;
  state.touched.add(field);
  checkNow();
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
  const session = state.session;
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
  if (state.session !== session || version < state.applied) return;
  state.applied = version;
  let problems = 0;
  if (version >= state.marked) {
    state.marked = version;
    problems = showDiagnostics(body.diagnostics || []);
  } else {
    problems = (body.diagnostics || []).filter((d) => d.severity === 'error').length;
  }
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

// ---- files: the PDF, the Word file, the data ----------------------------------------------------------------------

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

// The document as a PDF or a Word file (kind: 'pdf' or 'docx'); the engine's messages beside the
// fields when it cannot be made.
async function download(kind) {
  const what = kind === 'docx' ? 'Word 文件' : 'PDF';
  const version = state.version;
  const session = state.session;
  const button = $(kind === 'docx' ? 'download-docx' : 'download');
  button.disabled = true;
  setStatus(`正在生成 ${what}…`);
  try {
    const res = await fetch(api(`/${kind}`), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(collect()),
    });
    if (res.ok) {
      saveBlob(await res.blob(), `${documentName()}-${today()}.${kind}`);
      setStatus(kind === 'docx' ? 'Word 文件已下载' : 'PDF 已下载');
      return;
    }
    const body = await readJson(res);
    if (state.session !== session) return;
    state.showMissing = true;
    state.marked = Math.max(state.marked, version);
    const problems = showDiagnostics(body.diagnostics || []);
    setStatus(problems ? `无法生成 ${what}：还有 ${problems} 处要填写或改正` : body.error);
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
    replaceAll(() => state.root.set(data), `已载入 ${file.name}，原来填写的内容已替换`);
    const taken = leaves(collect(), '', new Set());
    const left = [...leaves(data, '', new Set())].filter((p) => !taken.has(p));
    if (left.length) note(`载入的文件中有 ${left.length} 项本模板没有对应栏目，已忽略：${left.slice(0, 8).join('、')}${left.length > 8 ? '…' : ''}`);
    setStatus(`已载入 ${file.name}`);
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

// Whatever the view on screen was waiting for is no longer wanted.
function leaveView() {
  state.session++;
  state.root = null;
  clearTimeout(state.timer);
  state.timer = null;
  if (state.inflight) state.inflight.abort();
  state.inflight = null;
}

async function showHome() {
  show('home');
  leaveView();
  state.id = null;
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
  leaveView();
  const session = state.session;
  state.id = id;
  const form = $('form');
  form.replaceChildren();
  $('pages').replaceChildren();
  state.pages = [];
  state.visible.clear();
  state.version = 0;
  state.applied = 0;
  state.dirty = false;
  state.draftSaved = true;
  state.showMissing = false;
  state.touched = new WeakSet();
  state.marked = 0;
  state.images = null;
  hideNotice();
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
  if (state.session !== session) return;
  state.decl = decl;
  $('tpl-name').textContent = decl.name || id;
  $('crumb-name').textContent = decl.name || id;
  $('tpl-desc').textContent = decl.description || '';
  document.title = `${decl.name || id} · 印发`;
  state.root = makeGroup(decl.slots, form, { group: true });
  state.version = 1;
  const draft = readDraft(id);
  if (draft) {
    state.root.set(draft.data);
    state.version++;
    notice(`已恢复草稿（${clock(draft.saved)} 保存在本浏览器中）`, ['丢弃草稿', () => {
      replaceAll(() => state.root.set({}), '草稿已丢弃，表单已清空');
    }]);
  }
  refreshPreview();
  loadImages(session);
}

// The collection's images, for the pickers; re-read each time a type is opened.
async function loadImages(session) {
  let images = [];
  try {
    const res = await fetch('/api/images');
    const body = await readJson(res);
    if (res.ok) images = body.images || [];
  } catch {
    // no pickers' options: the field says so
  }
  if (state.session !== session || !state.root) return;
  state.images = images;
  state.root.visit('', (path, f) => f.redraw && f.redraw());
}

// ---- fonts: which face serves each type role ------------------------------------------------------

async function loadFonts() {
  let fonts = [];
  try {
    const res = await fetch('/api/fonts');
    fonts = (await readJson(res)).fonts || [];
  } catch {
    return;
  }
  const subs = fonts.filter((f) => f.substitute);
  const panel = $('fonts');
  panel.classList.toggle('warn', subs.length > 0);
  $('fonts-sum').textContent = subs.length ? `字体：${subs.length} 种为替代字体` : '字体：办公字体';
  $('fonts-list').replaceChildren(...fonts.map((f) => el('tr', { class: f.substitute ? 'sub' : '' },
    el('th', { text: f.role }), el('td', { text: f.face }),
    el('td', { text: f.substitute ? '替代' : '办公字体', title: f.message ? plainText(f.message) : '' }))));
  $('fonts-note').hidden = !subs.length;
  $('fonts-note').textContent = subs.length
    ? `本机没有${subs.map((f) => `「${f.role}」`).join('')}的办公字体，以上替代字体排出的版面与正式公文的字形不同。正式印发前请在本机安装办公字体（如方正小标宋简体、仿宋_GB2312、黑体、楷体_GB2312、宋体），再重新启动 yinfa serve。`
    : '';
}

// One history entry per view (#/NAME is a type's form, # the list): the back button returns to
// the form, whose draft is put back.
function route() {
  const m = /^#\/(.+)$/.exec(location.hash);
  const id = m ? decodeURIComponent(m[1]) : null;
  if (state.root && id !== state.id && wouldLose() &&
      !window.confirm('填写的内容无法保存为草稿（浏览器不允许本网页存储数据），离开后将丢失。仍要离开吗？')) {
    history.pushState(null, '', `#/${encodeURIComponent(state.id)}`);
    return;
  }
  if (id && id === state.id && state.root) return;
  if (id) showEditor(id);
  else showHome();
}

$('form').addEventListener('input', changed);
$('form').addEventListener('focusout', left);
$('form').addEventListener('submit', (e) => e.preventDefault());
$('download').addEventListener('click', () => download('pdf'));
$('download-docx').addEventListener('click', () => download('docx'));
$('save').addEventListener('click', saveData);
$('load').addEventListener('change', (e) => {
  if (e.target.files.length) loadData(e.target.files[0]);
  e.target.value = '';
});
$('fill-examples').addEventListener('click', () => {
  replaceAll(() => state.root.example(), '已填入示例，原来填写的内容已替换');
});
$('clear').addEventListener('click', () => {
  replaceAll(() => state.root.set({}), '已清空');
});
window.addEventListener('beforeunload', (e) => {
  if (wouldLose()) e.preventDefault();
});
window.addEventListener('hashchange', route);
loadFonts();
route();
