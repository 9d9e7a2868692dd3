// The form's 下载 Word button in Debian's Chromium driven by playwright-core (like e2e.mjs):
//
//   node tests/web/docx.mjs URL DATA.json OUTDIR
//
// Opens the notice, loads DATA.json with 载入数据, waits for the preview, clicks 下载 Word and saves
// the download to OUTDIR; then empties the form (清空) and clicks it again, which must download
// nothing and mark the fields. A JSON report goes to stdout for tests/test_docx.py to judge.
import path from 'node:path';

import { launch } from './browser.mjs';

const card = (page, id) => page.locator('#types button', { has: page.locator('.id', { hasText: new RegExp(`^${id}$`) }) });

async function run(url, data, out) {
  const { page, problems, close } = await launch(url);
  const report = { problems };
  try {
    await page.goto(url);
    await card(page, 'notice').click();
    await page.waitForSelector('img[alt="第 1 页"][src^="data:image/png"]');
    await page.setInputFiles('#load', data);
    await page.waitForFunction(() => /^共 \d+ 页$/.test(document.getElementById('preview-info').textContent));
    report.button = (await page.textContent('#download-docx')).trim();
    const [docx] = await Promise.all([page.waitForEvent('download'), page.click('#download-docx')]);
    report.suggested = docx.suggestedFilename();
    report.file = path.join(out, 'notice.docx');
    await docx.saveAs(report.file);
    report.status = await page.textContent('#status');

    let downloads = 0;
    page.on('download', () => downloads++);
    await page.click('#clear');
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/docx')),
      page.click('#download-docx'),
    ]);
    report.emptyStatus = answer.status();
    await page.locator('.field.missing').first().waitFor();
    report.marked = await page.locator('.field.missing').count();
    report.emptyDownloads = downloads;
  } finally {
    await close();
  }
  return report;
}

const [url, ...args] = process.argv.slice(2);
try {
  console.log(JSON.stringify(await run(url, ...args)));
} catch (e) {
  console.error(e.stack || String(e));
  process.exit(1);
}
