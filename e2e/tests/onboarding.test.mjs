// A new shop owner, from an empty server to a first answered chat: set-up, the checklist that
// ticks itself off, the website chat in one click, the snippet copied into a page of another
// origin, a visitor's question answered in the console. The clicks and typed fields are
// counted: the baseline was about 13 clicks and 7 fields.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { startKefu, launch, newPage, shots, openWidget } from '../lib.mjs';

let kefu, browser, shop, snippet = '';

before(async () => {
  kefu = await startKefu({ demo: false });
  browser = await launch();
  // The shop's own page on another origin: whatever the owner pasted goes before </body>.
  shop = createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html><head><title>好物商城</title></head><body><h1>电热水壶</h1>${snippet}</body></html>`);
  });
  await new Promise((r) => shop.listen(0, '127.0.0.1', r));
});

after(async () => { await browser?.close(); shop?.close(); await kefu?.stop(); });

test('a new owner goes from an empty server to a first answered chat in a few clicks', async () => {
  assert.ok(kefu.setupCode, 'the server printed a set-up code');
  let clicks = 0, fields = 0;
  const owner = await newPage(browser, 'zh-CN');
  await owner.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: kefu.url });
  const type = async (sel, text) => { await owner.fill(sel, text); fields++; };
  const click = async (sel) => { await owner.click(sel); clicks++; };

  await owner.goto(`${kefu.url}/`);
  await owner.waitForURL(/\/setup$/);
  await type('input[name=code]', kefu.setupCode);
  await type('input[name=email]', 'owner@haowu.example');
  await type('input[name=name]', '王老板');
  await type('input[name=password]', 'kettle-shop-2026-open');
  await Promise.all([owner.waitForURL(/\/admin\/start/), click('main form button')]);
  // The checklist: nothing to answer with yet.
  await owner.locator('ol.checklist li[data-step=inbox]:not(.done)').waitFor();
  await owner.screenshot({ path: join(shots, 'onboarding-start-zh.png'), fullPage: true });

  // One click: an inbox answered by a team the owner is in.
  await Promise.all([owner.waitForURL(/notice-website-chat/), click('#website-chat')]);
  await owner.locator('li[data-step=inbox].done').waitFor();
  await owner.locator('li[data-step=answered-by].done').waitFor();
  await click('button[data-copy=snippet]');
  await owner.locator('button[data-copy=snippet]', { hasText: '已复制' }).waitFor();
  snippet = await owner.evaluate(() => navigator.clipboard.readText());
  assert.match(snippet, /^<script src="http:\/\/[^"]+\/widget\.js" data-inbox="[^"]+" async><\/script>$/);
  // The page's snippet names the address the server was told; here it is the test's own.
  snippet = snippet.replace(/src="[^"]+\/widget\.js"/, `src="${kefu.url}/widget.js"`);

  // The console puts the owner online: the inbox page says the chat is open, and why.
  await Promise.all([owner.waitForURL(/\/console/), click('header nav a[href="/console"]')]);
  await owner.waitForFunction(() => document.getElementById('presence').value === 'online');
  const admin = await newPage(browser, 'zh-CN');
  await admin.context().addCookies(await owner.context().cookies());
  await admin.goto(`${kefu.url}/admin/start`);
  await admin.click('li[data-step=answered-by] a');
  await admin.locator('#staffing p.availability.open', { hasText: '1 人在线' }).waitFor();
  await admin.screenshot({ path: join(shots, 'inbox-who-answers-zh.png'), fullPage: true });

  // A visitor on the shop's page asks; the owner answers.
  const visitor = await newPage(browser, 'zh-CN');
  await visitor.goto(`http://127.0.0.1:${shop.address().port}/`);
  await openWidget(visitor);
  const chat = visitor.frameLocator('iframe[title]');
  const skip = chat.locator('#skip');
  await chat.locator('#body:visible, #skip:visible').first().waitFor();
  if (await skip.isVisible()) await skip.click();
  await chat.locator('#body').fill('水壶今天能发货吗？');
  await chat.locator('#body').press('Enter');
  await click('#conversations li:has-text("水壶今天能发货吗")');
  await type('#body', '能的，下午四点前下单当天发。');
  await owner.press('#body', 'Control+Enter');
  clicks++; // the send
  await chat.locator('.bubble.theirs', { hasText: '当天发' }).waitFor();

  // Both remaining first-week steps ticked themselves off.
  await admin.goto(`${kefu.url}/admin/start`);
  await admin.locator('li[data-step=try-widget].done').waitFor();
  await admin.locator('li[data-step=first-chat].done').waitFor();
  await admin.screenshot({ path: join(shots, 'onboarding-after-first-chat-zh.png'), fullPage: true });
  await admin.click('form[action="/lang"] button');
  await admin.locator('h1', { hasText: 'Getting started' }).waitFor();
  await admin.screenshot({ path: join(shots, 'onboarding-after-first-chat-en.png'), fullPage: true });

  console.log(`new owner to first answered chat: ${clicks} clicks, ${fields} typed fields (plus pasting the snippet)`);
  assert.ok(clicks <= 7 && fields <= 5, `${clicks} clicks, ${fields} fields`);
  assert.deepEqual([...owner.errors, ...admin.errors, ...visitor.errors], []);
});

test('the checklist opens a test page with the widget; /demo exists only with --demo', async () => {
  const r = await fetch(`${kefu.url}/demo`);
  assert.equal(r.status, 404);
  const owner = await newPage(browser, 'en-US');
  await owner.goto(`${kefu.url}/login`);
  await owner.fill('input[name=email]', 'owner@haowu.example');
  await owner.fill('input[name=password]', 'kettle-shop-2026-open');
  await Promise.all([owner.waitForURL((u) => !u.pathname.startsWith('/login')), owner.click('main button')]);
  await owner.goto(`${kefu.url}/admin/start`);
  const [testPage] = await Promise.all([owner.context().waitForEvent('page'), owner.click('#try-widget')]);
  await openWidget(testPage);
  await testPage.frameLocator('iframe[title]').locator('#greeting').waitFor();
  await testPage.screenshot({ path: join(shots, 'onboarding-test-page-en.png') });
  assert.deepEqual(owner.errors, []);
});
