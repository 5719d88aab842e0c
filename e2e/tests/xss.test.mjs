// Hostile content (issue 8, item 4): every payload of xss-payloads.mjs goes in through the doors
// people write through (chat messages both ways, private notes, a visitor's name, a
// conversation's subject, file names, help-centre articles' titles and Markdown bodies, a
// complaint's description, mail HTML) and is then rendered where people read it: the agent's
// console, the visitor's widget, the help centre, the complaint's status page, a mail's original.
// Nothing may run: no dialog opens, the console logs no CSP refusal, and no element of any page
// carries an event handler, a script URL, or an element that can run or load code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKefu, launch, newPage, signIn, shots, smtpSend, websiteInbox } from '../lib.mjs';
import { payloads, mailHtml } from '../xss-payloads.mjs';

const imap = process.env.KEFU_TEST_IMAP;
const smtp = process.env.KEFU_TEST_SMTP;

let kefu, browser, inboxId;

before(async () => {
  // People write slower than this test: the per-sender message limit is lifted.
  kefu = await startKefu({ env: { KEFU_CHAT_MESSAGES_PER_MINUTE: '100000' } });
  browser = await launch();
  inboxId = await websiteInbox(browser, kefu);
});

after(async () => { await browser?.close(); await kefu?.stop(); });

/**
 * What a page (and its frames) shows that could run code: inline handlers, script URLs in any
 * attribute, and elements that run or load code other than Kefu's own scripts and frames.
 */
async function audit(page, where) {
  const found = [];
  for (const frame of page.frames()) {
    const bad = await frame.evaluate(() => {
      const out = [];
      const scriptUrl = /^\s*(javascript|vbscript|data:text\/html|data:text\/javascript|data:image\/svg)/i;
      for (const el of document.querySelectorAll('*')) {
        const tag = el.tagName.toLowerCase();
        for (const a of el.attributes) {
          const name = a.name.toLowerCase();
          if (name.startsWith('on')) out.push(`<${tag} ${name}>`);
          const plain = a.value.replace(/[\u0000-\u0020]/g, '');
          if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'srcdoc', 'background', 'poster'].includes(name)
            && scriptUrl.test(plain)) out.push(`<${tag} ${name}=${a.value.slice(0, 40)}>`);
          if (name === 'style' && /expression\(|javascript:|behavior:/i.test(a.value)) out.push(`<${tag} style=${a.value.slice(0, 40)}>`);
        }
        if (tag === 'script' && !(el.getAttribute('src') || '').startsWith('/static/')
          && el.type !== 'application/json') out.push('<script> not Kefu\'s');
        if (['object', 'embed', 'applet', 'base', 'frameset', 'frame', 'portal', 'math'].includes(tag)) out.push(`<${tag}>`);
        if (tag === 'meta' && /refresh/i.test(el.getAttribute('http-equiv') || '')) out.push('<meta refresh>');
        if (tag === 'iframe' && !/\/widget\/frame\?/.test(el.getAttribute('src') || '') && !el.hasAttribute('sandbox')) out.push('<iframe> not sandboxed');
        if (tag === 'svg' && el.querySelector('script, foreignObject, animate, set, use, a')) out.push('<svg> with active content');
      }
      return out;
    }).catch((e) => [`could not read ${frame.url()}: ${e}`]);
    found.push(...bad.map((b) => `${where} ${frame.url()}: ${b}`));
  }
  // Refusals by the CSP mean markup got through; loads of missing images do not.
  const errors = page.errors.filter((e) => !/Failed to load resource/.test(e));
  found.push(...errors.map((e) => `${where}: ${e}`));
  page.errors.length = 0;
  return found;
}

/** Payloads in chunks a conversation shows whole (the history loads 200 messages). */
function chunks(list, size) {
  const out = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

test(`${payloads.length} XSS payloads (and ${mailHtml.length} HTML mails) through every door, rendered in the console, widget, help centre, status page and mail view: nothing runs`, async () => {
  assert.ok(payloads.length >= 200, `${payloads.length} payloads`);
  // The detector itself: a page that does render two payloads is caught both ways.
  const control = await newPage(browser);
  await control.setContent('<p>x</p><img src=x onerror="alert(1)"><a href="javascript:alert(2)">y</a>');
  await control.waitForTimeout(300);
  const caught = await audit(control, 'control');
  assert.ok(caught.some((f) => f.includes('onerror')) && caught.some((f) => f.includes('javascript:'))
    && caught.some((f) => f.includes('dialog')), `the audit missed the control: ${caught}`);
  await control.context().close();
  const findings = [];
  const parts = chunks(payloads, 150);

  // 1. Visitors write: name, subject, messages, a file, each a payload.
  const visitors = [];
  for (const [n, part] of parts.entries()) {
    const page = await newPage(browser, 'zh-CN');
    await page.goto(`${kefu.url}/widget/frame?inbox=${inboxId}&lang=zh-CN`);
    await page.waitForFunction((k) => localStorage.getItem(k), `kefu_visitor_${inboxId}`);
    const conv = await page.evaluate(async ({ inbox, part, n }) => {
      const token = localStorage.getItem(`kefu_visitor_${inbox}`);
      const call = async (path, body, raw) => {
        const r = await fetch(path, {
          method: 'POST',
          headers: { 'x-kefu-visitor': token, 'content-type': raw ? 'application/octet-stream' : 'application/json' },
          body: raw || JSON.stringify(body),
        });
        if (!r.ok && r.status !== 204) throw new Error(`${path}: ${r.status} ${await r.text()}`);
        return r.status === 204 ? null : r.json();
      };
      await call('/widget/api/contact', { name: part[0].slice(0, 100), email: `xss${n}@example.com` });
      const c = await call('/widget/api/conversations', { subject: part[1] });
      for (const [i, p] of part.entries()) {
        await call(`/widget/api/conversations/${c.id}/messages`, { client_id: `x${n}-${i}`, body: p });
      }
      await call(`/widget/api/conversations/${c.id}/attachments?name=${encodeURIComponent(part[2] + '.txt')}&client_id=f${n}`,
        null, new TextEncoder().encode('订单截图说明'));
      return c.id;
    }, { inbox: inboxId, part, n });
    visitors.push({ page, conv, part });
  }

  // 2. The agent answers each payload and notes it, then reads every conversation.
  const agent = await newPage(browser, 'zh-CN');
  await agent.setViewportSize({ width: 1400, height: 860 });
  await signIn(agent, kefu.url, kefu.agent);
  await agent.goto(`${kefu.url}/console`);
  for (const [n, v] of visitors.entries()) {
    await agent.evaluate(async ({ conv, part, n }) => {
      const csrf = document.querySelector('meta[name=csrf-token]').content;
      for (const [i, p] of part.slice(0, 40).entries()) {
        const r = await fetch(`/api/v1/conversations/${conv}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
          body: JSON.stringify({ client_id: `a${n}-${i}`, body: p, note: i % 2 === 1, accept_warnings: true }),
        });
        if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
      }
    }, { conv: v.conv, part: v.part, n });
  }
  await agent.reload();
  await agent.click('[data-view=all]').catch(() => {});
  for (const v of visitors) {
    const row = agent.locator(`#conversations li[data-id="${v.conv}"]`);
    await row.waitFor();
    await row.click();
    await agent.locator('.bubble').nth(100).waitFor();
    await agent.waitForTimeout(300);
    findings.push(...await audit(agent, `console ${v.conv}`));
  }
  await agent.screenshot({ path: join(shots, 'xss-console.png') });

  // 3. Each visitor reloads the widget: their history, with the agent's payload replies.
  for (const v of visitors) {
    await v.page.reload();
    await v.page.locator('.bubble').nth(100).waitFor();
    await v.page.waitForTimeout(300);
    findings.push(...await audit(v.page, `widget ${v.conv}`));
  }
  await visitors[0].page.screenshot({ path: join(shots, 'xss-widget.png') });

  // 4. Help-centre articles: payloads as titles and as Markdown bodies, published (by an
  //    admin: agents write drafts).
  const admin = await newPage(browser, 'zh-CN');
  await signIn(admin, kefu.url, kefu.admin);
  await admin.goto(`${kefu.url}/kb`);
  const slugs = await admin.evaluate(async (payloads) => {
    const csrf = document.querySelector('meta[name=csrf-token]').content;
    const post = async (path, body) => {
      const r = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify(body),
      });
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return r.json();
    };
    const cat = await post('/api/v1/kb/categories', { slug: 'xss', name_zh: payloads[0].slice(0, 100), name_en: payloads[1].slice(0, 100) });
    const slugs = [];
    for (let i = 0; i < payloads.length; i += 50) {
      const part = payloads.slice(i, i + 50);
      const slug = `xss-${i}`;
      await post('/api/v1/kb/articles', {
        category_id: cat.id, slug, status: 'published', tags: [part[3].slice(0, 40)],
        title_zh: `${part[0]}`.slice(0, 200), body_zh: part.join('\n\n'),
        title_en: `${part[1]}`.slice(0, 200), body_en: part.slice().reverse().join('\n\n'),
      });
      slugs.push(slug);
    }
    return slugs;
  }, payloads);
  const reader = await newPage(browser, 'zh-CN');
  for (const path of ['/help', '/help/categories/xss', '/help/search?q=script', '/help/search?q=alert',
    ...slugs.map((s) => `/help/articles/${s}`), ...slugs.map((s) => `/help/articles/${s}?lang=en`)]) {
    await reader.goto(`${kefu.url}${path}`);
    findings.push(...await audit(reader, path));
  }
  await reader.goto(`${kefu.url}/help/articles/${slugs[0]}`);
  await reader.screenshot({ path: join(shots, 'xss-help.png'), fullPage: false });
  // The staff's knowledge base shows them too.
  await admin.goto(`${kefu.url}/kb`);
  findings.push(...await audit(admin, '/kb'));

  // 5. A complaint whose description and reference are payloads: its status page, and the
  //    console's case panel.
  const customer = await newPage(browser, 'zh-CN');
  await signIn(customer, kefu.url, kefu.customer);
  const filed = await customer.evaluate(async (p) => {
    const csrf = document.querySelector('meta[name=csrf-token]')?.content
      || decodeURIComponent((document.cookie.match(/kefu_csrf=([^;]+)/) || [])[1] || '');
    const r = await fetch('/api/v1/cases', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ kind: 'complaint', name: p[0].slice(0, 100), category: '商品质量 Product quality', severity: 'medium', order_ref: p[5].slice(0, 60), description: p.slice(0, 30).join('\n') }),
    });
    if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
    return r.json();
  }, payloads);
  await customer.goto(`${kefu.url}/track/${filed.tracking}#key=${filed.key}`);
  await customer.waitForTimeout(800);
  findings.push(...await audit(customer, '/track'));

  // 6. Mail (with the test mail servers): HTML mails full of payloads, a payload as the
  //    sender's name and the subject. The console shows their text; the original HTML opens
  //    under a sandbox, where no script runs.
  if (imap && smtp) {
    const tag = Math.random().toString(36).slice(2, 10);
    const support = `xss-${tag}@shop.test`;
    await admin.evaluate(async ({ support, imap, smtp }) => {
      const csrf = document.querySelector('meta[name=csrf-token]').content;
      const send = async (method, path, body) => {
        const r = await fetch(path, { method, headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) });
        if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
        return r.json().catch(() => null);
      };
      const teams = await (await fetch('/api/v1/teams')).json();
      const team = teams.find((t) => t.name.includes('售前'));
      const inbox = await send('POST', '/api/v1/inboxes', { name: 'XSS mail', channel: 'email', team_ids: [team.id] });
      const [ih, ip] = imap.split(':');
      const [sh, sp] = smtp.split(':');
      await send('PUT', `/api/v1/inboxes/${inbox.id}/mail`, {
        address: support,
        imap: { host: ih, port: Number(ip), tls: 'none', username: support, password: 'kefu' },
        smtp: { host: sh, port: Number(sp), tls: 'none' },
      });
    }, { support, imap, smtp });
    const b64 = (t) => `=?UTF-8?B?${Buffer.from(t).toString('base64')}?=`;
    for (const [i, html] of mailHtml.entries()) {
      await smtpSend(smtp, `buyer${i}-${tag}@customer.test`, support, `From: ${b64(payloads[i])} <buyer${i}-${tag}@customer.test>
To: ${support}
Subject: ${b64(`xss-mail-${i} ${payloads[i + 20]}`)}
Message-ID: <xss${i}-${tag}@customer.test>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

${Buffer.from(html).toString('base64')}
`);
    }
    // Every mail has arrived (read over IMAP: the reader polls; allow for a busy machine).
    await agent.goto(`${kefu.url}/console`);
    const arrived = async () => agent.evaluate(async (n) => {
      const list = await (await fetch('/api/v1/conversations?view=all')).json();
      return [...Array(n).keys()].every((i) => list.some((c) => c.subject.includes(`xss-mail-${i}`)));
    }, mailHtml.length);
    for (let n = 0; n < 240 && !(await arrived()); n++) await agent.waitForTimeout(500);
    if (!(await arrived())) {
      const seen = await agent.evaluate(async () => (await (await fetch('/api/v1/conversations?view=all')).json()).map((c) => c.subject));
      const aside = await admin.evaluate(async () => (await fetch('/api/v1/mail/not-stored')).json());
      assert.fail(`not every HTML mail arrived within two minutes: ${JSON.stringify(seen)} / not stored: ${JSON.stringify(aside)}`);
    }
    await agent.reload();
    await agent.click('[data-view=all]').catch(() => {});
    for (const i of mailHtml.keys()) {
      const row = agent.locator('#conversations li', { hasText: `xss-mail-${i}` });
      await row.first().click();
      const original = agent.locator('a.mail-original').first();
      await original.waitFor();
      findings.push(...await audit(agent, `console mail ${i}`));
      const href = await original.getAttribute('href');
      const page = await newPage(browser);
      // Signed in as the agent: the same cookies.
      await page.context().addCookies(await agent.context().cookies());
      const r = await page.goto(`${kefu.url}${href}`);
      assert.match(r.headers()['content-security-policy'] || '', /sandbox/, `the original is sandboxed: ${r.status()} ${href} ${JSON.stringify(r.headers())}`);
      await page.waitForTimeout(500);
      // The raw HTML is shown as the customer sent it, under the sandbox: only a dialog, a
      // script that ran, would be a finding (the sandbox's refusals are logged, not findings).
      findings.push(...page.errors.filter((e) => e.startsWith('dialog')).map((e) => `original ${i}: ${e}`));
      await page.context().close();
    }
    await agent.screenshot({ path: join(shots, 'xss-mail-console.png') });
  } else {
    assert.notEqual(process.env.CI, 'true', 'the mail servers must be running under CI');
  }

  const report = `${findings.length} findings:\n${findings.slice(0, 40).join('\n')}`;
  assert.deepEqual(findings, [], report);
});
