// The e-mail channel as an admin and an agent meet it: an admin creates an e-mail inbox, enters
// the IMAP and SMTP servers (the throwaway Dovecot and Postfix that scripts/test starts) and
// tests the connection; a customer's mail arrives in the console; the agent answers with a CC,
// and the mail goes out. Skipped without KEFU_TEST_IMAP / KEFU_TEST_SMTP (failed under CI).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKefu, launch, newPage, signIn, shots, smtpSend } from '../lib.mjs';

const imap = process.env.KEFU_TEST_IMAP;
const smtp = process.env.KEFU_TEST_SMTP;
if (!imap || !smtp) {
  assert.notEqual(process.env.CI, 'true', 'the mail servers must be running under CI');
}
let kefu, browser;

before(async () => {
  if (!imap || !smtp) return;
  kefu = await startKefu();
  browser = await launch();
});
after(async () => { await browser?.close(); await kefu?.stop(); });

test('an admin sets up a mail inbox and an agent answers a mail from the console', { skip: !imap || !smtp }, async () => {
  const tag = Math.random().toString(36).slice(2, 10);
  const support = `support-${tag}@shop.test`;
  const customer = `buyer-${tag}@customer.test`;
  const [imapHost, imapPort] = imap.split(':');
  const [smtpHost, smtpPort] = smtp.split(':');

  // The admin creates the inbox for the pre-sale team and enters its servers.
  const admin = await newPage(browser, 'zh-CN');
  await signIn(admin, kefu.url, kefu.admin);
  await admin.goto(`${kefu.url}/admin/teams`);
  const create = admin.locator('form[action="/admin/inboxes"]');
  await create.locator('input[name=name]').fill('客服邮箱 Support mail');
  await create.locator('select[name=channel]').selectOption('email');
  await create.locator('select[name=team_id]').selectOption({ label: '售前 Pre-sale' });
  await Promise.all([admin.waitForURL(/notice/), create.locator('button').click()]);
  await Promise.all([admin.waitForURL(/\/mail$/), admin.click('text=邮件设置')]);
  const form = admin.locator('#mail-form');
  await form.locator('input[name=address]').fill(support);
  await form.locator('input[name=display_name]').fill('好物商城客服');
  await form.locator('input[name=imap_host]').fill(imapHost);
  await form.locator('input[name=imap_port]').fill(imapPort);
  await form.locator('select[name=imap_tls]').selectOption('none');
  await form.locator('input[name=imap_username]').fill(support);
  await form.locator('input[name=imap_password]').fill('kefu');
  await form.locator('input[name=smtp_host]').fill(smtpHost);
  await form.locator('input[name=smtp_port]').fill(smtpPort);
  await form.locator('select[name=smtp_tls]').selectOption('none');
  await Promise.all([admin.waitForURL(/notice-saved/), form.locator('button').click()]);
  // The password is not shown again; the test says both servers answer.
  assert.equal(await admin.locator('input[name=imap_password]').inputValue(), '');
  await Promise.all([admin.waitForURL(/\/mail\/check$/), admin.click('#mail-check')]);
  assert.equal(await admin.locator('.checks li.ok').count(), 2, await admin.locator('.checks').textContent());
  await admin.screenshot({ path: join(shots, 'mail-settings-zh.png'), fullPage: true });

  // A customer writes.
  await smtpSend(smtp, customer, support, `From: =?UTF-8?B?6ZmI6Z2Z?= <${customer}>
To: ${support}
Subject: =?UTF-8?B?5Y+R56Wo5oqs5aS05YaZ6ZSZ5LqG?=
Message-ID: <m1-${tag}@customer.test>
Content-Type: text/plain; charset=utf-8

你好，订单 2024 的发票抬头写错了，能重开吗？

--
陈静
`);

  // The agent sees it in the console and answers with a CC.
  const agent = await newPage(browser, 'zh-CN');
  await signIn(agent, kefu.url, kefu.agent);
  await agent.goto(`${kefu.url}/console`);
  const row = agent.locator('#conversations li', { hasText: '发票抬头写错了' });
  for (let i = 0; i < 40 && !(await row.count()); i++) {
    await agent.waitForTimeout(500);
    await agent.click('[data-view=all]').catch(() => {});
  }
  await row.first().click();
  await agent.locator('.bubble.theirs', { hasText: '发票抬头写错了' }).waitFor();
  assert.match(await agent.locator('.mail-head').first().textContent(), new RegExp(customer));
  await agent.locator('#mail-fields').waitFor({ state: 'visible' });
  await agent.fill('#mail-cc', `finance-${tag}@customer.test`);
  await agent.fill('#body', '陈静您好：\n\n已为您重开发票，新发票会在 24 小时内发到您的邮箱。\n\n祝您生活愉快！');
  await agent.click('#composer button:not([type=button])');
  // No signature yet: the etiquette check says so, and the agent sends it anyway.
  await agent.waitForSelector('#send-anyway:not([hidden])');
  await agent.waitForSelector('#quality-list li[data-code=no_signature]');
  assert.ok((await agent.locator('#quality-list').textContent()).includes('没有签名'));
  await agent.click('#send-anyway');
  await agent.locator('.bubble.mine', { hasText: '已为您重开发票' }).waitFor();
  await agent.screenshot({ path: join(shots, 'console-mail-reply-zh.png'), fullPage: true });

  // The mail leaves through Postfix.
  const convId = await agent.evaluate(async () => {
    const list = await (await fetch('/api/v1/conversations?view=all')).json();
    return (list.items || list).find((c) => c.subject.includes('发票抬头')).id;
  });
  let status = '';
  for (let i = 0; i < 60 && status !== 'sent'; i++) {
    const d = await agent.evaluate(async (id) => (await fetch(`/api/v1/conversations/${id}/mail`)).json(), convId);
    status = d[0]?.status || '';
    if (d[0]?.last_error) assert.fail(d[0].last_error);
    if (status !== 'sent') await agent.waitForTimeout(250);
  }
  assert.equal(status, 'sent');

  // The customer forwards the courier's mail as an attachment: the agent reads it as a mail.
  await smtpSend(smtp, customer, support, `From: ${customer}
To: ${support}
Subject: =?UTF-8?B?RndkOiDnianmtYHlvILluLg=?=
Message-ID: <fwd-${tag}@customer.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="F"

--F
Content-Type: text/plain; charset=utf-8

快递公司发来的邮件，请看附件。
--F
Content-Type: message/rfc822

From: =?UTF-8?B?6aG65Liw5b+r6YCS?= <notice@express.test>
To: ${customer}
Subject: =?UTF-8?B?5oKo55qE5b+r5Lu25peg5rOV5rS+6YCB?=
Date: Sat, 05 Dec 2026 10:00:00 +0800
Content-Type: text/plain; charset=utf-8

地址不详，包裹已退回网点，请联系收件人补充地址。
--F--
`);
  const forwarded = agent.locator('.mail-forwarded', { hasText: '包裹已退回网点' });
  for (let i = 0; i < 40 && !(await forwarded.count()); i++) {
    await agent.waitForTimeout(500);
    await agent.click('[data-view=all]').catch(() => {});
    await agent.locator('#conversations li', { hasText: '物流异常' }).first().click().catch(() => {});
  }
  await forwarded.waitFor();
  const head = await forwarded.locator('.muted').textContent();
  assert.match(head, /转发的邮件 · 顺丰快递 <notice@express.test> · 您的快件无法派送/);
  assert.ok(await agent.locator('.mail-files a', { hasText: '您的快件无法派送.eml' }).count());
  await forwarded.scrollIntoViewIfNeeded();
  await agent.screenshot({ path: join(shots, 'console-mail-forwarded-zh.png') });
});
