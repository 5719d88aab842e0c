// The console as agents spend the day in it: rows that say who wrote what and what is unread,
// the compact header, shortcuts with their `?` overlay, a sound and a browser notification for
// a new chat (each a setting), the dark theme, a file shown before it is sent, and the phone
// layout at 390 px with the details as a drawer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKefu, launch, newPage, signIn, shots, websiteInbox, call } from '../lib.mjs';

let kefu, browser, inboxId;

before(async () => {
  kefu = await startKefu();
  browser = await launch();
  inboxId = await websiteInbox(browser, kefu);
});

after(async () => { await browser?.close(); await kefu?.stop(); });

/** A visitor writes through the widget's API (as the widget would): returns the conversation. */
async function visitorWrites(...texts) {
  const post = (path, token, body) => fetch(kefu.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: kefu.url, ...(token ? { 'x-kefu-visitor': token } : {}) },
    body: JSON.stringify(body),
  }).then(async (r) => { if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`); return r.json(); });
  const { visitor_token: token } = await post('/widget/api/visitors', null, { inbox_id: inboxId });
  const conv = await post('/widget/api/conversations', token, { subject: texts[0].slice(0, 40) });
  for (const [i, body] of texts.entries()) await post(`/widget/api/conversations/${conv.id}/messages`, token, { client_id: `m${i}`, body });
  return conv.id;
}

async function console_(locale = 'zh-CN', size = { width: 1400, height: 860 }) {
  const agent = await newPage(browser, locale);
  await agent.setViewportSize(size);
  // Count what the console plays and shows, without changing how it does it.
  await agent.context().addInitScript(() => {
    window.__sounds = 0;
    window.__notes = [];
    const osc = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function () { window.__sounds += 1; return osc.call(this); };
    const N = window.Notification;
    window.Notification = class extends N { constructor(t, o) { super(t, o); window.__notes.push(t); } };
    window.Notification.requestPermission = () => N.requestPermission();
    Object.defineProperty(window.Notification, 'permission', { get: () => N.permission });
  });
  await signIn(agent, kefu.url, kefu.agent);
  await agent.goto(`${kefu.url}/console`);
  await agent.waitForFunction(() => document.getElementById('presence').value === 'online');
  return agent;
}

test('rows say who wrote what and what is unread; the header is compact; shortcuts and their overlay', async () => {
  const conv = await visitorWrites('快递到哪了？', '单号 SF1234567');
  const agent = await console_();
  const row = agent.locator(`#conversations li[data-id="${conv}"]`);
  await row.locator('.preview', { hasText: '单号 SF1234567' }).waitFor();
  assert.equal(await row.locator('.count').innerText(), '2');
  assert.equal(await row.locator('.channel').innerText(), '在线聊天');
  assert.match(await row.locator('.who').innerText(), /匿名访客 #\d+/);
  await row.click();
  await agent.locator('#messages .bubble', { hasText: '单号 SF1234567' }).waitFor();
  assert.equal(await row.locator('.count').count(), 0, 'read once opened');
  // One line of menus above the messages; the rest is under "more".
  const box = await agent.locator('#actions').boundingBox();
  assert.ok(box.height < 60, `the header is ${box.height}px high`);
  assert.ok(await agent.locator('#tags').isHidden());
  // The customer is named as such, not "Customer Customer".
  assert.match(await agent.locator('#customer-name').innerText(), /匿名访客 #\d+/);
  // Keyboard: ? shows the overlay, Esc closes it, j and k move through the list.
  await agent.locator('#body').blur();
  await agent.keyboard.press('?');
  await agent.locator('#shortcuts').waitFor();
  await agent.screenshot({ path: join(shots, 'console-shortcuts-zh.png') });
  await agent.keyboard.press('Escape');
  await agent.locator('#shortcuts').waitFor({ state: 'hidden' });
  const ids = await agent.$$eval('#conversations li[data-id]', (l) => l.map((li) => li.dataset.id));
  const at = ids.indexOf(conv);
  await agent.keyboard.press(at + 1 < ids.length ? 'j' : 'k');
  await agent.locator(`#conversations li.active[data-id="${ids[at + 1 < ids.length ? at + 1 : at - 1]}"]`).waitFor();
  // The toolbar's lists open in the sidebar.
  await agent.click('#show-visitors');
  await agent.locator('#visitors li').first().waitFor();
  await agent.click('#show-mentions');
  await agent.locator('#mentions li').first().waitFor();
  assert.ok(await agent.locator('#visitors').isHidden());
  assert.deepEqual(agent.errors, []);
  await agent.screenshot({ path: join(shots, 'console-desktop-zh.png') });
  await agent.context().close();
});

test('a new chat plays a sound and shows a notification, each as the agent set it', async () => {
  const agent = await console_();
  await agent.context().grantPermissions(['notifications'], { origin: kefu.url });
  await agent.click('#show-prefs');
  assert.ok(await agent.locator('#pref-sound').isChecked(), 'sound is on by default');
  await agent.check('#pref-notify');
  await agent.waitForFunction(() => localStorage.getItem('kefu_notify') === 'on');
  await visitorWrites('有人在吗？');
  await agent.waitForFunction(() => window.__sounds > 0 && window.__notes.length === 1);
  assert.deepEqual(await agent.evaluate(() => window.__notes), ['新对话']);
  // Both off: the next new chat is silent.
  await agent.uncheck('#pref-sound');
  await agent.uncheck('#pref-notify');
  const sounds = await agent.evaluate(() => window.__sounds);
  const conv = await visitorWrites('第二位顾客');
  await agent.locator(`#conversations li[data-id="${conv}"]`).waitFor();
  assert.equal(await agent.evaluate(() => window.__sounds), sounds);
  assert.equal(await agent.evaluate(() => window.__notes.length), 1);
  // The settings stay for the next visit.
  await agent.reload();
  await agent.click('#show-prefs');
  assert.ok(!(await agent.locator('#pref-sound').isChecked()));
  assert.deepEqual(agent.errors, []);
  await agent.context().close();
});

test('dark theme, and a file is shown before it is sent', async () => {
  const conv = await visitorWrites('发张图片给我看看');
  const agent = await console_('en-US');
  await agent.click('#show-prefs');
  await agent.selectOption('#pref-theme', 'dark');
  const bg = await agent.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(18, 21, 27)');
  await agent.click('#show-prefs');
  await agent.locator(`#conversations li[data-id="${conv}"]`).click();
  await agent.locator('#messages .bubble', { hasText: '发张图片' }).waitFor();
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==', 'base64');
  await agent.locator('#file').setInputFiles({ name: 'kettle.png', mimeType: 'image/png', buffer: png });
  await agent.locator('#file-confirm img').waitFor();
  // Nothing went yet; cancel leaves nothing behind.
  assert.equal(await agent.locator('#messages .bubble img').count(), 0);
  await agent.click('#file-cancel');
  await agent.locator('#file-confirm').waitFor({ state: 'hidden' });
  await agent.locator('#file').setInputFiles({ name: 'kettle.png', mimeType: 'image/png', buffer: png });
  await agent.click('#file-send');
  await agent.locator('#messages .bubble.mine img').waitFor();
  // Too large: refused before uploading, with the limit, on the page (no alert box).
  await agent.locator('#file').setInputFiles({ name: 'big.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) });
  // (The console speaks the agent's own language, Chinese here, whatever the browser's.)
  await agent.locator('#composer-error', { hasText: '10 MB' }).waitFor();
  await agent.screenshot({ path: join(shots, 'console-dark-en.png') });
  // Reloaded, still dark.
  await agent.reload();
  assert.equal(await agent.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(18, 21, 27)');
  assert.deepEqual(agent.errors, []);
  await agent.context().close();
});

for (const locale of ['zh-CN', 'en-US']) {
  test(`the phone layout at 390 px (${locale}): the list, one conversation, the details drawer`, async () => {
    const conv = await visitorWrites(locale === 'en-US' ? 'Do you ship to Macau?' : '能寄到澳门吗？');
    const agent = await console_(locale, { width: 390, height: 844 });
    const row = agent.locator(`#conversations li[data-id="${conv}"]`);
    await row.waitFor();
    assert.ok(await agent.locator('.pane').isHidden(), 'the list first');
    await agent.screenshot({ path: join(shots, `console-phone-list-${locale}.png`) });
    await row.click();
    await agent.locator('#back').waitFor();
    assert.ok(await agent.locator('#conversations').isHidden());
    const width = await agent.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `nothing sticks out sideways (${width}px)`);
    await agent.screenshot({ path: join(shots, `console-phone-conversation-${locale}.png`) });
    await agent.click('#toggle-sidebar');
    await agent.locator('#customer-name').waitFor();
    await agent.waitForFunction(() => document.getElementById('sidebar').getBoundingClientRect().right <= innerWidth + 1);
    await agent.click('.side-tabs [data-tab=ticket]');
    await agent.locator('#ticket').waitFor();
    await agent.screenshot({ path: join(shots, `console-phone-drawer-${locale}.png`) });
    await agent.click('#close-drawer');
    await agent.click('#back');
    await row.waitFor();
    assert.deepEqual(agent.errors, []);
    await agent.context().close();
  });
}

test('filters by inbox, team and tag, and the search finds words inside messages', async () => {
  const invoice = await visitorWrites('发票抬头怎么改', '公司名称写错了，订单号 KX9931');
  const coupon = await visitorWrites('有没有优惠券');
  const agent = await console_('zh-CN');
  await agent.locator(`#conversations li[data-id="${coupon}"]`).waitFor();
  assert.equal((await call(agent, 'PATCH', `/api/v1/conversations/${coupon}`, { tags: ['coupon'] })).status, 200);
  await agent.click('#more-filters summary');
  // The teams come from the server; the inbox is the website's.
  await agent.waitForFunction(() => document.querySelectorAll('#filter-team option').length > 1);
  await agent.selectOption('#filter-inbox', inboxId);
  await agent.fill('#filter-tag', 'coupon');
  await agent.press('#filter-tag', 'Enter');
  await agent.locator(`#conversations li[data-id="${invoice}"]`).waitFor({ state: 'detached' });
  await agent.locator(`#conversations li[data-id="${coupon}"]`).waitFor();
  assert.equal(await agent.locator('#filter-count').innerText(), '2');
  await agent.screenshot({ path: join(shots, 'console-filters-zh.png') });
  await agent.click('#clear-filters');
  await agent.locator(`#conversations li[data-id="${invoice}"]`).waitFor();
  assert.ok(await agent.locator('#filter-count').isHidden());

  // Words inside a message, in neither the subject nor the name: found below the list (the
  // index follows the database, so the search is typed again until it has them).
  const hit = agent.locator(`#message-hits li[data-hit="${invoice}"]`);
  for (let i = 0; i < 60 && !(await hit.count()); i++) {
    await agent.fill('#search', '');
    await agent.fill('#search', '名称写错');
    await agent.waitForTimeout(500);
  }
  await hit.waitFor();
  assert.equal(await hit.locator('mark').first().innerText(), '名称写错');
  assert.equal(await agent.locator('#message-hits h3').innerText(), '消息中找到');
  await agent.screenshot({ path: join(shots, 'console-message-search-zh.png') });
  await hit.click();
  await agent.locator('.bubble.theirs', { hasText: 'KX9931' }).waitFor();
  await agent.close();
});
