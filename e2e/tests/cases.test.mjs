// Complaints and after-sale claims as customers and agents meet them: a visitor proves their
// address with a mailed code, files a complaint with a photo, lands on the status page and adds
// information; the agent moves it from the console and the customer sees the move. A signed-in
// customer files a return and follows it through approval.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKefu, launch, newPage, signIn, shots } from '../lib.mjs';

let kefu, browser;
before(async () => { kefu = await startKefu(); browser = await launch(); });
after(async () => { await browser?.close(); await kefu?.stop(); });

// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAIAAAUAAQ0KLbQAAAAASUVORK5CYII=', 'base64');

/** The newest code mailed to `to`, read from the outbox as an admin. */
async function mailedCode(admin, to) {
  for (let i = 0; i < 50; i++) {
    const mails = await admin.evaluate(async () => (await fetch('/api/v1/outbox')).json());
    const m = mails.find((x) => x.to_addr === to && x.kind === 'case-code');
    if (m) return m.body_text.match(/\b(\d{6})\b/)[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no code mailed to ${to}`);
}

test('a visitor files a complaint, follows it and the agent moves it', async () => {
  const admin = await newPage(browser, 'zh-CN');
  await signIn(admin, kefu.url, kefu.admin);

  const page = await newPage(browser, 'zh-CN');
  await page.goto(`${kefu.url}/complaints/new`);
  assert.equal(await page.locator('h1').textContent(), '投诉与售后申请');
  await page.fill('input[name=name]', '王女士');
  await page.fill('input[name=email]', 'wang.e2e@example.com');
  await page.click('#send-code');
  await page.waitForSelector('#code-hint:not([hidden])');
  await page.fill('input[name=code]', await mailedCode(admin, 'wang.e2e@example.com'));
  await page.selectOption('select[name=severity]', 'high');
  await page.fill('input[name=order_ref]', 'E20261130-7');
  await page.fill('textarea[name=description]', '收到的杯子是碎的，包装也破了。');
  await page.setInputFiles('#case-form input[type=file]', { name: '破损照片.png', mimeType: 'image/png', buffer: PNG });
  await page.screenshot({ path: join(shots, 'case-form-zh.png'), fullPage: true });
  await Promise.all([page.waitForURL(/\/track\/TS-/), page.click('#case-submit')]);
  const tracking = new URL(page.url()).pathname.split('/').pop();
  assert.match(page.url(), /#key=/, 'the key stays in the fragment');
  await page.waitForSelector('#case-body:not([hidden])');
  assert.equal(await page.locator('.steps li.current').textContent(), '已受理');
  const history = await page.locator('#case-timeline').textContent();
  assert.ok(history.includes('收到的杯子是碎的'), history);
  assert.ok(history.includes('破损照片.png'), history);
  assert.ok((await page.locator('#case-facts').textContent()).includes('E20261130-7'));

  // More information from the customer.
  await page.fill('#case-add textarea', '快递单号 SF123456');
  await page.click('#case-add button');
  await page.waitForFunction(() => document.querySelector('#case-timeline').textContent.includes('SF123456'));

  // The agent finds the complaint in the console by its ticket number and asks for more.
  const agent = await newPage(browser, 'zh-CN');
  await signIn(agent, kefu.url, kefu.agent);
  await agent.goto(`${kefu.url}/console`);
  await agent.fill('#search', '投诉');
  const entry = agent.locator('#conversations li', { hasText: 'E20261130-7' });
  await entry.first().click();
  await agent.click('.side-tabs [data-tab=ticket]');
  await agent.waitForSelector('#case-box:not([hidden])');
  assert.equal(await agent.locator('#case-tracking').textContent(), tracking);
  assert.equal(await agent.locator('#ticket-type').inputValue(), 'complaint');
  await agent.fill('#case-note', '请提供外包装照片');
  await agent.click('#case-moves button[data-status=waiting_customer]');
  await agent.waitForFunction(() => document.querySelector('#case-status').textContent === '等待您回复');
  await agent.screenshot({ path: join(shots, 'console-case-zh.png') });
  assert.deepEqual(agent.errors, []);

  // The customer sees it, and their answer moves it back to work.
  await page.reload();
  await page.waitForSelector('#case-body:not([hidden])');
  assert.equal(await page.locator('.steps li.current').textContent(), '等待您回复');
  assert.ok((await page.locator('#case-timeline').textContent()).includes('请提供外包装照片'));
  await page.fill('#case-add textarea', '外包装照片已补充');
  await page.setInputFiles('#case-add input[type=file]', { name: 'box.png', mimeType: 'image/png', buffer: PNG });
  await page.click('#case-add button');
  await page.waitForFunction(() => document.querySelector('#case-timeline').textContent.includes('box.png'));
  await page.waitForFunction(() => document.querySelector('.steps li.current')?.textContent === '处理中');
  await page.screenshot({ path: join(shots, 'case-status-zh.png'), fullPage: true });

  // Without the key the same address shows nothing.
  const stranger = await newPage(browser, 'zh-CN');
  await stranger.goto(`${kefu.url}/track/${tracking}`);
  await stranger.waitForSelector('#case-missing:not([hidden])');
  assert.ok((await stranger.locator('#case-body').isHidden()));
  assert.deepEqual(page.errors, []);
});

test('a signed-in customer asks for a refund and follows it to the end', async () => {
  // The demo customer's saved language is Chinese.
  const me = await newPage(browser, 'en-US');
  await signIn(me, kefu.url, kefu.customer);
  await me.goto(`${kefu.url}/complaints/new?kind=claim&order=E1001`);
  assert.ok(await me.locator('input[name=email]').count() === 0, 'no address or code when signed in');
  assert.ok(await me.locator('.for-complaint').isHidden());
  await me.selectOption('select[name=resolution]', 'refund');
  await me.fill('input[name=reason]', 'Wrong size');
  await me.fill('textarea[name=description]', 'The shoes are one size too small.');
  await Promise.all([me.waitForURL(/\/track\/SH-/), me.click('#case-submit')]);
  await me.waitForSelector('#case-body:not([hidden])');
  assert.equal(await me.locator('.steps li.current').textContent(), '已申请');
  assert.deepEqual(await me.locator('.steps li').allTextContents(), ['已申请', '已同意', '已收到退货', '已退款', '已关闭'],
    'the usual way of a refund');
  const tracking = new URL(me.url()).pathname.split('/').pop();

  const agent = await newPage(browser, 'zh-CN');
  await signIn(agent, kefu.url, kefu.agent);
  await agent.goto(`${kefu.url}/console`);
  await agent.locator('#conversations li', { hasText: 'Wrong size' }).first().click();
  await agent.click('.side-tabs [data-tab=ticket]');
  await agent.waitForSelector('#case-box:not([hidden])');
  for (const s of ['approved', 'refunded', 'closed']) {
    await agent.click(`#case-moves button[data-status=${s}]`);
    await agent.waitForFunction((s) => !document.querySelector(`#case-moves button[data-status=${s}]`), s);
  }
  // The signed-in customer reopens the page from their account (no key in the address).
  await me.goto(`${kefu.url}/track/${tracking}`);
  await me.waitForSelector('#case-body:not([hidden])');
  assert.equal(await me.locator('.steps li.current').textContent(), '已关闭');
  const steps = await me.locator('.steps li').allTextContents();
  assert.deepEqual(steps, ['已申请', '已同意', '已退款', '已关闭'], 'refunded without a return: the way it went');
  assert.ok((await me.locator('#case-add').textContent()).includes('该受理单已关闭'));
  await me.screenshot({ path: join(shots, 'case-claim-closed-zh.png'), fullPage: true });
  assert.deepEqual(me.errors, []);
});

test('an admin edits service levels and fields and reads the report', async () => {
  const admin = await newPage(browser, 'zh-CN');
  await signIn(admin, kefu.url, kefu.admin);
  await admin.goto(`${kefu.url}/admin/tickets`);
  await admin.waitForSelector('#policies tbody tr');
  // The demo's three policies and its office-hours calendar.
  assert.equal(await admin.locator('#policies tbody tr').count(), 3);
  assert.equal(await admin.locator('#calendars .cal-hours').inputValue(), '1-5 09:00-18:00\n6 10:00-16:00');
  // Complaints: first response within 45 working minutes; a holiday added.
  const row = admin.locator('#policies tbody tr', { hasText: '' }).nth(1);
  await row.locator('td:nth-child(6) input').fill('45');
  await admin.locator('#calendars .cal-holidays').fill('2027-01-01\n2027-05-01');
  await admin.click('#save-sla');
  await admin.waitForFunction(() => document.querySelector('#sla-result').textContent === '已保存。');
  const saved = await admin.evaluate(async () => (await fetch('/api/v1/sla')).json());
  assert.equal(saved.policies[1].first_response_minutes, 45);
  assert.deepEqual(saved.calendars[0].holidays, ['2027-01-01', '2027-05-01']);
  // A wrong time zone is refused with its name.
  await admin.locator('#calendars .cal-zone').fill('Mars/Olympus');
  await admin.click('#save-sla');
  await admin.waitForFunction(() => document.querySelector('#sla-result').textContent.includes('Mars/Olympus'));
  // A required field.
  await admin.click('#add-field');
  const f = admin.locator('#fields tbody tr').last();
  await f.locator('td:nth-child(1) input').fill('invoice');
  await f.locator('td:nth-child(2) input').fill('发票抬头');
  await f.locator('td:nth-child(5) input').check();
  await admin.click('#save-fields');
  await admin.waitForFunction(() => document.querySelector('#fields-result').textContent === '已保存。');
  const fields = await admin.evaluate(async () => (await fetch('/api/v1/ticket-fields')).json());
  assert.ok(fields.some((x) => x.key === 'invoice' && x.required));
  assert.ok((await admin.locator('#report-metrics').textContent()).includes('首次响应'));
  await admin.screenshot({ path: join(shots, 'admin-tickets-zh.png'), fullPage: true });
  // The one refusal above is the browser's only complaint.
  assert.deepEqual(admin.errors.filter((e) => !e.includes('status of 400')), []);
});
