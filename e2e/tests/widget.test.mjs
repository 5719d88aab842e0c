// The widget across a visitor's day: it stays open or closed across reloads, replies that come
// while it is closed show as an unread badge that survives a reload, refused files are
// explained in the visitor's language with the limit named (and the note goes once a message
// gets through), and voice notes recorded in the widget and short videos play on both sides.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { startKefu, launch, newPage, signIn, shots, websiteInbox, openWidget } from '../lib.mjs';

let kefu, browser, shop, shopUrl, inboxId;

before(async () => {
  kefu = await startKefu();
  // A fake microphone (a tone) for the voice notes.
  browser = await launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
  inboxId = await websiteInbox(browser, kefu);
  shop = createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html><head><title>好物商城</title></head><body><h1>蓝牙耳机</h1>
      <script src="${kefu.url}/widget.js" data-inbox="${inboxId}" async></script></body></html>`);
  });
  await new Promise((r) => shop.listen(0, '127.0.0.1', r));
  shopUrl = `http://127.0.0.1:${shop.address().port}/earbuds`;
});

after(async () => { await browser?.close(); shop?.close(); await kefu?.stop(); });

async function console_() {
  const agent = await newPage(browser, 'zh-CN');
  await agent.setViewportSize({ width: 1400, height: 860 });
  await signIn(agent, kefu.url, kefu.agent);
  await agent.goto(`${kefu.url}/console`);
  await agent.waitForFunction(() => document.getElementById('presence').value === 'online');
  return agent;
}

async function reply(agent, text) {
  await agent.fill('#body', text);
  await agent.click('#composer button');
  await agent.locator('#messages .bubble.mine:not(.pending)', { hasText: text }).waitFor();
}

/** Opens the widget on the visitor's page, past the pre-chat form if it asks. */
async function chatReady(visitor) {
  await openWidget(visitor);
  const chat = chatOf(visitor);
  await chat.locator('#body:visible, #skip:visible').first().waitFor();
  if (await chat.locator('#skip').isVisible()) await chat.locator('#skip').click();
  return chat;
}

const badge = (page) => page.locator('[data-kefu=unread]');
const chatOf = (page) => page.frameLocator('iframe[title]');

test('open state and unread replies survive a reload', async () => {
  const agent = await console_();
  const visitor = await newPage(browser, 'zh-CN');
  await visitor.goto(shopUrl);
  const chat = await chatReady(visitor);
  await chat.locator('#body').fill('耳机支持降噪吗？');
  await chat.locator('#body').press('Enter');
  await chat.locator('.bubble.mine:not(.pending)').first().waitFor();

  // The visitor closes the chat; two replies come meanwhile.
  await visitor.click('button[data-kefu=launcher]');
  await agent.locator('#conversations li', { hasText: '耳机支持降噪吗' }).click();
  await reply(agent, '支持主动降噪。');
  await badge(visitor).filter({ hasText: '1' }).waitFor();
  await reply(agent, '续航 30 小时。');
  await badge(visitor).filter({ hasText: '2' }).waitFor();
  await visitor.screenshot({ path: join(shots, 'widget-unread-badge.png') });

  // A reload keeps the chat closed and the count.
  await visitor.reload();
  await badge(visitor).filter({ hasText: '2' }).waitFor();
  assert.ok(await visitor.locator('iframe[title]').isHidden(), 'still closed');
  // Opening it reads them: the badge goes, the agent sees the receipt.
  await openWidget(visitor);
  await chatOf(visitor).locator('.bubble.theirs', { hasText: '续航 30 小时' }).waitFor();
  await badge(visitor).waitFor({ state: 'hidden' });
  await agent.locator('#messages .bubble.mine .receipt').waitFor();
  // And a reload now keeps it open.
  await visitor.reload();
  await chatOf(visitor).locator('.bubble.theirs', { hasText: '续航 30 小时' }).waitFor();
  assert.ok(await visitor.locator('iframe[title]').isVisible(), 'still open');
  assert.ok(await badge(visitor).isHidden());
  assert.deepEqual([...visitor.errors, ...agent.errors], []);
  await agent.context().close();
  await visitor.context().close();
});

test('a refused file is explained in the visitor\'s language, with the limit, until a message gets through', async () => {
  const visitor = await newPage(browser, 'zh-CN');
  await visitor.goto(shopUrl);
  const chat = await chatReady(visitor);
  // Over the 10 MB limit: said at once, in Chinese, with the limit.
  await chat.locator('#file').setInputFiles({ name: '视频.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) });
  await chat.locator('#error', { hasText: '文件太大：单个文件最大 10 MB' }).waitFor();
  // A file whose name lies: the server refuses it, the widget says why in Chinese.
  await chat.locator('#file').setInputFiles({ name: '发票.png', mimeType: 'image/png', buffer: Buffer.from('%PDF-1.4 not a png') });
  await chat.locator('#error', { hasText: '文件内容与文件名不符' }).waitFor();
  await visitor.screenshot({ path: join(shots, 'widget-file-refused-zh.png') });
  // Once a message gets through, the note is gone.
  await chat.locator('#body').fill('那我发 PDF 吧');
  await chat.locator('#body').press('Enter');
  await chat.locator('.bubble.mine:not(.pending)', { hasText: '那我发 PDF 吧' }).waitFor();
  await chat.locator('#error').waitFor({ state: 'hidden' });
  // (The browser logs the refused upload's 400 itself.)
  assert.deepEqual(visitor.errors.filter((e) => !e.includes('status of 400')), []);
  await visitor.context().close();
});

test('a voice note recorded in the widget and a short video play on both sides', async () => {
  const agent = await console_();
  const visitor = await newPage(browser, 'en-US');
  await visitor.goto(shopUrl);
  const chat = await chatReady(visitor);
  await chat.locator('#body').fill('Listen to the noise my earbuds make');
  await chat.locator('#body').press('Enter');
  await chat.locator('.bubble.mine:not(.pending)').first().waitFor();

  // Record, stop after a second of sound, listen, send.
  await chat.locator('#mic').click();
  await chat.locator('#rec-time', { hasText: '0:01' }).waitFor();
  await chat.locator('#rec-stop').click();
  await chat.locator('#preview audio').waitFor();
  await chat.locator('#preview-send').click();
  await chat.locator('.bubble.mine audio').waitFor();
  await chat.locator('.bubble.mine audio').evaluate((a) => new Promise((ok) => (a.readyState >= 1 ? ok() : a.addEventListener('loadedmetadata', ok))));

  // A short video made in the page (a canvas recorded for a moment) goes as a file.
  const video = await visitor.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 48;
    const g = c.getContext('2d');
    const rec = new MediaRecorder(c.captureStream(10), { mimeType: 'video/webm' });
    const parts = [];
    rec.ondataavailable = (e) => parts.push(e.data);
    const done = new Promise((ok) => { rec.onstop = ok; });
    rec.start(100);
    for (let i = 0; i < 8; i++) { g.fillStyle = `hsl(${i * 40},80%,50%)`; g.fillRect(0, 0, 64, 48); await new Promise((r) => setTimeout(r, 100)); }
    rec.stop();
    await done;
    const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
    return btoa(String.fromCharCode(...bytes));
  });
  await chat.locator('#file').setInputFiles({ name: 'earbuds.webm', mimeType: 'video/webm', buffer: Buffer.from(video, 'base64') });
  await chat.locator('.bubble.mine video').waitFor();

  // The agent plays both.
  await agent.locator('#conversations li', { hasText: 'Listen to the noise' }).click();
  for (const kind of ['audio', 'video']) {
    const el = agent.locator(`#messages .bubble ${kind}`);
    await el.waitFor();
    await el.evaluate((a) => new Promise((ok, no) => {
      if (a.readyState >= 1) return ok();
      a.addEventListener('loadedmetadata', ok);
      a.addEventListener('error', () => no(new Error('cannot play')));
    }));
  }
  await agent.screenshot({ path: join(shots, 'console-voice-and-video.png') });
  await visitor.screenshot({ path: join(shots, 'widget-voice-and-video-en.png') });
  assert.deepEqual([...visitor.errors, ...agent.errors], []);
  await agent.context().close();
  await visitor.context().close();
});
