// The desk pages, as an agent and an admin use them: macros made and changed on a page and
// then applied in the console, a signature, one's own phrase, a customer found and corrected,
// the reports for supervisors, the number of chats at once; errors in the reader's language;
// a phone's width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKefu, launch, newPage, signIn, shots, call } from '../lib.mjs';

let kefu, browser;

before(async () => { kefu = await startKefu(); browser = await launch(); });
after(async () => { await browser?.close(); await kefu?.stop(); });

test('an agent makes a macro on its page, changes it, and applies it in the console', async () => {
  const agent = await newPage(browser, 'zh-CN');
  await signIn(agent, kefu.url, kefu.agent);
  await agent.goto(`${kefu.url}/console`);
  await agent.click('text=工作设置');
  await agent.waitForURL(/\/desk\/macros$/);
  assert.equal(await agent.locator('h1').innerText(), '快捷操作');

  // Nothing but a name: the server says, in Chinese, what a macro needs.
  await agent.fill('#editor input[name=name]', '已发货');
  await agent.click('#editor button:not([type=button])');
  await agent.locator('#editor-error:not([hidden])').waitFor();
  assert.match(await agent.locator('#editor-error').innerText(), /至少一个动作/);

  await agent.fill('#editor textarea[name=reply]', '{customer.name}您好，您的订单已经发出，请留意物流信息。');
  await agent.selectOption('#editor select[name=status]', 'pending');
  await agent.selectOption('#editor select[name=stage]', 'in_sale');
  await agent.fill('#editor input[name=add_tags]', '物流，已发货');
  await agent.click('#editor button:not([type=button])');
  const item = agent.locator('#items li', { hasText: '已发货' });
  await item.waitFor();
  assert.match(await item.innerText(), /待处理 · 售中 · #物流 #已发货/);
  assert.equal(await item.locator('.badge').innerText(), '我的');

  // Changed: renamed and a priority added.
  await item.locator('[data-action=edit]').click();
  assert.equal(await agent.locator('#editor input[name=name]').inputValue(), '已发货');
  await agent.fill('#editor input[name=name]', '订单已发货');
  await agent.selectOption('#editor select[name=priority]', 'high');
  await agent.click('#editor button:not([type=button])');
  await agent.locator('#items li', { hasText: '订单已发货' }).waitFor();
  assert.match(await agent.locator('#items li', { hasText: '订单已发货' }).innerText(), /高/);
  await agent.screenshot({ path: join(shots, 'desk-macros-zh.png'), fullPage: true });

  // In the console, on a waiting chat of the demo.
  await agent.goto(`${kefu.url}/console`);
  await agent.locator('#conversations li').first().click();
  await agent.locator('.actions details.more summary').first().click();
  const macroSel = agent.locator('#macro');
  await macroSel.locator('option', { hasText: '订单已发货' }).waitFor({ state: 'attached' });
  const macros = await call(agent, 'GET', '/api/v1/macros');
  const m = macros.json.find((x) => x.name === '订单已发货');
  assert.deepEqual([m.actions.status, m.actions.priority, m.actions.stage, m.actions.add_tags], ['pending', 'high', 'in_sale', ['物流', '已发货']]);
  await agent.close();
});

test('signatures and own phrases are made, changed and deleted on their pages', async () => {
  const agent = await newPage(browser, 'en-US');
  await signIn(agent, kefu.url, kefu.agent);
  await agent.goto(`${kefu.url}/desk/signatures`);
  // The agent's account is in Chinese; the switch in the header turns the pages English.
  await Promise.all([agent.waitForURL(/\/desk\/signatures/), agent.click('button[name=lang][value=en]')]);
  await agent.locator('h1', { hasText: 'Signatures' }).waitFor();
  await agent.fill('#editor input[name=name]', 'Formal');
  await agent.fill('#editor textarea[name=body]', 'Li Na\nCustomer service');
  await agent.click('#editor button:not([type=button])');
  const sig = agent.locator('#items li', { hasText: 'Formal' });
  await sig.waitFor();
  await sig.locator('[data-action=edit]').click();
  await agent.fill('#editor textarea[name=body]', 'Li Na\nCustomer service, Good Things Shop');
  await agent.click('#editor button:not([type=button])');
  await agent.locator('#items li', { hasText: 'Good Things Shop' }).waitFor();
  // Deleting asks on the page first.
  const del = agent.locator('#items li', { hasText: 'Formal' }).locator('[data-action=delete]');
  await del.click();
  assert.match(await del.innerText(), /Delete "Formal"\?/);
  await del.click();
  await agent.locator('#items li', { hasText: 'Formal' }).waitFor({ state: 'detached' });

  await agent.click('.desk-tabs >> text=My phrases');
  await agent.waitForURL(/\/desk\/phrases$/);
  // The shop's phrases are listed, not editable by an agent.
  const shop = agent.locator('#items li', { has: agent.locator('.badge.ok') });
  assert.ok(await shop.count() > 0);
  assert.equal(await shop.first().locator('[data-action=edit]').count(), 0);
  await agent.selectOption('#editor select[name=kind]', 'thanks');
  await agent.fill('#editor input[name=title]', 'bye-weekend');
  await agent.fill('#editor textarea[name=body_en]', 'Thank you, {customer.name}, and have a good weekend!');
  await agent.click('#editor button:not([type=button])');
  const mine = agent.locator('#items li', { hasText: 'bye-weekend' });
  await mine.waitFor();
  assert.equal(await mine.locator('.badge').innerText(), 'Mine');
  assert.match(await mine.innerText(), /Thanks · Thank you/);
  await agent.screenshot({ path: join(shots, 'desk-phrases-en.png'), fullPage: true });
  // The console offers it after "/".
  const phrases = await call(agent, 'GET', '/api/v1/phrases');
  assert.ok(phrases.json.some((p) => p.title === 'bye-weekend' && !p.shared));
  // Back to Chinese, as the agent's account was.
  await Promise.all([agent.waitForNavigation(), agent.click('button[name=lang][value=zh-CN]')]);
  await agent.locator('h1', { hasText: '我的常用语' }).waitFor();
  await agent.close();
});

test('an admin finds a customer and corrects them; a wrong address is explained', async () => {
  const admin = await newPage(browser, 'zh-CN');
  await signIn(admin, kefu.url, kefu.admin);
  await admin.goto(`${kefu.url}/desk/customers`);
  await admin.fill('#customer-q', 'chen.jing');
  const card = admin.locator('#items li', { hasText: 'chen.jing@example.com' });
  await card.waitFor();
  await card.locator('[data-action=edit]').click();
  await admin.fill('#editor input[name=phone]', '+86 138 0013 8000');
  await admin.selectOption('#editor select[name=language]', 'en');
  await admin.click('#editor button:not([type=button])');
  await admin.locator('#editor-ok:not([hidden])').waitFor();
  assert.match(await card.innerText(), /\+86 138 0013 8000/);
  // Her address is her account's: the server refuses another, in Chinese.
  await admin.fill('#editor input[name=email]', 'other@example.com');
  await admin.click('#editor button:not([type=button])');
  await admin.locator('#editor-error:not([hidden])').waitFor();
  assert.equal(await admin.locator('#editor-error').innerText(), '该客户用此邮箱登录，只能由客户本人在账户中修改。');
  await admin.fill('#customer-q', 'nobody-like-this');
  await admin.locator('#items li', { hasText: '没有匹配的客户' }).waitFor();
  await admin.close();
});

test('supervisors and admins read the reports; an agent is told it is not theirs', async () => {
  const admin = await newPage(browser, 'en-US');
  await signIn(admin, kefu.url, kefu.admin);
  await admin.goto(`${kefu.url}/desk/reports`);
  await admin.waitForFunction(() => document.querySelector('#sla-targets tr[data-metric=first_response] td')?.textContent !== '');
  assert.match(await admin.locator('#sla-targets tr[data-metric=first_response] td').first().innerText(), /^\d+$/);
  await admin.locator('#q-report tbody tr').first().waitFor();
  await admin.selectOption('#r-days', '7');
  await admin.screenshot({ path: join(shots, 'desk-reports-zh.png'), fullPage: true });
  await admin.close();

  const agent = await newPage(browser, 'en-US');
  await signIn(agent, kefu.url, kefu.agent);
  const r = await agent.goto(`${kefu.url}/desk/reports`);
  assert.equal(r.status(), 403);
  assert.equal(await agent.locator('.desk-tabs >> text=Reports').count(), 0);
  await agent.close();
});

test('an agent sets how many chats they take at once, and the desk fits a phone', async () => {
  const agent = await newPage(browser, 'zh-CN');
  await signIn(agent, kefu.url, kefu.agent);
  await agent.goto(`${kefu.url}/console`);
  await agent.click('#show-prefs');
  await agent.waitForFunction(() => document.getElementById('pref-capacity').value !== '');
  await agent.fill('#pref-capacity', '3');
  await agent.press('#pref-capacity', 'Tab');
  await agent.waitForFunction(async () => {
    const me = await (await fetch('/api/v1/me')).json();
    const all = await (await fetch('/api/v1/agents')).json();
    return all.find((a) => a.id === me.id)?.max_chats === 3;
  });
  // Out of range: said in Chinese, with the limits.
  await agent.fill('#pref-capacity', '500');
  await agent.press('#pref-capacity', 'Tab');
  await agent.locator('#pref-error:not([hidden])').waitFor();
  assert.match(await agent.locator('#pref-error').innerText(), /1 到 100/);

  await agent.setViewportSize({ width: 390, height: 844 });
  await agent.goto(`${kefu.url}/desk/macros`);
  const overflow = await agent.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone`);
  await agent.screenshot({ path: join(shots, 'desk-macros-phone-zh.png'), fullPage: true });
  await agent.close();
});

test('a supervisor or admin imports articles from a CSV file on the knowledge base page; an agent has no such form', async () => {
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'kefu-csv-'));
  const good = join(dir, 'articles.csv');
  writeFileSync(good, 'category,slug,status,tags,title_zh,body_zh,title_en,body_en\n'
    + 'gifts,gift-wrap,published,包装,礼品包装怎么选？,"下单时在备注里写""礼品包装""即可。",How do I ask for gift wrapping?,Write gift wrap in the order note.\n');
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'slug,title_zh\n,没有 slug\n');
  const writer = await newPage(browser, 'zh-CN');
  await signIn(writer, kefu.url, kefu.agent);
  await writer.goto(`${kefu.url}/kb`);
  assert.equal(await writer.locator('#kb-import').count(), 0, 'agents write drafts; publishers import');
  await writer.close();
  const agent = await newPage(browser, 'zh-CN');
  await signIn(agent, kefu.url, kefu.admin);
  await agent.goto(`${kefu.url}/kb`);
  await agent.click('#kb-import summary');
  // A wrong file: nothing changes, and the reason is in Chinese.
  await agent.setInputFiles('#kb-import-file', bad);
  await agent.click('#kb-import-form button');
  await agent.locator('#kb-import-error:not([hidden])').waitFor();
  assert.match(await agent.locator('#kb-import-error').innerText(), /[\u4e00-\u9fff]/);
  await agent.setInputFiles('#kb-import-file', good);
  await agent.click('#kb-import-form button');
  await agent.locator('#kb-import-result:not([hidden])').waitFor();
  assert.match(await agent.locator('#kb-import-result').innerText(), /新建\s*\S*1\S*\s*篇/);
  await agent.screenshot({ path: join(shots, 'kb-import-zh.png'), fullPage: true });
  await agent.waitForLoadState('load');
  await agent.locator('text=礼品包装怎么选？').first().waitFor();
  await agent.close();
});
