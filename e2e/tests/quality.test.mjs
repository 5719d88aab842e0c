// Service quality as an agent meets it: the forbidden-phrase warning while typing a chat reply,
// "send anyway" for a warning and no way past a blocking phrase; in the e-mail composer, a
// blank subject is blocked and five attachments are offered to be packed into one zip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKefu, launch, newPage, signIn, shots, call } from '../lib.mjs';

let kefu, browser;
before(async () => { kefu = await startKefu(); browser = await launch(); });
after(async () => { await browser?.close(); await kefu?.stop(); });

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAIAAAUAAQ0KLbQAAAAASUVORK5CYII=', 'base64');

test('the guard warns while the agent types a chat reply', async () => {
  const shopUrl = `${kefu.url}/widget/frame?inbox=`;
  const agent = await newPage(browser, 'zh-CN');
  await signIn(agent, kefu.url, kefu.agent);
  await agent.goto(`${kefu.url}/console`);
  // The demo's waiting chat from a customer.
  await agent.locator('#conversations li', { hasText: '我的订单什么时候发货' }).first().click();
  await agent.waitForSelector('#composer:not([hidden])');

  await agent.locator('#body').pressSequentially('抱歉，我不能改地址，但是可以');
  await agent.waitForSelector('#quality:not([hidden])');
  // The check of the whole text (earlier ones ran while typing).
  await agent.waitForFunction(() => document.querySelectorAll('#quality-preview mark').length === 2);
  const marks = await agent.locator('#quality-preview mark').allTextContents();
  assert.deepEqual(marks, ['我不能', '但是']);
  assert.ok((await agent.locator('#quality-list').textContent()).includes('因为'));
  await agent.screenshot({ path: join(shots, 'console-guard-zh.png') });

  // Sending stops at the warning; "send anyway" sends it and it is recorded.
  await agent.click('#composer button:not([type=button])');
  await agent.waitForSelector('#send-anyway:not([hidden])');
  assert.equal(await agent.locator('#body').inputValue(), '抱歉，我不能改地址，但是可以');
  await agent.click('#send-anyway');
  await agent.locator('#messages .bubble.mine', { hasText: '我不能改地址' }).waitFor();
  await agent.waitForFunction(() => document.querySelector('#body').value === '');

  // A blocking phrase never leaves.
  await agent.fill('#body', '这不是我应该做的');
  await agent.click('#composer button:not([type=button])');
  await agent.waitForFunction(() => document.querySelector('#quality-list li.block')?.textContent.includes('未发送'));
  assert.ok(await agent.locator('#send-anyway').isHidden());
  assert.equal(await agent.locator('#messages .bubble.mine', { hasText: '这不是我应该做的' }).count(), 0);
  assert.equal(await agent.locator('#body').inputValue(), '这不是我应该做的');

  // A clean reply clears the panel.
  await agent.fill('#body', '');
  await agent.locator('#body').pressSequentially('因为快递已发出，我们可以为您联系快递改派。');
  await agent.waitForSelector('#quality', { state: 'hidden' });
  const rep = await agent.evaluate(async () => (await fetch('/api/v1/reports/quality')).status);
  assert.equal(rep, 403, 'agents do not read the quality report');
  assert.deepEqual(agent.errors.filter((e) => !/status of 40[039]/.test(e)), []);
  void shopUrl;
});

test('the e-mail composer blocks a blank subject and packs five files into a zip', async () => {
  const admin = await newPage(browser, 'zh-CN');
  await signIn(admin, kefu.url, kefu.admin);
  await admin.goto(`${kefu.url}/console`);
  const inbox = await call(admin, 'POST', '/api/v1/inboxes', { name: '邮件客服', channel: 'email' });
  assert.equal(inbox.status, 201, JSON.stringify(inbox.json));
  const set = await call(admin, 'PUT', `/api/v1/inboxes/${inbox.json.id}/mail`, { address: 'support@shop.test', display_name: '演示店铺' });
  assert.equal(set.status, 200, JSON.stringify(set.json));
  const customer = (await call(admin, 'GET', '/api/v1/customers?q=chen.jing')).json[0];
  const conv = await call(admin, 'POST', '/api/v1/conversations', { inbox_id: inbox.json.id, customer_id: customer.id, subject: '杯子碎了' });
  assert.equal(conv.status, 201, JSON.stringify(conv.json));
  await call(admin, 'POST', '/api/v1/signatures', { name: '店长', body: '王店长\n演示店铺 400-000-0000' });

  await admin.reload();
  await admin.locator('#conversations li', { hasText: '杯子碎了' }).first().click();
  await admin.waitForSelector('#mail-fields:not([hidden])');
  assert.equal(await admin.locator('#mail-subject').inputValue(), 'Re: 杯子碎了');
  await admin.fill('#mail-subject', '');
  await admin.locator('#body').pressSequentially('陈女士，您好！\n\n破损照片的处理结果见附件。\n\n祝您生活愉快！');
  await admin.waitForSelector('#quality-list li[data-code=blank_subject]');
  await admin.click('#composer button:not([type=button])');
  await admin.waitForFunction(() => document.querySelector('#quality-list li.block')?.textContent.includes('未发送'));
  assert.ok(await admin.locator('#send-anyway').isHidden(), 'a blank subject cannot be sent anyway');

  // Five files: the composer offers one zip, and packs them.
  await admin.fill('#mail-subject', '您的杯子破损处理结果');
  await admin.setInputFiles('#file', [1, 2, 3, 4, 5].map((i) => ({ name: `破损照片-${i}.png`, mimeType: 'image/png', buffer: PNG })));
  // Files are looked at before they go.
  await admin.locator('#file-confirm figure').nth(4).waitFor();
  await admin.click('#file-send');
  await admin.waitForFunction(() => document.querySelector('#mail-files').textContent.includes('破损照片-5.png'));
  await admin.waitForSelector('#quality-zip:not([hidden])');
  assert.ok((await admin.locator('#quality-list li[data-code=too_many_attachments]').textContent()).includes('打包压缩'));
  await admin.locator('#composer').screenshot({ path: join(shots, 'console-mail-etiquette-zh.png') });
  await admin.click('#quality-zip');
  await admin.waitForFunction(() => /ticket-\d+-files\.zip/.test(document.querySelector('#mail-files').textContent));
  await admin.waitForSelector('#quality-zip', { state: 'hidden' });
  assert.equal(await admin.locator('#quality-list li[data-code=too_many_attachments]').count(), 0);
  // The mail goes out with the archive.
  await admin.click('#composer button:not([type=button])');
  await admin.locator('#messages .bubble.mine', { hasText: '破损照片的处理结果' }).waitFor();
  const mails = await call(admin, 'GET', `/api/v1/conversations/${conv.json.id}/mail`);
  assert.equal(mails.json.length, 1);
  assert.deepEqual(admin.errors.filter((e) => !/status of 40[09]/.test(e)), []);
});

test('standard phrases: "/" finds one, greetings are offered first', async () => {
  const agent = await newPage(browser, 'zh-CN');
  await signIn(agent, kefu.url, kefu.agent);
  await agent.goto(`${kefu.url}/console`);
  // An English-speaking customer's question: phrases come in English.
  await agent.locator('#conversations li', { hasText: 'Does the kettle ship' }).first().click();
  await agent.waitForSelector('#composer:not([hidden])');
  // No reply yet: greetings are offered.
  await agent.waitForSelector('#phrase-suggest:not([hidden]) .chip');
  assert.ok((await agent.locator('#phrase-suggest').textContent()).includes('开场问候'));
  await agent.locator('#body').pressSequentially('/道歉');
  await agent.waitForSelector('#phrase-picker:not([hidden]) li');
  assert.ok((await agent.locator('#phrase-picker li').first().textContent()).includes('道歉语'));
  await agent.screenshot({ path: join(shots, 'console-phrases-zh.png') });
  await agent.keyboard.press('Enter');
  await agent.waitForFunction(() => /sorry/i.test(document.querySelector('#body').value));
  assert.ok(!(await agent.locator('#body').inputValue()).includes('/道歉'));
  // A phrase whose order number is unknown says so before it is sent.
  await agent.fill('#body', '');
  await agent.locator('#body').pressSequentially('/已记录');
  await agent.keyboard.press('Enter');
  await agent.waitForSelector('#quality-list li[data-code=unfilled]');
  assert.ok((await agent.locator('#body').inputValue()).includes('{order.number}'));
  assert.deepEqual(agent.errors, []);
});

test('a customer asks for a callback; an agent takes it and logs the call', async () => {
  const customer = await newPage(browser, 'zh-CN');
  await customer.goto(`${kefu.url}/help`);
  await customer.click('a[href^="/help/callback"]');
  await customer.fill('input[name=name]', '赵先生');
  await customer.fill('input[name=phone]', '+86 139-1234-5678');
  await customer.fill('textarea[name=note]', '想咨询大件商品的送货安装');
  await customer.click('#callback-form button');
  await customer.waitForSelector('#callback-done:not([hidden])');

  const agent = await newPage(browser, 'zh-CN');
  await signIn(agent, kefu.url, kefu.agent);
  await agent.goto(`${kefu.url}/console/calls`);
  const item = agent.locator('#callback-list li', { hasText: '赵先生' });
  await item.waitFor();
  await agent.locator('#script > li').nth(5).waitFor();
  const stages = await agent.locator('#script > li > strong').allTextContents();
  assert.deepEqual(stages, ['接听：恰当的第一句话', '询问', '应答', '道歉', '感谢', '挂机']);
  assert.ok((await agent.locator('#script').textContent()).includes('演示店铺'));
  await item.locator('button').click();
  await agent.waitForFunction(() => document.querySelector('#call-form [name=number]').value === '+86 139-1234-5678');
  await agent.fill('#call-form [name=minutes]', '4');
  await agent.selectOption('#call-form [name=outcome]', 'resolved');
  await agent.fill('#call-form [name=notes]', '已预约周六送货安装');
  await agent.screenshot({ path: join(shots, 'console-calls-zh.png'), fullPage: true });
  await agent.click('#call-form button');
  await agent.waitForSelector('#call-done:not([hidden])');
  await agent.waitForFunction(() => !document.querySelector('#callback-list').textContent.includes('赵先生'));
  assert.deepEqual([...customer.errors, ...agent.errors], []);
});

test('an admin reads the quality report and edits the forbidden phrases', async () => {
  const admin = await newPage(browser, 'zh-CN');
  await signIn(admin, kefu.url, kefu.admin);
  await admin.goto(`${kefu.url}/admin/quality`);
  await admin.waitForSelector('#rules tbody tr');
  // The earlier tests' replies were checked: 李娜 is in the report.
  await admin.waitForFunction(() => document.querySelector('#q-report').textContent.includes('李娜'));
  const row = await admin.locator('#q-report tbody tr', { hasText: '李娜' }).textContent();
  assert.ok(row.includes('zh-cannot'), row);
  assert.ok(await admin.locator('#rules tbody tr').count() >= 12);
  await admin.click('#add-rule');
  const r = admin.locator('#rules tbody tr').last();
  await r.locator('td:nth-child(1) input').fill('随便');
  await r.locator('td:nth-child(3) select').selectOption('block');
  await r.locator('td:nth-child(4) input').fill('请给出明确的建议');
  await admin.click('#save-rules');
  await admin.waitForFunction(() => document.querySelector('#rules-result').textContent === '已保存。');
  const check = await admin.evaluate(async () => {
    const csrf = document.querySelector('meta[name=csrf-token]').content;
    const r = await fetch('/api/v1/quality/check', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ text: '您随便选一个吧' }) });
    return r.json();
  });
  assert.equal(check.phrases[0].severity, 'block');
  const csv = await admin.evaluate(async () => (await fetch(document.querySelector('#q-csv').href)).text());
  assert.ok(csv.includes('李娜'), csv);
  await admin.screenshot({ path: join(shots, 'admin-quality-zh.png'), fullPage: true });
  assert.deepEqual(admin.errors, []);
});
