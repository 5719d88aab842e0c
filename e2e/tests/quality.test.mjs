// Service quality as an agent meets it: the forbidden-phrase warning while typing a chat reply,
// "send anyway" for a warning and no way past a blocking phrase; in the e-mail composer, a
// blank subject is blocked and five attachments are offered to be packed into one zip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKefu, launch, newPage, signIn, shots } from '../lib.mjs';

let kefu, browser;
before(async () => { kefu = await startKefu(); browser = await launch(); });
after(async () => { await browser?.close(); kefu?.stop(); });

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAIAAAUAAQ0KLbQAAAAASUVORK5CYII=', 'base64');

/** A JSON call from a signed-in page, with its CSRF token. */
async function call(page, method, path, body) {
  return page.evaluate(async ({ method, path, body }) => {
    const csrf = document.querySelector('meta[name=csrf-token]').content;
    const r = await fetch(path, { method, headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, json: await r.json().catch(() => null) };
  }, { method, path, body });
}

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
