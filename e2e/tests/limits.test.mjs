// A visitor who sends faster than the shop allows (here two messages a minute) is told so in
// their language; what was refused is not stored and goes back into the box to send again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKefu, launch, newPage, shots, websiteInbox } from '../lib.mjs';

let kefu, browser, inboxId;

before(async () => {
  kefu = await startKefu({ env: { KEFU_CHAT_MESSAGES_PER_MINUTE: '2' } });
  browser = await launch();
  inboxId = await websiteInbox(browser, kefu);
});

after(async () => { await browser?.close(); await kefu?.stop(); });

test('a visitor over the message limit is told to wait, in Chinese', async () => {
  const page = await newPage(browser, 'zh-CN');
  await page.goto(`${kefu.url}/widget/frame?inbox=${inboxId}&lang=zh-CN`);
  await page.waitForFunction((k) => localStorage.getItem(k), `kefu_visitor_${inboxId}`);
  // A conversation already open (nobody is online, so a new visitor would see the offline form).
  await page.evaluate(async (inbox) => {
    const token = localStorage.getItem(`kefu_visitor_${inbox}`);
    await fetch('/widget/api/conversations', {
      method: 'POST',
      headers: { 'x-kefu-visitor': token, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: '咨询' }),
    });
  }, inboxId);
  await page.reload();
  await page.locator('#composer').waitFor();
  // Each send is waited for: the first two until the server acknowledged them (the bubble
  // is no longer pending), the third until it is refused and its text is back in the box.
  for (const text of ['第一条', '第二条']) {
    await page.fill('#body', text);
    await page.click('#send');
    await page.locator('.bubble.mine:not(.pending)', { hasText: text }).waitFor();
  }
  await page.fill('#body', '第三条');
  await page.click('#send');
  // Refused: the text comes back into the box.
  await page.waitForFunction(() => document.querySelector('#body').value === '第三条');
  assert.match(await page.locator('#error').innerText(), /过于频繁/);
  // The refused text is back in the box, not left as a bubble that never goes.
  assert.equal(await page.inputValue('#body'), '第三条');
  assert.equal(await page.locator('.bubble.mine', { hasText: '第三条' }).count(), 0);
  await page.screenshot({ path: join(shots, 'widget-too-fast-zh.png') });
  const stored = await page.evaluate(async (inbox) => {
    const token = localStorage.getItem(`kefu_visitor_${inbox}`);
    const h = { 'x-kefu-visitor': token };
    const [c] = await (await fetch('/widget/api/conversations', { headers: h })).json();
    const msgs = await (await fetch(`/widget/api/conversations/${c.id}/messages`, { headers: h })).json();
    return msgs.filter((m) => m.kind === 'text').map((m) => m.body);
  }, inboxId);
  assert.deepEqual(stored, ['第一条', '第二条']);
  // The page's own console stays clean apart from the refused request.
  assert.deepEqual(page.errors.filter((e) => !/429|Failed to load resource/.test(e)), []);
});
