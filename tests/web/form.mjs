// The web form keeps what the secretary types: a second browser session of `yinfa serve`, in
// Debian's Chromium driven by playwright-core (like tests/web/e2e.mjs).
//
//   node tests/web/form.mjs values URL
//   node tests/web/form.mjs notice URL DATA.json OUTDIR [SHOTDIR]
//
// `values` (the speech): number and date fields are text fields the mouse wheel cannot change;
// "12OO", "一千二百" and "-3" are kept as typed and the engine's message appears beside the field
// when it is left; everything typed survives the 全部公文 link, the back button and a reload (the
// draft), and a draft can be discarded and the discarding undone. `notice`: an impossible date
// is said at once beside its field; the seal is picked from the collection's images; the fonts
// panel lists the roles; the PDF is downloaded to OUTDIR. A JSON report goes to stdout for
// tests/test_form.py to judge.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { launch, TIMEOUT_MS } from './browser.mjs';

// The field labelled exactly `text` (a required field's label ends in its star).
const byLabel = (page, text) => page.getByLabel(new RegExp(`^${text.replace(/[()（）]/g, '\\$&')}\\*?$`));
const fieldOf = (page, label) => page.locator('.field', { has: byLabel(page, label) });

async function settled(page) {
  await page.waitForFunction(() => {
    const img = document.querySelector('img[alt="第 1 页"]');
    const info = document.getElementById('preview-info').textContent;
    return info !== '' && !info.startsWith('正在');
  });
}

// Types `text` into the field labelled `label` and leaves it with Tab; returns what is shown
// beside it once the check made on leaving is answered, the time that took, and the value kept.
async function typeAndLeave(page, label, text) {
  const input = byLabel(page, label);
  await input.fill(text);
  const t0 = Date.now();
  // The check asked on leaving: the first one sent after Tab (an earlier one may still be under
  // way, for the field left when this one was focused).
  const [asked] = await Promise.all([
    page.waitForRequest((r) => r.url().endsWith('/check')),
    input.press('Tab'),
  ]);
  await asked.response();
  // The answer is on screen in the same task that reads it.
  await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
  const shown = await fieldOf(page, label).evaluate((f) => {
    const m = f.querySelector(':scope > .msg');
    return m && !m.hidden ? m.textContent : '';
  });
  return { text: shown, ms: Date.now() - t0, value: await input.inputValue() };
}

async function values(url) {
  const { page, problems, dialogs, close } = await launch(url);
  const report = { problems, dialogs };
  try {
    await page.goto(url);
    await page.getByRole('button', { name: /工会全委会讲话稿/ }).click();
    await page.waitForSelector('img[alt="第 1 页"][src^="data:image/png"]');

    const households = byLabel(page, '慰问困难户数');
    report.input = {
      type: await households.getAttribute('type'),
      inputmode: await households.getAttribute('inputmode'),
    };
    // The wheel over a focused number field.
    await households.fill('2360');
    await households.focus();
    const box = await households.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, 120);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    report.afterWheel = await households.inputValue();

    report.notNumber = await typeAndLeave(page, '慰问困难户数', '12OO');
    report.chinese = await typeAndLeave(page, '筹集慰问金（万元）', '一千二百');
    report.negative = await typeAndLeave(page, '包车数（辆）', '-3');
    report.emptied = await typeAndLeave(page, '发送专列数', '');
    // Untouched required fields are not marked until the PDF is asked for.
    report.missingShown = await page.locator('.field.missing').count();

    // Values worth keeping, then away and back by the link, the back button and a reload.
    await byLabel(page, '慰问困难户数').fill('23600');
    await byLabel(page, '筹集慰问金（万元）').fill('1280.5');
    await byLabel(page, '城市名称').fill('甬江新区');
    await byLabel(page, '市总工会委员会届次').fill('二十八');
    const typed = async () => ({
      户数: await byLabel(page, '慰问困难户数').inputValue(),
      金额: await byLabel(page, '筹集慰问金（万元）').inputValue(),
      城市: await byLabel(page, '城市名称').inputValue(),
      届次: await byLabel(page, '市总工会委员会届次').inputValue(),
      包车: await byLabel(page, '包车数（辆）').inputValue(),
    });
    report.typed = await typed();

    await page.getByRole('link', { name: '全部公文' }).click();
    await page.getByRole('button', { name: /工会全委会讲话稿/ }).waitFor();
    report.homeShown = await page.locator('#home').isVisible();
    await page.getByRole('button', { name: /工会全委会讲话稿/ }).click();
    await byLabel(page, '城市名称').waitFor();
    report.afterLink = await typed();
    report.restoredNote = await page.locator('#notice').textContent();

    await page.click('a.brand');
    await page.getByRole('button', { name: /工会全委会讲话稿/ }).waitFor();
    await page.goBack();
    await byLabel(page, '城市名称').waitFor();
    report.afterBack = await typed();

    await page.reload();
    await byLabel(page, '城市名称').waitFor();
    await page.locator('#notice:not([hidden])').waitFor();
    report.afterReload = await typed();
    report.reloadNote = await page.locator('#notice').textContent();

    // Discarding the draft empties the form; the discarding can be undone.
    await page.locator('#notice').getByRole('button', { name: '丢弃草稿' }).click();
    report.afterDiscard = await typed();
    await page.locator('#notice').getByRole('button', { name: '撤销' }).click();
    report.afterUndo = await typed();
    await settled(page);
    report.dialogsBefore = dialogs.length;

    // A browser that refuses to store the draft: leaving asks first, and staying keeps the form.
    await page.evaluate(() => { Storage.prototype.setItem = () => { throw new Error('QuotaExceededError'); }; });
    await byLabel(page, '城市名称').fill('北仑区');
    await page.getByRole('link', { name: '全部公文' }).click();
    await page.waitForTimeout(300);
    report.refusedStorage = {
      asked: dialogs.slice(report.dialogsBefore),
      stayed: await page.locator('#editor').isVisible(),
      city: await byLabel(page, '城市名称').inputValue(),
      hash: await page.evaluate(() => location.hash),
    };
  } finally {
    await close();
  }
  return report;
}

async function notice(url, data, out, shots) {
  const { page, problems, dialogs, close } = await launch(url);
  const report = { problems, dialogs };
  try {
    await page.goto(url);
    await page.getByRole('button', { name: /红头文件/ }).click();
    await page.waitForSelector('img[alt="第 1 页"][src^="data:image/png"]');
    // A data file naming a seal the collection does not have: kept, shown as it is, and the
    // engine's message beside the picker, not above the form.
    const wrong = JSON.parse(fs.readFileSync(data, 'utf8'));
    wrong['印章'] = '../common/nope.png';
    const wrongFile = path.join(out, 'wrong-seal.json');
    fs.writeFileSync(wrongFile, JSON.stringify(wrong));
    await page.setInputFiles('#load', wrongFile);
    const sealField = page.locator('.field', { has: page.getByRole('radiogroup', { name: '印章图片' }) }).first();
    await sealField.locator(':scope > .msg:not([hidden])').waitFor();
    report.wrongSeal = {
      msg: await sealField.locator(':scope > .msg').textContent(),
      checked: await sealField.locator('input:checked').evaluateAll((es) => es.map((e) => e.value)),
      general: await page.locator('#general li').allTextContents(),
    };

    await page.setInputFiles('#load', data);
    await page.waitForFunction(() => /^共 \d+ 页$/.test(document.getElementById('preview-info').textContent));

    // An impossible date: kept, and said beside the field on leaving it.
    report.date = await typeAndLeave(page, '成文日期', '2026-02-30');
    report.dateInputType = await byLabel(page, '成文日期').getAttribute('type');
    report.dateMissing = await fieldOf(page, '成文日期').evaluate((e) => e.classList.contains('missing'));
    await byLabel(page, '成文日期').fill('2026年1月5日');
    await byLabel(page, '成文日期').press('Tab');

    // The seal: a picker of the collection's images with their thumbnails.
    const picker = page.getByRole('radiogroup', { name: '印章图片' }).first();
    await picker.locator('img').first().waitFor();
    report.options = await picker.locator('.pick').evaluateAll((es) => es.map((e) => e.title));
    report.sealThumbnail = await picker.locator('.pick[title="common/seal.svg"] img').evaluate((i) => i.decode().then(() => i.naturalWidth, () => 0));
    report.checkedBefore = await picker.locator('input:checked').evaluateAll((es) => es.map((e) => e.value));
    await picker.locator('.pick[title="common/seal.svg"]').click();
    report.checkedAfter = await picker.locator('input:checked').evaluateAll((es) => es.map((e) => e.value));
    await page.waitForFunction(() => /^共 \d+ 页$/.test(document.getElementById('preview-info').textContent));
    // The choice is in the draft.
    await page.reload();
    await page.locator('.pick[title="common/seal.svg"] img').first().waitFor();
    report.checkedAfterReload = await page.getByRole('radiogroup', { name: '印章图片' }).first()
      .locator('input:checked').evaluateAll((es) => es.map((e) => e.value));
    await page.waitForFunction(() => /^共 \d+ 页$/.test(document.getElementById('preview-info').textContent));

    // The fonts in use.
    await page.click('#fonts summary');
    report.fonts = await page.locator('#fonts-list tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
    report.fontsSummary = await page.textContent('#fonts-sum');
    report.fontsNote = await page.textContent('#fonts-note');
    if (shots) {
      await page.getByRole('radiogroup', { name: '印章图片' }).first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shots, 'serve-seal.png') });
    }
    await page.click('#fonts summary');

    const [pdf] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    report.pdf = path.join(out, 'notice.pdf');
    await pdf.saveAs(report.pdf);
    const [saved] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
    report.data = path.join(out, 'notice-data.json');
    await saved.saveAs(report.data);
  } finally {
    await close();
  }
  return report;
}

const [scenario, ...args] = process.argv.slice(2);
const run = { values: () => values(...args), notice: () => notice(...args) }[scenario];
if (!run) {
  console.error('usage: form.mjs values URL | notice URL DATA OUTDIR [SHOTDIR]');
  process.exit(2);
}
try {
  console.log(JSON.stringify(await run()));
} catch (e) {
  console.error(e.stack || String(e));
  process.exit(1);
}
