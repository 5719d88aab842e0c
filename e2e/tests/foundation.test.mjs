// The foundation as a person sees it: pages render in both languages, sign-in works through the
// real forms, the admin's pages and the 2FA QR code show, and no page breaks its own CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKefu, launch, newPage, signIn, shots } from '../lib.mjs';

let kefu, browser;
before(async () => { kefu = await startKefu(); browser = await launch(); });
after(async () => { await browser?.close(); await kefu?.stop(); });

test('the sign-in page speaks the browser language', async () => {
  const zh = await newPage(browser, 'zh-CN');
  await zh.goto(`${kefu.url}/login`);
  assert.equal(await zh.locator('h1').textContent(), '登录');
  await zh.screenshot({ path: join(shots, 'login-zh.png') });
  const en = await newPage(browser, 'en-US');
  await en.goto(`${kefu.url}/login`);
  assert.equal(await en.locator('h1').textContent(), 'Sign in');
  // The switch sticks.
  await Promise.all([en.waitForURL(/\/login/), en.click('form.lang button')]);
  assert.equal(await en.locator('h1').textContent(), '登录');
  assert.deepEqual([...zh.errors, ...en.errors], []);
});

test('an admin signs in and manages people', async () => {
  const page = await newPage(browser, 'zh-CN');
  await signIn(page, kefu.url, kefu.admin);
  await page.goto(`${kefu.url}/admin/people`);
  const text = await page.locator('main').textContent();
  assert.match(text, /李娜/);
  assert.match(text, /陈静/);
  await page.fill('form[action="/admin/invitations"] input[name=email]', 'new.agent@demo.kefu.test');
  await Promise.all([page.waitForURL(/notice-invited/), page.click('form[action="/admin/invitations"] button')]);
  assert.match(await page.locator('.notice').textContent(), /邀请已发送/);
  await page.screenshot({ path: join(shots, 'admin-people.png'), fullPage: true });
  await page.goto(`${kefu.url}/admin/outbox`);
  assert.match(await page.locator('main').textContent(), /new\.agent@demo\.kefu\.test/);
  assert.deepEqual(page.errors, []);
});

test('two-factor enrolment shows a scannable QR code', async () => {
  const page = await newPage(browser, 'en-US');
  await signIn(page, kefu.url, kefu.agent);
  await page.goto(`${kefu.url}/account/2fa`);
  const width = await page.locator('img.qr').evaluate((img) => img.naturalWidth);
  assert.ok(width >= 200, `QR image rendered (${width}px)`);
  await page.screenshot({ path: join(shots, 'totp-enrol.png'), fullPage: true });
  assert.deepEqual(page.errors, []);
});

test('a customer sees their own conversations', async () => {
  const page = await newPage(browser, 'zh-CN');
  await signIn(page, kefu.url, kefu.customer);
  assert.match(new URL(page.url()).pathname, /^\/account/);
  assert.match(await page.locator('main').textContent(), /我的订单什么时候发货/);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(shots, 'customer-account-phone.png'), fullPage: true });
  // Staff pages stay closed to customers.
  const resp = await page.goto(`${kefu.url}/admin/people`);
  assert.equal(resp.status(), 403);
  assert.deepEqual(page.errors.filter((e) => !e.includes('403')), []);
});
