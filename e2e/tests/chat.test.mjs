// Live chat as people use it: a shop's page (another origin) embeds the snippet; a visitor
// chats with an agent who works in the console in another browser; the visitor reloads and the
// conversation is still there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { startKefu, launch, newPage, signIn, shots } from '../lib.mjs';

let kefu, browser, shop, shopUrl, inboxId;

before(async () => {
  kefu = await startKefu();
  browser = await launch();
  // The inbox the demo's pre-sale agent works.
  const admin = await newPage(browser);
  await signIn(admin, kefu.url, kefu.admin);
  const inboxes = await admin.evaluate(async () => (await fetch('/api/v1/inboxes')).json());
  inboxId = inboxes.find((i) => i.name.includes('Website')).id;
  await admin.context().close();
  // A plain shop page on another origin, with nothing but the snippet.
  shop = createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html><head><title>好物商城 · 电热水壶</title></head>
      <body style="font-family:sans-serif;padding:2rem"><h1>电热水壶 1.7L</h1><p>¥ 199</p>
      <script src="${kefu.url}/widget.js" data-inbox="${inboxId}" async></script></body></html>`);
  });
  await new Promise((r) => shop.listen(0, '127.0.0.1', r));
  shopUrl = `http://127.0.0.1:${shop.address().port}/kettle`;
});

after(async () => { await browser?.close(); shop?.close(); kefu?.stop(); });

async function widget(page) {
  await page.goto(shopUrl);
  await page.click('button[data-kefu=launcher]');
  const frame = page.frameLocator('iframe[title]');
  await frame.locator('#greeting').waitFor();
  return frame;
}

test('a visitor on the shop page chats with an agent in the console', async () => {
  const visitor = await newPage(browser, 'zh-CN');
  const chat = await widget(visitor);
  await chat.locator('#body').fill('这个水壶可以寄到香港吗？');
  await chat.locator('#composer button').click();
  await chat.locator('.bubble.mine:not(.pending)').first().waitFor();

  const agent = await newPage(browser, 'zh-CN');
  await signIn(agent, kefu.url, kefu.agent);
  await agent.goto(`${kefu.url}/console`);
  const row = agent.locator('#conversations li', { hasText: '这个水壶可以寄到香港吗' });
  await row.click();
  await agent.locator('#messages .bubble', { hasText: '这个水壶可以寄到香港吗？' }).waitFor();
  await agent.fill('#body', '可以的，顺丰 2-3 天送达。');
  await agent.click('#composer button');

  await chat.locator('.bubble.theirs', { hasText: '顺丰 2-3 天送达' }).waitFor();
  // Live in the other direction too, without reloading the console.
  await chat.locator('#body').fill('好的，谢谢！');
  await chat.locator('#composer button').click();
  await agent.locator('#messages .bubble', { hasText: '好的，谢谢！' }).waitFor();
  // A private note stays in the console.
  await agent.check('#note');
  await agent.fill('#body', '老客户，可送优惠券');
  await agent.click('#composer button');
  await agent.locator('#messages .bubble.note').waitFor();
  await visitor.waitForTimeout(500);
  assert.equal(await chat.locator('.bubble', { hasText: '优惠券' }).count(), 0);

  await visitor.screenshot({ path: join(shots, 'widget-chat.png') });
  await agent.screenshot({ path: join(shots, 'console-chat.png') });

  // After a reload the conversation is still there.
  const again = await widget(visitor);
  await again.locator('.bubble', { hasText: '顺丰 2-3 天送达' }).waitFor();
  assert.equal(await again.locator('.bubble', { hasText: '这个水壶可以寄到香港吗？' }).count(), 1);
  assert.deepEqual([...visitor.errors, ...agent.errors], []);
});

test('the loader stays small', async () => {
  const res = await fetch(`${kefu.url}/widget.js`);
  const body = Buffer.from(await res.arrayBuffer());
  const { gzipSync } = await import('node:zlib');
  const gz = gzipSync(body, { level: 9 }).length;
  console.log(`widget loader: ${body.length} bytes, ${gz} bytes gzipped`);
  assert.ok(gz <= 5 * 1024, `${gz} bytes gzipped`);
});
