// The browser the web tests drive: Debian's Chromium through playwright-core, with a fresh profile
// each run, no background traffic (this network is closed; root needs --no-sandbox), and every
// sign of trouble collected: page errors, console errors, requests to another origin than yinfa's
// (everything must come from yinfa itself), and dialogs (answered "stay": a test that relies on
// leaving then fails).
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Under the sanitizers (make asan) the engine runs several times slower.
export const TIMEOUT_MS = process.env.YINFA_SANITIZED ? 120000 : 20000;

export async function launch(base) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'yinfa-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1366, height: 768 },
    locale: 'zh-CN',
    acceptDownloads: true,
  });
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = context.pages()[0] || await context.newPage();
  const problems = [];
  const dialogs = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // The browser logs every 4xx as an error; the answers the tests provoke (422) are expected.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 422/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('dialog', async (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss();
  });
  const origin = new URL(base).origin;
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['data:', 'blob:'].includes(u.protocol) && u.origin !== origin) problems.push(`request to another origin: ${r.url()}`);
  });
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { page, problems, dialogs, close };
}
