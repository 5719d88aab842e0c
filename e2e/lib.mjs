// Helpers for the browser tests: start the real kefu binary on a fresh data folder, drive
// Debian's chromium with playwright-core.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const shots = join(here, 'screenshots');
mkdirSync(shots, { recursive: true });

/**
 * Starts `kefu serve` (with `--demo` unless `demo` is false) on a free port; resolves with its
 * URL and the printed logins. `env` adds settings (a PostgreSQL URL for several instances).
 */
export async function startKefu({ demo = true, env = {} } = {}) {
  const bin = process.env.KEFU_BIN || join(here, '..', 'target', 'debug', 'kefu');
  const dir = mkdtempSync(join(tmpdir(), 'kefu-e2e-'));
  const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data')];
  if (demo) args.splice(1, 0, '--demo');
  const proc = spawn(bin, args, {
    cwd: dir,
    env: { ...process.env, KEFU_LOG_LEVEL: 'warn', KEFU_CHAT_REPLY_MAIL_DELAY_SECONDS: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kefu did not start:\n${out}`)), 30000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.:]+)/);
      if (m && (!demo || out.includes('customers'))) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => reject(new Error(`kefu exited with ${code}:\n${out}`)));
  });
  if (!demo) {
    // A fresh server prints the code that /setup asks for.
    // (printed just after the address: wait for its line, a generous while at most).
    for (let i = 0; i < 100 && !/set-up code \d+\n/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    const setupCode = out.match(/set-up code (\d+)/)?.[1];
    return { url, setupCode, stop: () => stopAndClean(proc, dir) };
  }
  const login = (who) => {
    const m = out.match(new RegExp(`${who}\\s+(\\S+@\\S+) / (\\S+)`));
    return { email: m[1], password: m[2] };
  };
  const customerPw = out.match(/customers .* \/ (\S+)/)[1];
  return {
    url,
    admin: login('admin'),
    agent: login('agent'),
    customer: { email: 'chen.jing@example.com', password: customerPw },
    stop: () => stopAndClean(proc, dir),
  };
}

/** Stops kefu and waits for it to exit (it may still be writing its index) before removing its
 * folder. */
async function stopAndClean(proc, dir) {
  if (proc.exitCode === null && proc.signalCode === null) {
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

/** Chromium; `extra` adds flags (a fake microphone for voice notes). */
export async function launch(extra = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync', ...extra],
  });
}

/** A page that fails the test on any console error (CSP violations show up there). */
export async function newPage(browser, locale = 'en-US') {
  const context = await browser.newContext({ locale, viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('dialog', (d) => { page.errors.push(`dialog: ${d.message()}`); d.dismiss(); });
  return page;
}

/** The id of the demo's website widget inbox (the one its pre-sale agent works), asked as the
 * admin. */
export async function websiteInbox(browser, kefu) {
  const admin = await newPage(browser);
  await signIn(admin, kefu.url, kefu.admin);
  const inboxes = await admin.evaluate(async () => (await fetch('/api/v1/inboxes')).json());
  await admin.context().close();
  return inboxes.find((i) => i.name.includes('Website')).id;
}

/** Opens the widget on a shop's page unless it is open already (it stays open across reloads). */
export async function openWidget(page) {
  if (await page.locator('iframe[title]').isHidden()) await page.click('button[data-kefu=launcher]');
  return page.frameLocator('iframe[title]');
}

export async function signIn(page, url, { email, password }) {
  await page.goto(`${url}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('main button')]);
}

/** Hands a mail to the SMTP server `smtp` ("host:port") the way another mail system would. */
export function smtpSend(smtp, from, to, raw) {
  const [host, port] = smtp.split(':');
  return new Promise((resolve, reject) => {
    const lines = ['EHLO customer.test', `MAIL FROM:<${from}>`, `RCPT TO:<${to}>`, 'DATA',
      raw.replace(/\r?\n/g, '\r\n') + '\r\n.', 'QUIT'];
    const s = connect(Number(port), host);
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d) => {
      buf += d;
      // Each complete reply (a line whose code is followed by a space) lets the next line go.
      while (/^\d{3} .*\r\n/m.test(buf)) {
        const m = buf.match(/^(\d{3}) .*\r\n/m);
        const code = Number(m[1]);
        buf = buf.slice(buf.indexOf(m[0]) + m[0].length);
        if (code >= 400) { s.destroy(); reject(new Error(`SMTP said ${m[0]}`)); return; }
        const next = lines.shift();
        if (next === undefined) { s.end(); resolve(); return; }
        s.write(next + '\r\n');
      }
    });
    s.on('error', reject);
  });
}

/** A JSON call from a signed-in page, with its CSRF token: `{ status, json }`. */
export async function call(page, method, path, body) {
  return page.evaluate(async ({ method, path, body }) => {
    const csrf = document.querySelector('meta[name=csrf-token]').content;
    const r = await fetch(path, { method, headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, json: await r.json().catch(() => null) };
  }, { method, path, body });
}
