// Live chat as people use it: a shop's page (another origin) embeds the snippet; a visitor
// chats with an agent who works in the console in another browser; files go both ways; the
// visitor reloads and the conversation is still there; with nobody online the widget takes a
// message instead, and the reply goes out by mail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { startKefu, launch, newPage, signIn, shots, websiteInbox, openWidget } from '../lib.mjs';

let kefu, browser, shop, shopUrl, inboxId;

// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==', 'base64');

before(async () => {
  kefu = await startKefu();
  browser = await launch();
  inboxId = await websiteInbox(browser, kefu);
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

after(async () => { await browser?.close(); shop?.close(); await kefu?.stop(); });

async function widget(page, ready = '#greeting') {
  await page.goto(shopUrl);
  await openWidget(page);
  const frame = page.frameLocator('iframe[title]');
  await frame.locator(ready).waitFor();
  return frame;
}

async function console_(agentLogin = kefu.agent) {
  const agent = await newPage(browser, 'zh-CN');
  await agent.setViewportSize({ width: 1400, height: 860 });
  await signIn(agent, kefu.url, agentLogin);
  await agent.goto(`${kefu.url}/console`);
  // Opening the console puts the agent online.
  await agent.waitForFunction(() => document.getElementById('presence').value === 'online');
  return agent;
}

test('a visitor on the shop page chats with an agent in the console, files go both ways', async () => {
  const agent = await console_();
  const visitor = await newPage(browser, 'zh-CN');
  const chat = await widget(visitor);
  await chat.locator('#body').fill('这个水壶可以寄到香港吗？');
  await chat.locator('#send').click();
  await chat.locator('.bubble.mine:not(.pending)').first().waitFor();

  const row = agent.locator('#conversations li', { hasText: '这个水壶可以寄到香港吗' });
  await row.click();
  await agent.locator('#messages .bubble', { hasText: '这个水壶可以寄到香港吗？' }).waitFor();
  // The sidebar shows where the visitor is browsing.
  await agent.locator('#trail li', { hasText: '/kettle' }).waitFor();
  await agent.fill('#body', '可以的，顺丰 2-3 天送达。');
  await agent.click('#composer button');

  await chat.locator('.bubble.theirs', { hasText: '顺丰 2-3 天送达' }).waitFor();
  // Read receipts both ways: the agent opened the visitor's message, the visitor saw the reply.
  await chat.locator('.bubble.mine .receipt').waitFor();
  await agent.locator('#messages .bubble.mine .receipt').waitFor();
  // Live in the other direction too, without reloading the console.
  await chat.locator('#body').fill('好的，谢谢！');
  await chat.locator('#send').click();
  await agent.locator('#messages .bubble', { hasText: '好的，谢谢！' }).waitFor();
  // The keyboard: Enter sends, Shift+Enter is a new line, and an Enter that confirms an input
  // method's characters sends nothing.
  const box = chat.locator('#body');
  await box.fill('还有一个问题');
  await box.press('Shift+Enter');
  await box.pressSequentially('包邮吗？');
  await box.dispatchEvent('keydown', { key: 'Enter', isComposing: true });
  assert.equal(await box.inputValue(), '还有一个问题\n包邮吗？');
  await box.press('Enter');
  const sent = agent.locator('#messages .bubble', { hasText: '包邮吗？' });
  await sent.waitFor();
  assert.match(await sent.innerText(), /还有一个问题\s*\n\s*包邮吗？/);
  assert.equal(await box.inputValue(), '');
  // A private note stays in the console.
  await agent.check('#note');
  await agent.fill('#body', '老客户，可送优惠券');
  await agent.click('#composer button');
  await agent.locator('#messages .bubble.note').waitFor();
  await agent.uncheck('#note');

  // A photo from the visitor, previewed in the console; a file back from the agent.
  await chat.locator('#file').setInputFiles({ name: '破损照片.png', mimeType: 'image/png', buffer: PNG });
  await chat.locator('.bubble.mine img[alt="破损照片.png"]').waitFor();
  const preview = agent.locator('#messages .bubble img[alt="破损照片.png"]');
  await preview.waitFor();
  await agent.waitForFunction(() => [...document.querySelectorAll('#messages img')].some((i) => i.naturalWidth === 1));
  await agent.locator('#file').setInputFiles({ name: '保修卡.txt', mimeType: 'text/plain', buffer: Buffer.from('保修一年，凭此卡维修。') });
  await agent.click('#file-send');
  const link = chat.locator('.bubble.theirs a.file', { hasText: '保修卡.txt' });
  await link.waitFor();
  const [download] = await Promise.all([visitor.waitForEvent('download'), link.click()]);
  assert.equal(download.suggestedFilename(), '保修卡.txt');

  // The agent changes the stage and tags; the list shows them.
  await agent.selectOption('#stage', 'in_sale');
  await agent.click('.actions details.more summary');
  await agent.fill('#tags', '港澳, 物流');
  await agent.locator('#tags').press('Enter');
  await agent.locator('#tags').blur();
  await agent.locator('#conversations li.active .meta', { hasText: '#港澳' }).waitFor({ timeout: 5000 }).catch(async (e) => {
    await agent.screenshot({ path: join(shots, 'console-tags-failed.png') });
    throw new Error(`${e.message}\n${agent.errors.join('\n')}`);
  });
  await visitor.waitForTimeout(300);
  assert.equal(await chat.locator('.bubble', { hasText: '优惠券' }).count(), 0);

  // The roster shows the agent at work.
  await agent.click('.side-tabs [data-tab=roster-box]');
  await agent.locator('#roster li', { hasText: '李娜' }).locator('.badge.ok').waitFor();
  await visitor.screenshot({ path: join(shots, 'widget-chat.png') });
  await agent.screenshot({ path: join(shots, 'console-chat.png') });

  // After a reload the conversation is still there.
  const again = await widget(visitor);
  await again.locator('.bubble', { hasText: '顺丰 2-3 天送达' }).waitFor();
  assert.equal(await again.locator('.bubble', { hasText: '这个水壶可以寄到香港吗？' }).count(), 1);
  await again.locator('img[alt="破损照片.png"]').waitFor();
  assert.deepEqual([...visitor.errors, ...agent.errors], []);
  await agent.context().close();
  await visitor.context().close();
});

test('with nobody online the widget takes a message and the reply is mailed', async () => {
  // The agent goes offline.
  const agent = await console_();
  await Promise.all([
    agent.waitForResponse((r) => r.url().endsWith('/api/v1/me/presence')),
    agent.selectOption('#presence', 'offline'),
  ]);

  const visitor = await newPage(browser, 'zh-CN');
  const chat = await widget(visitor, '#offline');
  await chat.locator('#offline input[name=name]').fill('周敏');
  await chat.locator('#offline input[name=email]').fill('zhou.min@example.com');
  await chat.locator('#offline textarea[name=message]').fill('晚上下单，明天能发货吗？');
  await chat.locator('#offline button').click();
  await chat.locator('#offline p', { hasText: 'zhou.min@example.com' }).waitFor();
  await visitor.screenshot({ path: join(shots, 'widget-offline.png') });

  await agent.reload();
  await agent.locator('#conversations li', { hasText: '晚上下单' }).click();
  await agent.locator('#customer-email', { hasText: 'zhou.min@example.com' }).waitFor();
  await agent.fill('#body', '明天上午就发货。');
  await agent.click('#composer button');
  await agent.locator('#messages .bubble.mine:not(.pending)', { hasText: '明天上午就发货' }).waitFor();

  // No SMTP in the embedded default: the mail waits in the outbox, where the admin reads it.
  const admin = await newPage(browser, 'zh-CN');
  await signIn(admin, kefu.url, kefu.admin);
  let found = false;
  for (let i = 0; i < 20 && !found; i++) {
    await admin.goto(`${kefu.url}/admin/outbox`);
    found = (await admin.locator('body', { hasText: 'zhou.min@example.com' }).count()) > 0
      && (await admin.locator('body', { hasText: '明天上午就发货' }).count()) > 0;
    if (!found) await admin.waitForTimeout(500);
  }
  assert.ok(found, 'the reply is in the outbox');

  // On the next visit the reply is in the widget too.
  const back = await widget(visitor);
  await back.locator('.bubble.theirs', { hasText: '明天上午就发货' }).waitFor();
  assert.deepEqual([...visitor.errors, ...agent.errors, ...admin.errors], []);
  await agent.context().close();
  await visitor.context().close();
  await admin.context().close();
});

test('a widget already open follows the agents: online opens the chat, offline the form', async () => {
  const agent = await console_();
  const setPresence = (state) => Promise.all([
    agent.waitForResponse((r) => r.url().endsWith('/api/v1/me/presence')),
    agent.selectOption('#presence', state),
  ]);
  await setPresence('offline');
  const visitor = await newPage(browser, 'zh-CN');
  const chat = await widget(visitor, '#offline');
  await chat.locator('#offline textarea[name=message]').fill('请问有现货吗？');
  // The agent comes online: the open widget turns into a chat, keeping what was typed.
  await setPresence('online');
  await chat.locator('#composer').waitFor({ state: 'visible' });
  assert.equal(await chat.locator('#body').inputValue(), '请问有现货吗？');
  assert.ok(await chat.locator('#offline').isHidden());
  await visitor.screenshot({ path: join(shots, 'widget-came-online.png') });
  // And away again, before anything was sent: back to the offline form.
  await setPresence('offline');
  await chat.locator('#offline').waitFor({ state: 'visible' });
  assert.equal(await chat.locator('#offline textarea[name=message]').inputValue(), '请问有现货吗？');
  await setPresence('online');
  assert.deepEqual([...visitor.errors, ...agent.errors], []);
  await agent.context().close();
  await visitor.context().close();
});

test('kefu serve --demo serves a storefront with the widget at /demo', async () => {
  const page = await newPage(browser, 'zh-CN');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${kefu.url}/demo`);
  await openWidget(page);
  // Nobody is online in the fresh demo: the widget takes a message.
  await page.frameLocator('iframe[title]').locator('#greeting:visible, #offline:visible').first().waitFor();
  await page.screenshot({ path: join(shots, 'demo-storefront-phone-zh.png') });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('an admin sets an invitation rule; a visitor on a matching page is greeted', async () => {
  const admin = await newPage(browser, 'zh-CN');
  await signIn(admin, kefu.url, kefu.admin);
  await admin.goto(`${kefu.url}/admin/inboxes/${inboxId}`);
  await admin.fill('input[name=url_pattern]', '*/sale*');
  await admin.fill('input[name=min_seconds]', '1');
  await admin.fill('input[name=message]', '限时特价，有问题随时问我！');
  await admin.click('form[action$="/invitations"] button');
  await admin.locator('td', { hasText: '限时特价' }).waitFor();
  await admin.screenshot({ path: join(shots, 'admin-inbox.png'), fullPage: true });
  const agent = await console_();

  const visitor = await newPage(browser, 'zh-CN');
  await visitor.goto(shopUrl.replace('/kettle', '/sale/today'));
  // Nobody clicks: after a second the widget opens by itself with the greeting.
  const frame = visitor.locator('iframe[title]');
  await frame.waitFor({ state: 'visible' });
  await visitor.frameLocator('iframe[title]').locator('.bubble.invite', { hasText: '限时特价' }).waitFor();
  await visitor.screenshot({ path: join(shots, 'widget-invitation.png') });
  assert.deepEqual([...visitor.errors, ...admin.errors, ...agent.errors], []);
  await visitor.context().close();
  await admin.context().close();
  await agent.context().close();
});
