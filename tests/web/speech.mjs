// A secretary writes a new speech (the general 讲话稿) from an empty form of `yinfa serve`, in
// Debian's Chromium driven by playwright-core (like tests/web/e2e.mjs and form.mjs):
//
//   node tests/web/speech.mjs URL VALUES.json OUTDIR [SHOTDIR]
//
// VALUES.json holds what to type: 标题, 会议 and 部分 (a list of {标题, 段落: [...], 小节:
// [{标题, 段落}]}). The script opens 讲话稿, types the title and the meeting, fills the first
// section the form offers, adds the others with the list's own button, types each section's
// heading and its paragraphs (one a line), adds second-level headings inside a section with the
// nested list's button, downloads the PDF to OUTDIR/speech.pdf. Then, in a form of the union
// speech, "-3" typed into a count is refused beside the field when it is left. A JSON report
// goes to stdout for tests/test_speech_form.py to judge.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { launch, TIMEOUT_MS } from './browser.mjs';

// The control labelled exactly `text` (a required field's label ends in its star), within `scope`.
const byLabel = (scope, text) => scope.getByLabel(new RegExp(`^${text.replace(/[()（）]/g, '\\$&')}\\*?$`));
// A list's frame by its legend, and its own rows and add button (not those of a list inside it).
const listOf = (scope, legend) => scope.locator('fieldset', { has: scope.page().locator(':scope > legend', { hasText: new RegExp(`^${legend}\\*?$`) }) }).first();
const rowsOf = (list) => list.locator(':scope > .rows > .row');
const addTo = (list) => list.locator(':scope > button.add');

// A type's card on the home page, by its folder name.
const card = (page, id) => page.locator('#types button', { has: page.locator('.id', { hasText: new RegExp(`^${id}$`) }) });

async function speech(url, valuesFile, out, shots) {
  const want = JSON.parse(fs.readFileSync(valuesFile, 'utf8'));
  const { page, problems, close } = await launch(url);
  const report = { problems };
  try {
    await page.goto(url);
    report.card = (await card(page, 'speech').locator('.name').textContent()).trim();
    await card(page, 'speech').click();
    await page.waitForSelector('img[alt="第 1 页"][src^="data:image/png"]');
    report.heading = await page.textContent('#tpl-name');

    const form = page.locator('#form');
    await byLabel(form, '标题').fill(want['标题']);
    await byLabel(form, '会议名称').fill(want['会议']);

    const sections = listOf(form, '正文各部分');
    report.rowsAtStart = await rowsOf(sections).count();
    for (let i = 0; i < want['部分'].length; i++) {
      const part = want['部分'][i];
      if (i >= await rowsOf(sections).count()) await addTo(sections).click();
      const row = rowsOf(sections).nth(i);
      await byLabel(row, '一级标题').fill(part['标题']);
      // The section's own paragraphs: the first 段落 of the row, not a subsection's.
      await row.locator(':scope > .group > .field > textarea').fill(part['段落'].join('\n'));
      const subs = listOf(row, '二级标题');
      for (let k = 0; k < (part['小节'] || []).length; k++) {
        await addTo(subs).click();
        const sub = rowsOf(subs).nth(k);
        await byLabel(sub, '二级标题').fill(part['小节'][k]['标题']);
        await byLabel(sub, '段落').fill(part['小节'][k]['段落'].join('\n'));
      }
    }
    report.rowNames = await rowsOf(sections).evaluateAll((rs) => rs.map((r) => r.getAttribute('aria-label')));
    report.addNames = await form.locator('button.add').evaluateAll((bs) => bs.map((b) => b.textContent));
    // The preview catches up with the last keystroke and has nothing to say.
    await page.waitForFunction(() => /^共 \d+ 页$/.test(document.getElementById('preview-info').textContent));
    report.previewInfo = await page.textContent('#preview-info');
    report.marked = await page.locator('.field.missing, .field.invalid').count();
    if (shots) {
      await listOf(form, '正文各部分').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shots, 'serve-speech-sections.png') });
    }
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    report.pdf = path.join(out, 'speech.pdf');
    report.suggested = pdf.suggestedFilename();
    await pdf.saveAs(report.pdf);
    const [data] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
    report.data = path.join(out, 'speech-data.json');
    await data.saveAs(report.data);

    // A count refuses a negative number, beside the field, once it is left.
    await page.getByRole('link', { name: '全部公文' }).click();
    await card(page, 'union-speech').click();
    const buses = byLabel(page, '包车数（辆）');
    await buses.fill('-3');
    const [asked] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith('/check')),
      buses.press('Tab'),
    ]);
    await asked.response();
    const field = page.locator('.field', { has: buses });
    await field.locator(':scope > .msg:not([hidden])').waitFor();
    report.negative = {
      value: await buses.inputValue(),
      msg: await field.locator(':scope > .msg').textContent(),
      help: await field.locator(':scope > .help').allTextContents(),
      invalid: await field.evaluate((f) => f.classList.contains('invalid')),
    };
  } finally {
    await close();
  }
  return report;
}

const [url, ...args] = process.argv.slice(2);
if (!url) {
  console.error('usage: speech.mjs URL VALUES OUTDIR [SHOTDIR]');
  process.exit(2);
}
try {
  console.log(JSON.stringify(await speech(url, ...args)));
} catch (e) {
  console.error(e.stack || String(e));
  process.exit(1);
}
