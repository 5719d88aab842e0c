// The help centre and self-service as customers meet them: the public pages in both languages
// on a phone-sized screen, search with highlighted matches, "was this helpful?", and the widget
// suggesting an article for what the visitor types, which settles the question without a chat.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { startKefu, launch, newPage, signIn, shots, websiteInbox, openWidget } from '../lib.mjs';

let kefu, browser, shop, shopUrl;

before(async () => {
  kefu = await startKefu();
  browser = await launch();
  const inboxId = await websiteInbox(browser, kefu);
  shop = createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html><head><title>好物商城</title></head>
      <body style="font-family:sans-serif;padding:2rem"><h1>好物商城</h1>
      <script src="${kefu.url}/widget.js" data-inbox="${inboxId}" async></script></body></html>`);
  });
  await new Promise((r) => shop.listen(0, '127.0.0.1', r));
  shopUrl = `http://127.0.0.1:${shop.address().port}/`;
});

after(async () => { await browser?.close(); shop?.close(); await kefu?.stop(); });

test('the help centre reads well on a phone in both languages, searches and takes feedback', async () => {
  const page = await newPage(browser, 'zh-CN');
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(`${kefu.url}/help`);
  assert.equal(await page.locator('h1').textContent(), '有什么可以帮您？');
  await page.locator('text=退换货与退款').first().waitFor();
  await page.screenshot({ path: join(shots, 'help-home-zh.png'), fullPage: true });

  // Search in Chinese by part of a word; the match is marked.
  await page.fill('input[name=q]', '退货');
  await Promise.all([page.waitForURL(/\/help\/search/), page.press('input[name=q]', 'Enter')]);
  const first = page.locator('.help-results li').first();
  assert.match(await first.locator('a').textContent(), /退货流程/);
  assert.ok(await first.locator('mark').count() > 0, 'matches are marked');
  await page.screenshot({ path: join(shots, 'help-search-zh.png'), fullPage: true });

  // The article: rendered Markdown, a numbered list, feedback.
  await Promise.all([page.waitForURL(/\/help\/articles\/returns/), first.locator('a').click()]);
  assert.equal(await page.locator('article h1').textContent(), '退货流程');
  assert.equal(await page.locator('.prose ol li').count(), 3);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'nothing wider than the phone');
  await page.screenshot({ path: join(shots, 'help-article-zh.png'), fullPage: true });
  await page.fill('textarea[name=comment]', '写得很清楚');
  await Promise.all([page.waitForURL(/sent=1/), page.click('button[value=yes]')]);
  await page.locator('text=感谢您的反馈').waitFor();

  // The language switch keeps the page.
  await Promise.all([page.waitForURL(/lang=en/), page.click('a.lang-switch')]);
  assert.equal(await page.locator('article h1').textContent(), 'How returns work');
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  // English search by another form of the word.
  await page.fill('input[name=q]', 'returned items');
  await Promise.all([page.waitForURL(/\/help\/search/), page.press('input[name=q]', 'Enter')]);
  assert.match(await page.locator('.help-results li a').first().textContent(), /returns/i);
  await page.screenshot({ path: join(shots, 'help-search-en.png'), fullPage: true });

  // A question no article holds as written: said so, the related ones under their own heading,
  // and the words of it that find articles alone.
  for (const [lang, none, related] of [['en', /No article contains “怎么申请退货退款” as you wrote it/, /related/],
    ['zh', /没有文章包含完整的“怎么申请退货退款”/, /相关文章/]]) {
    await page.goto(`${kefu.url}/help/search?lang=${lang}&q=${encodeURIComponent('怎么申请退货退款')}`);
    assert.match(await page.locator('#no-exact').textContent(), none);
    assert.match(await page.locator('#related-heading').textContent(), related);
    assert.ok(await page.locator('#related-results li').count() > 0);
    assert.ok(await page.locator('#suggestions a').count() > 0);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false);
    await page.screenshot({ path: join(shots, `help-search-related-${lang}.png`), fullPage: true });
  }
  // A suggested word searches for it alone, whole matches counted.
  await Promise.all([page.waitForURL(/q=/), page.locator('#suggestions a').first().click()]);
  assert.match(await page.locator('#exact-count').textContent(), /篇文章包含/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('with nobody online, the offline form suggests articles too', async () => {
  const page = await newPage(browser, 'zh-CN');
  await page.goto(shopUrl);
  await openWidget(page);
  const chat = page.frameLocator('iframe[title]');
  await chat.locator('#offline textarea[name=message]').waitFor();
  await chat.locator('#offline textarea[name=message]').fill('怎么查询物流');
  const suggestion = chat.locator('#suggest button').first();
  await suggestion.waitFor();
  assert.equal(await suggestion.textContent(), '如何查询物流');
  await suggestion.click();
  await chat.locator('#article h2').waitFor();
  await page.screenshot({ path: join(shots, 'widget-offline-article.png') });
  await chat.locator('#not-settled').click();
  // Back to the form, with what was typed.
  await chat.locator('#offline textarea[name=message]').waitFor();
  assert.equal(await chat.locator('#offline textarea[name=message]').inputValue(), '怎么查询物流');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the widget suggests an article as the visitor types, and it settles the question', async () => {
  // An agent is online, so the widget offers the chat (not the offline form).
  const agent = await newPage(browser, 'zh-CN');
  await signIn(agent, kefu.url, kefu.agent);
  await agent.goto(`${kefu.url}/console`);
  await agent.waitForFunction(() => document.getElementById('presence').value === 'online');
  const page = await newPage(browser, 'zh-CN');
  await page.goto(shopUrl);
  await openWidget(page);
  const chat = page.frameLocator('iframe[title]');
  await chat.locator('#greeting').waitFor();
  await chat.locator('#body').fill('退款多久');
  const suggestion = chat.locator('#suggest button').first();
  await suggestion.waitFor();
  assert.equal(await suggestion.textContent(), '退款多久到账？');
  await page.screenshot({ path: join(shots, 'widget-suggestions.png') });
  await suggestion.click();
  await chat.locator('#article h2').waitFor();
  assert.equal(await chat.locator('#article h2').textContent(), '退款多久到账？');
  assert.match(await chat.locator('#article .prose').textContent(), /原路退回/);
  await page.screenshot({ path: join(shots, 'widget-article.png') });
  await chat.locator('#settled').click();
  await chat.locator('#settled-thanks').waitFor();
  // Back to the chat: what was typed is still there, no conversation was started.
  await chat.locator('#article-back').click();
  assert.equal(await chat.locator('#body').inputValue(), '退款多久');
  assert.equal(await chat.locator('#messages .bubble.mine').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
  await agent.context().close();
});

test('an agent answers with an article from the console and drafts a new one; the editor previews it', async () => {
  const page = await newPage(browser, 'zh-CN');
  await page.setViewportSize({ width: 1400, height: 900 });
  await signIn(page, kefu.url, kefu.admin);
  await page.goto(`${kefu.url}/console`);
  await page.locator('#conversations li', { hasText: '退货流程是怎样的' }).click();
  await page.click('.side-tabs [data-tab=articles]');
  const suggestion = page.locator('#article-list li').first();
  await suggestion.waitFor();
  assert.match(await suggestion.locator('strong').textContent(), /退货流程/);
  await suggestion.locator('button', { hasText: '插入链接' }).click();
  assert.match(await page.locator('#body').inputValue(), /\/help\/articles\/returns\?lang=zh/);
  await page.screenshot({ path: join(shots, 'console-articles.png') });
  // Searching by hand.
  await page.fill('#article-search', 'refund');
  await page.locator('#article-list li strong', { hasText: 'When will I get my refund?' }).waitFor();

  // The knowledge base: list and editor with a live preview of the Markdown.
  await page.goto(`${kefu.url}/kb`);
  await page.locator('table.list a', { hasText: '退货流程' }).click();
  await page.locator('.prose ol li').first().waitFor();
  assert.equal(await page.locator('.kb-columns .prose').first().locator('ol li').count(), 3);
  await page.screenshot({ path: join(shots, 'kb-editor.png'), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
