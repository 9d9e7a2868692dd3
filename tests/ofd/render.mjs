// Reads an OFD the way a user's viewer does: ofd.js (tests/ofd/node_modules, the open-source
// GB/T 33190 renderer) parses the package and lays its pages out as SVG in headless Chromium
// (tests/web/browser.mjs: Debian's Chromium through playwright-core). What the browser shows is then
// measured: every drawn character with its origin and baseline, every filled path with its box, in
// mm from the page's top-left corner, and page 1 is saved as a PNG.
//
//   node render.mjs FILE.ofd PAGE.png [N] > measures.json     (PAGE.png: page N, default 1)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../web/browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [ofdPath, pngPath, pngPage = '1'] = process.argv.slice(2);
// ofd.js scales a page to the width it is given: (width - 10) / 210 px per mm, to one decimal.
// 3.8 px/mm is the nearest to the 96 dpi (3.78 px/mm) its image scaling assumes.
const SCALE = 3.8;
const WIDTH = 10 + 210 * SCALE;

const { page, problems, close } = await launch('http://127.0.0.1');
let result;
try {
  await page.setContent('<!doctype html><meta charset="utf-8"><body style="margin:0;background:#ccc"><div id="pages"></div></body>');
  await page.addScriptTag({ path: path.join(here, 'node_modules', 'ofd.js', 'lib', 'ofd.umd.js') });
  const bytes = fs.readFileSync(ofdPath).toString('base64');
  result = await page.evaluate(async ({ bytes, width, scale }) => {
    const bin = atob(bytes);
    const buf = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    const docs = await new Promise((resolve, reject) => ofd.parseOfdDocument({
      ofd: buf.buffer, success: resolve, fail: (e) => reject(new Error(String(e))),
    }));
    const divs = ofd.renderOfd(width, docs[0]);
    const host = document.getElementById('pages');
    for (const d of divs) host.appendChild(d);
    await document.fonts.ready;
    // Images are drawn when loaded.
    await Promise.all([...document.querySelectorAll('image')].map((im) => new Promise((ok) => {
      const probe = new Image();
      probe.onload = probe.onerror = ok;
      probe.src = im.href.baseVal;
    })));
    return divs.map((div) => {
      const box = div.getBoundingClientRect();
      const k = box.width / 210; // px per mm as laid out
      const texts = [...div.querySelectorAll('text')].map((t) => {
        const svg = t.ownerSVGElement.getBoundingClientRect();
        const r = t.getBoundingClientRect();
        return {
          text: t.textContent,
          x: (svg.left + parseFloat(t.getAttribute('x')) - box.left) / k,
          baseline: (svg.top + parseFloat(t.getAttribute('y')) - box.top) / k,
          left: (r.left - box.left) / k,
          width: r.width / k,
          fill: t.getAttribute('fill'),
          family: getComputedStyle(t).fontFamily,
        };
      });
      const paths = [...div.querySelectorAll('path')].map((p) => {
        const r = p.getBoundingClientRect();
        return { x: (r.left - box.left) / k, y: (r.top - box.top) / k, w: r.width / k, h: r.height / k,
          fill: p.getAttribute('fill') };
      });
      const images = [...div.querySelectorAll('svg > image')].map((im) => {
        const r = im.ownerSVGElement.getBoundingClientRect();
        return { x: (r.left - box.left) / k, y: (r.top - box.top) / k, w: r.width / k, h: r.height / k };
      });
      return { width: box.width / k, height: box.height / k, scale: k, texts, paths, images };
    });
  }, { bytes, width: WIDTH, scale: SCALE });
  if (pngPath) {
    const shot = await page.$(`#pages > div:nth-child(${parseInt(pngPage, 10)})`);
    await shot.screenshot({ path: pngPath });
  }
} finally {
  await close();
}
process.stdout.write(JSON.stringify({ problems, pages: result }));
