// Two kefu instances on one PostgreSQL database: a visitor whose widget talks to instance A and
// an agent whose console runs on instance B chat live (events cross through PostgreSQL
// notifications). Needs KEFU_TEST_PG_URL (scripts/test provides it); without it the test is
// skipped, except under CI where that is a failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { startKefu, launch, newPage, signIn, shots, openWidget } from '../lib.mjs';

const pg = process.env.KEFU_TEST_PG_URL;
if (!pg && process.env.CI === 'true') throw new Error('CI needs KEFU_TEST_PG_URL for the two-instance test');

let a, b, browser, shop, shopUrl, dbUrl, dbName;

before(async () => {
  if (!pg) return;
  dbName = `kefu_e2e_${process.pid}_${Date.now()}`;
  execFileSync('psql', [pg, '-qc', `CREATE DATABASE ${dbName}`]);
  const u = new URL(pg);
  u.pathname = '/' + dbName;
  dbUrl = u.toString();
  a = await startKefu({ env: { KEFU_DATABASE_URL: dbUrl } });
  b = await startKefu({ demo: false, env: { KEFU_DATABASE_URL: dbUrl } });
  browser = await launch();
  const admin = await newPage(browser);
  await signIn(admin, a.url, a.admin);
  const inboxes = await admin.evaluate(async () => (await fetch('/api/v1/inboxes')).json());
  const inboxId = inboxes.find((i) => i.name.includes('Website')).id;
  await admin.context().close();
  shop = createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html><head><title>好物商城</title></head><body><h1>好物商城</h1>
      <script src="${a.url}/widget.js" data-inbox="${inboxId}" async></script></body></html>`);
  });
  await new Promise((r) => shop.listen(0, '127.0.0.1', r));
  shopUrl = `http://127.0.0.1:${shop.address().port}/`;
});

after(async () => {
  await browser?.close();
  shop?.close();
  await Promise.all([a?.stop(), b?.stop()]);
  if (dbName) {
    await new Promise((r) => setTimeout(r, 500));
    try { execFileSync('psql', [pg, '-qc', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`]); } catch { /* left for the next run's cleanup */ }
  }
});

test('a visitor on instance A and an agent on instance B talk live', { skip: !pg && 'no PostgreSQL' }, async () => {
  // The agent works on B (signed in with the account A's demo created).
  const agent = await newPage(browser, 'zh-CN');
  await agent.setViewportSize({ width: 1400, height: 860 });
  await signIn(agent, b.url, a.agent);
  await agent.goto(`${b.url}/console`);
  await agent.waitForFunction(() => document.getElementById('presence').value === 'online');

  const visitor = await newPage(browser, 'zh-CN');
  await visitor.goto(shopUrl);
  await openWidget(visitor);
  const chat = visitor.frameLocator('iframe[title]');
  await chat.locator('#greeting').waitFor();
  await chat.locator('#body').fill('A 实例上的访客在吗？');
  await chat.locator('#send').click();

  // It appears on B without a reload, and is assigned to the online agent.
  const row = agent.locator('#conversations li', { hasText: 'A 实例上的访客在吗' });
  await row.waitFor();
  await row.click();
  await agent.locator('#messages .bubble', { hasText: 'A 实例上的访客在吗？' }).waitFor();
  await agent.fill('#body', '在的，我在 B 实例上。');
  await agent.click('#composer button');
  await chat.locator('.bubble.theirs', { hasText: '我在 B 实例上' }).waitFor();
  await chat.locator('.event', { hasText: '正在为您服务' }).waitFor();

  // Typing crosses instances too.
  await agent.locator('#typing').waitFor({ state: 'hidden' });
  await chat.locator('#body').pressSequentially('好');
  await agent.locator('#typing').waitFor();
  await chat.locator('#send').click();
  await agent.locator('#messages .bubble', { hasText: /^客户好$/ }).waitFor();

  await visitor.screenshot({ path: join(shots, 'instances-widget-on-a.png') });
  await agent.screenshot({ path: join(shots, 'instances-console-on-b.png') });
  assert.deepEqual([...visitor.errors, ...agent.errors], []);
});
