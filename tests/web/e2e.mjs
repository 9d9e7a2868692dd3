// End-to-end test of `yinfa serve` in a real browser: Debian's Chromium, driven by playwright-core.
//
//   node tests/web/e2e.mjs speech   URL DATA.json OUTDIR [SHOTDIR]
//   node tests/web/e2e.mjs bulletin URL OUTDIR
//
// Plays a secretary: opens the page, chooses a template, fills the form, watches the preview,
// provokes and reads the engine's messages, downloads the PDF and the data. Files go to OUTDIR;
// a JSON report goes to stdout, for tests/test_web.py to judge (pdftotext on the PDF etc.).
// With SHOTDIR the README's screenshots are taken (scripts/web-screenshots.sh).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { launch, TIMEOUT_MS } from './browser.mjs';

const firstPage = (page) => page.locator('img[alt="第 1 页"]');

// Waits until page 1 of the preview shows an image other than `before` and the preview is no
// longer being updated; returns the new image.
async function previewChanged(page, before) {
  await page.waitForFunction((old) => {
    const img = document.querySelector('img[alt="第 1 页"]');
    const info = document.getElementById('preview-info').textContent;
    return img && img.src.startsWith('data:image/png') && img.src !== old && !info.startsWith('正在');
  }, before);
  return firstPage(page).getAttribute('src');
}

async function complete(page) {
  await page.waitForFunction(() => /^共 \d+ 页$/.test(document.getElementById('preview-info').textContent));
}

async function download(page, button, file) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  await d.saveAs(file);
  return { file, suggested: d.suggestedFilename() };
}

const fieldOf = (page, scope, label) => scope.locator('.field', { has: page.getByLabel(label) });

async function speech(url, data, out, shots) {
  const { page, problems, close } = await launch(url);
  const report = { problems };
  try {
    await page.goto(url);
    const card = page.getByRole('button', { name: /工会全委会讲话稿/ });
    await card.waitFor();
    report.cards = await page.locator('.types .name').allTextContents();
    await card.click();

    // An empty form previews as the redacted text: X for every value.
    await page.waitForSelector('img[alt="第 1 页"][src^="data:image/png"]');
    const draft = await firstPage(page).getAttribute('src');
    report.draftInfo = await page.textContent('#preview-info');

    // Last week's data, loaded back.
    await page.setInputFiles('#load', data);
    const loaded = await previewChanged(page, draft);
    await complete(page);

    // Three fields; the first is in the subtitle on page 1.
    await page.getByLabel('市总工会委员会届次').fill('二十八');
    await page.getByLabel('城市名称').fill('甬江新区');
    await page.getByLabel('慰问困难户数').fill('31415');
    report.filled = { '市总.届次': '二十八', 城市: '甬江新区', '送温暖.慰问户数': 31415 };
    await previewChanged(page, loaded);
    await complete(page);
    report.previewChanged = true;
    report.pagesShown = await page.locator('.page').count();
    report.info = await page.textContent('#preview-info');
    if (shots) {
      await page.getByLabel('市总工会委员会届次').focus();
      await page.screenshot({ path: path.join(shots, 'serve-form.png') });
    }

    // A value of the wrong type: the engine's message appears beside that field.
    const trains = fieldOf(page, page, '发送专列数');
    const trainsBefore = await page.getByLabel('发送专列数').inputValue();
    await page.getByLabel('发送专列数').fill('12.5');
    await trains.locator('.msg:not([hidden])').waitFor();
    report.typeError = await trains.locator('.msg').textContent();
    // An emptied required field is pointed out when the PDF is asked for, and no PDF comes.
    const buses = fieldOf(page, page, '包车数');
    const busesBefore = await page.getByLabel('包车数').inputValue();
    await page.getByLabel('包车数').fill('');
    let downloads = 0;
    page.on('download', () => downloads++);
    await page.click('#download');
    await buses.locator('.msg:not([hidden])').waitFor();
    report.missing = await buses.locator('.msg').textContent();
    // the refusal replaces "正在生成 PDF…" once the server has answered (slow under the sanitizers)
    await page.waitForFunction(() => !document.getElementById('status').textContent.startsWith('正在'));
    report.refusedStatus = await page.textContent('#status');
    report.downloadsWhileInvalid = downloads;
    if (shots) {
      await page.waitForFunction(() => !document.getElementById('preview-info').textContent.startsWith('正在'));
      await page.screenshot({ path: path.join(shots, 'serve-errors.png') });
    }
    await page.getByLabel('包车数').fill(busesBefore);
    await page.getByLabel('发送专列数').fill(trainsBefore);
    await complete(page);
    report.messagesAfterFix = await page.locator('.msg:not([hidden])').count();

    report.pdf = await download(page, '#download', path.join(out, 'speech.pdf'));
    report.data = await download(page, '#save', path.join(out, 'speech-data.json'));
  } finally {
    await close();
  }
  return report;
}

async function bulletin(url, out) {
  const { page, problems, close } = await launch(url);
  const report = { problems };
  try {
    await page.goto(url);
    await page.getByRole('button', { name: /工作简报/ }).click();
    await page.waitForSelector('img[alt="第 1 页"][src^="data:image/png"]');
    const form = page.locator('#form');
    report.inputTypes = {
      期号: await page.getByLabel('期号').getAttribute('type'),
      印发日期: await page.getByLabel('印发日期').getAttribute('type'),
      专项经费: await page.getByLabel('专项经费（元）').getAttribute('type'),
      主动公开: await page.getByLabel('主动公开').getAttribute('type'),
      导语: await page.getByLabel('导语').evaluate((e) => e.tagName.toLowerCase()),
    };
    report.required = await form.locator('.req').count();
    report.placeholder = await page.getByLabel('编印单位').getAttribute('placeholder');

    await page.getByLabel('期号').fill('7');
    await page.getByLabel('印发日期').fill('2026-03-02');
    await page.getByLabel('编印单位').fill('测试办公室');
    await page.getByLabel('主动公开').check();
    await page.getByLabel('导语').fill('第一段导语\n\n第二段导语');
    const contact = form.locator('fieldset', { has: page.locator('legend', { hasText: '联系人' }) });
    await contact.getByLabel('姓名').fill('李四');
    await contact.getByLabel('电话').fill('0574-1');

    // A list of objects: rows added, filled, moved and removed.
    const articles = form.locator('fieldset', { has: page.locator('legend', { hasText: '文章' }) });
    const row = (i) => articles.locator('.row').nth(i);
    await row(0).getByLabel('标题').fill('甲篇');
    await row(0).getByLabel('字数').fill('100');
    await articles.getByRole('button', { name: '＋ 添加一项' }).click();
    await row(1).getByLabel('标题').fill('乙篇');
    await row(1).getByLabel('字数').fill('12.5');
    // $.文章[1].字数 belongs beside the second row's 字数.
    const words = fieldOf(page, row(1), '字数');
    await words.locator('.msg:not([hidden])').waitFor();
    report.rowError = await words.locator('.msg').textContent();
    await row(1).getByLabel('字数').fill('200');
    await articles.getByRole('button', { name: '＋ 添加一项' }).click();
    await row(2).getByLabel('标题').fill('丙篇');
    await row(2).getByLabel('字数').fill('300');
    await row(2).getByRole('button', { name: '上移' }).click();
    await row(0).getByRole('button', { name: '删除' }).click();
    report.rowTitles = await articles.locator('.row input[type=text]:not(.integer)').evaluateAll((es) => es.map((e) => e.value));

    // A list of plain values.
    const copies = form.locator('fieldset', { has: page.locator('legend', { hasText: '抄送单位' }) });
    await copies.getByLabel('抄送单位 第 1 项').fill('甲单位');
    await copies.getByRole('button', { name: '＋ 添加一项' }).click();
    await copies.getByLabel('抄送单位 第 2 项').fill('乙单位');
    await complete(page);

    report.data = await download(page, '#save', path.join(out, 'bulletin-data.json'));
    report.pdf = await download(page, '#download', path.join(out, 'bulletin.pdf'));

    // The saved file, edited as next week's issue, loaded back.
    const next = JSON.parse(fs.readFileSync(report.data.file, 'utf8'));
    next['期号'] = 8;
    next['文章'].push({ 标题: '丁篇', 字数: 400 });
    next['多余'] = '模板里没有';
    const nextFile = path.join(out, 'next-week.json');
    fs.writeFileSync(nextFile, JSON.stringify(next));
    await page.setInputFiles('#load', nextFile);
    await page.waitForFunction(() => document.querySelectorAll('#form .row:not(.simple)').length === 3);
    report.reloaded = {
      期号: await page.getByLabel('期号').inputValue(),
      titles: await articles.locator('.row input[type=text]:not(.integer)').evaluateAll((es) => es.map((e) => e.value)),
      copies: await copies.locator('input').evaluateAll((es) => es.map((e) => e.value)),
      公开: await page.getByLabel('主动公开').isChecked(),
      notes: await page.locator('#general .note').allTextContents(),
    };
    await complete(page);
  } finally {
    await close();
  }
  return report;
}

const [scenario, ...args] = process.argv.slice(2);
const run = { speech: () => speech(...args), bulletin: () => bulletin(...args) }[scenario];
if (!run) {
  console.error('usage: e2e.mjs speech URL DATA OUTDIR [SHOTDIR] | bulletin URL OUTDIR');
  process.exit(2);
}
try {
  console.log(JSON.stringify(await run()));
} catch (e) {
  console.error(e.stack || String(e));
  process.exit(1);
}
