// The agent console: views of the conversations this agent may see (mine, unassigned, all; by
// status, stage and customer), one open conversation with its messages as they arrive, actions
// (assign, transfer, status, stage, priority, tags, snooze), replies with files and private
// notes with @mentions, the customer sidebar, presence, live visitors and collision warnings,
// and help-centre articles to answer with.
import { ChatSocket, newId, textNode } from './socket.js';
import { $, S, api, calls, fill, form, input, noteBox, pane, parseMeta, root, slaBadge, span, title, word } from './console/core.js';
import { showSla, showTicket } from './console/ticket.js';
import { hideQuality, refused, scheduleCheck } from './console/quality.js';
import { showSuggestions } from './console/phrases.js';
import { heard, item, loadList, markActive, order, seen } from './console/list.js';
import { alertAgent, showConversation, showTab } from './console/layout.js';
import { mentionArrived } from './console/people.js';

const typing = $('typing');
const state = $('state');
const collision = $('collision');
const bubbles = new Map();
const viewers = new Map(); // agent id -> name, for the open conversation
const agentBySeq = new Map(); // seq -> element of agents' replies, for read receipts
let me = null;

// ---- Messages ---------------------------------------------------------------------------------
function show(m, pending = false) {
  const key = m.cid || m.id;
  let el = bubbles.get(key);
  if (!el) { el = document.createElement('div'); pane.append(el); bubbles.set(key, el); }
  el.replaceChildren();
  if (m.kind === 'event' || m.kind === 'activity') {
    el.className = 'event';
    const meta = parseMeta(m);
    el.textContent = eventText(meta, m.body);
    if (meta.event === 'mail_failed' && meta.outbox) el.append(' ', retryButton(meta.outbox));
    pane.scrollTop = pane.scrollHeight;
    return;
  }
  const kind = m.author?.kind || m.author_kind;
  el.className = 'bubble ' + (kind === 'agent' ? 'mine' : 'theirs') + (m.kind === 'note' ? ' note' : '') + (pending ? ' pending' : '');
  const who = document.createElement('div');
  who.className = 'who';
  who.textContent = kind === 'agent' ? (m.author?.name || '') : root.visitor;
  const body = document.createElement('div');
  if (m.kind === 'attachment') {
    const meta = parseMeta(m);
    const link = document.createElement('a');
    link.href = `/api/v1/attachments/${encodeURIComponent(meta.attachment)}`;
    const type = meta.content_type || '';
    if (type.startsWith('audio/') || type.startsWith('video/')) {
      // Voice notes and short videos play here; the link below still downloads.
      const media = document.createElement(type.startsWith('audio/') ? 'audio' : 'video');
      media.controls = true;
      media.preload = 'metadata';
      media.src = link.href + '?inline=1';
      body.append(media);
      link.textContent = `${meta.name} · ${root.download}`;
    } else if (type.startsWith('image/')) {
      const img = document.createElement('img');
      img.src = link.href + '?inline=1';
      img.alt = meta.name;
      link.append(img);
    } else {
      link.textContent = `${meta.name} (${Math.ceil((meta.size || 0) / 1024)} KB) · ${root.download}`;
    }
    body.append(link);
  } else {
    textNode(body, m.body);
  }
  const mail = parseMeta(m).mail;
  if (mail) {
    const head = document.createElement('div');
    head.className = 'mail-head muted';
    const list = (a) => (a || []).join(', ');
    head.textContent = mail.outgoing
      ? `${root.mailTo}: ${list(mail.to) || root.mailToDefault}${mail.cc?.length ? ` · ${root.mailCc}: ${list(mail.cc)}` : ''}`
      : `${mail.from_name ? mail.from_name + ' ' : ''}<${mail.from}>${mail.cc?.length ? ` · ${root.mailCc}: ${list(mail.cc)}` : ''} · ${mail.subject || ''}`;
    if ((mail.damaged || []).length) {
      // Read in part: what could be read is here; the original is kept.
      const flag = document.createElement('span');
      flag.className = 'badge warn damaged';
      flag.textContent = root.mailDamaged;
      flag.title = mail.damaged.join('; ');
      head.prepend(flag, ' ');
    }
    if (mail.too_large) {
      // Over the size limit: the text is here, the files were left out (the original is kept).
      const flag = document.createElement('span');
      flag.className = 'badge warn too-large';
      const mb = (n) => String(Math.round(n / 1048576));
      flag.textContent = fill(fill(root.mailTooLarge, 'size', mb(mail.too_large.bytes)), 'limit', mb(mail.too_large.limit));
      head.prepend(flag, ' ');
    }
    if (mail.new_sender) {
      // Not the customer, nor anyone the conversation wrote with so far.
      const flag = document.createElement('span');
      flag.className = 'badge warn new-sender';
      flag.textContent = root.mailNewSender;
      head.prepend(flag, ' ');
    }
    body.prepend(head);
    for (const f of mail.forwarded || []) {
      // A mail sent on inside this one: its sender, subject and date, then its text.
      const box = document.createElement('blockquote');
      box.className = 'mail-forwarded';
      const h = document.createElement('div');
      h.className = 'muted small';
      h.textContent = [root.mailForwarded, f.from, f.subject, f.date ? new Date(f.date).toLocaleString() : '']
        .filter(Boolean).join(' · ');
      const t = document.createElement('div');
      t.className = 'mail-forwarded-text';
      t.textContent = f.text || '';
      box.append(h, t);
      body.append(box);
    }
    const files = (mail.files || []).filter((f) => !f.inline);
    if (files.length) {
      const ul = document.createElement('ul');
      ul.className = 'mail-files';
      for (const f of files) {
        const li = document.createElement('li');
        const a = document.createElement('a');
        a.href = `/api/v1/attachments/${encodeURIComponent(f.attachment)}`;
        a.textContent = `${f.name} (${Math.ceil((f.size || 0) / 1024)} KB)`;
        li.append(a);
        ul.append(li);
      }
      body.append(ul);
    }
    if (!mail.outgoing && m.id && (mail.html || mail.folded)) {
      const a = document.createElement('a');
      a.href = `/api/v1/conversations/${encodeURIComponent(m.conversation_id || S.current)}/messages/${encodeURIComponent(m.id)}/original`;
      a.target = '_blank';
      a.rel = 'noopener';
      a.className = 'mail-original';
      a.textContent = root.mailOriginal;
      body.append(a);
    }
  }
  el.append(who, body);
  if (kind !== 'agent' && m.id && (m.kind === 'text' || m.kind === 'attachment')) {
    const split = document.createElement('button');
    split.type = 'button';
    split.className = 'link split';
    // The label is drawn by CSS from aria-label, so the bubble's text stays the message's.
    split.setAttribute('aria-label', root.split);
    split.title = root.split;
    split.addEventListener('click', async () => {
      try {
        const c = await api(`/api/v1/conversations/${S.current}/split`, { method: 'POST', body: JSON.stringify({ message_id: m.id }) });
        await loadList();
        open(c.id);
      } catch (err) { alert(err.message); }
    });
    el.append(split);
  }
  if (kind === 'agent' && m.kind !== 'note' && m.seq) {
    agentBySeq.set(m.seq, el);
    // A bubble drawn again (its echo can come after the customer read it) keeps its receipt.
    if (m.seq <= S.readUpTo) markRead(S.readUpTo);
  }
  pane.scrollTop = pane.scrollHeight;
}

/** The customer read up to `seq`: the newest reply up to there says so. */
function markRead(seq) {
  S.readUpTo = Math.max(S.readUpTo, seq);
  const upTo = [...agentBySeq.keys()].filter((s) => s <= S.readUpTo);
  if (!upTo.length) return;
  pane.querySelectorAll('.receipt').forEach((r) => r.remove());
  const r = document.createElement('div');
  r.className = 'receipt muted';
  r.textContent = root.read;
  agentBySeq.get(Math.max(...upTo)).append(r);
}

/** An event or activity in the agent's language, from its structured data. */
/** "Retry now" for a mail that could not be delivered (yet). */
function retryButton(mailId) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'link retry-mail';
  b.textContent = root.mailRetry;
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await api(`/api/v1/conversations/${S.current}/mail/${mailId}/retry`, { method: 'POST' });
      b.textContent = root.mailRetried;
    } catch (err) {
      b.textContent = err.message;
    }
  });
  return b;
}

function eventText(meta, fallback) {
  if (meta.event === 'mail_bounced') return fill(fill(root.mailBounced, 'to', meta.to || ''), 'error', meta.error || '');
  if (meta.event === 'mail_failed') return fill(meta.final ? root.mailFailedFinal : root.mailFailedRetrying, 'error', meta.error || '');
  const tpl = root['ev' + (meta.event || '').replace(/^./, (c) => c.toUpperCase())];
  if (meta.event === 'assigned') return fill(root.joined, 'name', meta.name || '');
  if (meta.event === 'case_status') return `${meta.tracking} · ${meta.by}: ${word('case', meta.status)}${meta.note ? ' — ' + meta.note : ''}`;
  if (meta.event === 'escalated') return fill(root.evEscalated, 'value', word('caseSeverity', meta.severity || ''));
  if (meta.event === 'sla_breach') return fill(root.slaMissed, 'value', word('sla', meta.metric || ''));
  if (!tpl) return fallback;
  const value = {
    status: () => word('status', meta.status || ''),
    stage: () => word('stage', meta.stage || ''),
    priority: () => word('priority', meta.priority || ''),
    tags: () => (meta.tags || []).join(', '),
    team: () => meta.name || '—',
  }[meta.event]?.() ?? '';
  return fill(fill(tpl, 'by', meta.by || ''), 'value', value);
}

// ---- One conversation ---------------------------------------------------------------------------
async function open(id) {
  if (S.current && S.current !== id) socket.viewing(S.current, false);
  S.current = id;
  viewers.clear();
  showCollision();
  markActive(id);
  showConversation(true);
  pane.replaceChildren();
  bubbles.clear();
  agentBySeq.clear();
  S.readUpTo = 0;
  form.hidden = false;
  $('actions').hidden = false;
  hideQuality();
  const msgs = await api(`/api/v1/conversations/${id}/messages`);
  for (const m of msgs) show({ ...m, cid: m.client_id });
  const last = msgs.length ? msgs[msgs.length - 1].seq : 0;
  socket.follow(id, last);
  if (last) socket.read(id, last);
  socket.viewing(id, true);
  await loadContext();
  showSuggestions();
  $('article-search').value = '';
  $('draft-result').hidden = true;
  showArticles('');
  input.focus();
}

async function loadContext() {
  if (!S.current) return;
  const ctx = await api(`/api/v1/conversations/${S.current}/context`);
  const c = ctx.conversation;
  S.currentCustomer = c.customer_id;
  if (S.currentChannel !== ctx.channel) {
    S.currentChannel = ctx.channel;
    S.mailFiles = [];
    showMailFiles();
  }
  $('mail-fields').hidden = S.currentChannel !== 'email';
  const subj = $('mail-subject');
  if (S.currentChannel === 'email' && subj.dataset.conv !== c.id) {
    subj.value = /^re:/i.test(c.subject) ? c.subject : `Re: ${c.subject}`;
    subj.dataset.conv = c.id;
    // Reply to all, as a mail client fills it in (Reply-To, the other recipients); editable.
    $('mail-to').value = (ctx.reply_all?.to || []).join(', ');
    $('mail-cc').value = (ctx.reply_all?.cc || []).join(', ');
  }
  title.textContent = `#${c.number} ${c.subject || root.untitled}`;
  showSla(ctx.sla);
  showTicket(c, ctx.case);
  // What the agent is editing right now is left alone.
  const put = (id, v) => { if (document.activeElement !== $(id)) $(id).value = v; };
  put('assignee', c.assignee_id || '');
  put('team', c.team_id || '');
  put('status', c.status);
  put('stage', c.stage);
  put('priority', c.priority);
  put('ticket-type', c.ticket_type);
  put('tags', c.tags.join(', '));
  item(c);
  $('customer').hidden = false;
  const sideTab = $('sidebar').dataset.tab;
  if (sideTab === 'visitors' || sideTab === 'mentions') showTab('customer');
  const cu = ctx.customer || {};
  S.lang = (cu.language || document.documentElement.lang).startsWith('en') ? 'en' : 'zh';
  $('customer-name').textContent = cu.name || fill(root.anonymousName, 'n', c.number);
  const v = $('customer-verified');
  v.textContent = cu.verified ? root.verified : root.anonymous;
  v.className = 'badge ' + (cu.verified ? 'ok' : 'warn');
  $('customer-email').textContent = cu.email || '';
  $('customer-phone').textContent = cu.phone || '';
  const q = $('queue-position');
  q.hidden = !ctx.queue_position;
  q.textContent = ctx.queue_position ? fill(root.queue, 'n', ctx.queue_position) : '';
  // A page seen again in a row (a reload) is one line, its times added up.
  const pages = [];
  for (const p of ctx.trail) {
    const secs = Math.max(1, Math.round((p.last_seen_at - p.started_at) / 1000));
    const last = pages[pages.length - 1];
    if (last && last.url === p.url) { last.secs += secs; last.times += 1; } else pages.push({ ...p, secs, times: 1 });
  }
  $('trail').replaceChildren(...pages.map((p) => {
    const li = document.createElement('li');
    li.textContent = `${p.title || p.url} — ${p.url} (${p.secs} s${p.times > 1 ? ` ×${p.times}` : ''})`;
    return li;
  }));
  $('past').replaceChildren(...ctx.past.map((p) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = '#';
    a.textContent = `${p.subject || root.untitled} · ${word('status', p.status)}`;
    a.addEventListener('click', (e) => { e.preventDefault(); open(p.id); });
    li.append(a);
    return li;
  }));
}

// Articles for the reply: suggested from what the customer asked, or searched; one click puts
// the link or the text into the reply. And a resolved question drafted into a new article.
async function showArticles(query) {
  const box = $('articles');
  box.hidden = false;
  let hits = [];
  try {
    hits = query
      ? await api('/api/v1/search?kind=articles&limit=5&q=' + encodeURIComponent(query))
      : await api(`/api/v1/conversations/${S.current}/suggestions`);
  } catch { hits = []; }
  $('article-list').replaceChildren(...hits.map((h) => {
    const li = document.createElement('li');
    const name = document.createElement('strong');
    name.textContent = h.title;
    const link = document.createElement('button');
    link.type = 'button';
    link.className = 'link';
    link.textContent = root.insertLink;
    link.disabled = !h.url;
    link.addEventListener('click', () => insert(`${h.title} ${h.url}`));
    const text = document.createElement('button');
    text.type = 'button';
    text.className = 'link';
    text.textContent = root.insertText;
    text.addEventListener('click', async () => {
      const a = await api(`/api/v1/kb/articles/${h.id}`);
      insert(h.lang === 'zh' || !a.body_en ? a.body_zh : a.body_en);
    });
    li.append(name, ' ', link, ' · ', text);
    return li;
  }));
}

function insert(text) {
  const at = input.selectionStart ?? input.value.length;
  const before = input.value.slice(0, at);
  const sep = before && !before.endsWith('\n') ? '\n' : '';
  input.value = before + sep + text + input.value.slice(at);
  input.focus();
}

let articleTimer = null;
$('article-search').addEventListener('input', (e) => {
  clearTimeout(articleTimer);
  articleTimer = setTimeout(() => showArticles(e.target.value.trim()), 250);
});

$('draft-article').addEventListener('click', async () => {
  const out = $('draft-result');
  out.hidden = false;
  try {
    const a = await api(`/api/v1/conversations/${S.current}/article`, {
      method: 'POST', body: JSON.stringify({ category_id: $('draft-category').value }),
    });
    out.replaceChildren();
    const link = document.createElement('a');
    link.href = `/kb/articles/${a.id}`;
    link.target = '_blank';
    link.textContent = root.draftDone;
    out.append(link);
  } catch (err) { out.textContent = err.message; }
});

async function loadCategories() {
  try {
    const cats = await api('/api/v1/kb/categories');
    $('draft-category').replaceChildren(...cats.map((c) => {
      const o = document.createElement('option');
      o.value = c.id;
      o.textContent = (c.parent_id ? '— ' : '') + (document.documentElement.lang.startsWith('zh') ? c.name_zh || c.name_en : c.name_en || c.name_zh);
      return o;
    }));
  } catch { /* the helper simply stays empty */ }
}

async function change(patch) {
  try {
    const c = await api(`/api/v1/conversations/${S.current}`, { method: 'PATCH', body: JSON.stringify(patch) });
    item(c);
  } catch (err) {
    alert(err.message);
  }
  loadContext();
}
$('assignee').addEventListener('change', (e) => change({ assignee_id: e.target.value || null }));
$('team').addEventListener('change', (e) => change({ team_id: e.target.value || null }));
$('status').addEventListener('change', (e) => change({ status: e.target.value }));
$('stage').addEventListener('change', (e) => change({ stage: e.target.value }));
$('priority').addEventListener('change', (e) => change({ priority: e.target.value }));
$('ticket-type').addEventListener('change', (e) => change({ ticket_type: e.target.value }));
$('tags').addEventListener('change', (e) => change({ tags: e.target.value.split(/[,，]/).map((t) => t.trim()).filter(Boolean) }));
$('snooze').addEventListener('click', () => {
  const t = new Date($('snooze-until').value).getTime();
  if (t > Date.now()) change({ status: 'snoozed', snoozed_until: t });
});

const addresses = (id) => $(id).value.split(/[,;，；\s]+/).map((a) => a.trim()).filter(Boolean);
function showMailFiles() {
  $('mail-files').textContent = S.mailFiles.length ? `${root.mailAttached}: ${S.mailFiles.map((f) => f.name).join(', ')}` : '';
}
async function loadSignatures() {
  const list = await api('/api/v1/signatures').catch(() => []);
  const sel = $('mail-signature');
  sel.replaceChildren(sel.options[0], ...list.map((s) => {
    const o = document.createElement('option');
    o.value = s.id;
    o.textContent = s.name;
    return o;
  }));
  if (list.length) sel.value = list[0].id;
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = input.value.trim();
  if (!body || !S.current) return;
  const cid = newId();
  const note = noteBox.checked;
  const accept = S.acceptWarnings;
  S.acceptWarnings = false;
  if (S.currentChannel === 'email' && !note) {
    // A mail: recipients, signature and files as the agent set them; kept until it is stored.
    const reply = { body, client_id: cid, to: addresses('mail-to'), cc: addresses('mail-cc'), bcc: addresses('mail-bcc'),
      attachment_ids: S.mailFiles.map((f) => f.id), subject: $('mail-subject').value, accept_warnings: accept };
    if ($('mail-signature').value) reply.signature_id = $('mail-signature').value;
    try {
      const m = await api(`/api/v1/conversations/${S.current}/mail`, { method: 'POST', body: JSON.stringify(reply) });
      input.value = '';
      $('mail-bcc').value = '';
      S.mailFiles = [];
      showMailFiles();
      show({ ...m, cid: m.client_id });
      hideQuality();
    } catch (err) {
      refused(err.code, err.message);
    }
    return;
  }
  input.value = '';
  show({ cid, body, kind: note ? 'note' : 'text', author: { kind: 'agent', name: me?.name || '' } }, true);
  try {
    await socket.send(S.current, body, note, cid, accept);
    hideQuality();
  } catch (err) {
    if (err.code === 'reply_warnings' || err.code === 'reply_blocked') {
      // Not sent: the words go back into the composer, with what was found.
      bubbles.get(cid)?.remove();
      bubbles.delete(cid);
      input.value = body;
      refused(err.code, err.message);
    } else {
      bubbles.get(cid)?.classList.add('failed');
    }
  }
});
input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit(); });

// Files wait for a look and a confirmation before they go; a file over the limit is refused here,
// with the limit named.
const composerError = $('composer-error');
function fileError(text) { composerError.textContent = text || ''; composerError.hidden = !text; }
let staged = [];
function stage(files) {
  const max = Number(root.maxFileBytes || 0);
  const big = files.find((f) => max && f.size > max);
  if (big) return fileError(`${big.name}: ${fill(root.fileTooLarge, 'mb', String(Math.round(max / 1048576)))}`);
  fileError('');
  staged = files;
  const box = $('file-preview');
  box.replaceChildren(...files.map((f) => {
    const fig = document.createElement('figure');
    const url = URL.createObjectURL(f);
    if (f.type.startsWith('image/')) { const i = document.createElement('img'); i.src = url; i.alt = f.name; fig.append(i); }
    else if (f.type.startsWith('audio/') || f.type.startsWith('video/')) {
      const m = document.createElement(f.type.startsWith('audio/') ? 'audio' : 'video');
      m.controls = true; m.src = url; fig.append(m);
    }
    const cap = document.createElement('figcaption');
    cap.textContent = `${f.name} (${Math.ceil(f.size / 1024)} KB)`;
    fig.append(cap);
    return fig;
  }));
  $('file-confirm').hidden = !files.length;
  if (files.length) $('file-send').focus();
}
$('file').addEventListener('change', (e) => {
  const files = [...e.target.files];
  e.target.value = '';
  if (S.current) stage(files);
});
$('file-cancel').addEventListener('click', () => stage([]));
$('file-send').addEventListener('click', async () => {
  const files = staged;
  stage([]);
  for (const file of files) {
    try {
      const m = await api(`/api/v1/conversations/${S.current}/attachments?name=${encodeURIComponent(file.name)}&client_id=${newId()}`,
        { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file });
      show({ ...m, cid: m.client_id });
      if (S.currentChannel === 'email') {
        S.mailFiles.push({ id: parseMeta(m).attachment, name: file.name });
        showMailFiles();
        scheduleCheck();
      }
    } catch (err) { fileError(`${file.name}: ${err.message}`); }
  }
});

// ---- Collision, presence, visitors, mentions -----------------------------------------------------
function showCollision() {
  const names = [...viewers.values()];
  collision.hidden = !names.length;
  collision.textContent = names.length ? fill(root.collision, 'name', names.join(', ')) : '';
}

// How many chats at once automatic assignment gives this agent.
$('pref-capacity').addEventListener('change', async (e) => {
  const err = $('pref-error');
  err.hidden = true;
  try {
    await api('/api/v1/me/presence', { method: 'PUT', body: JSON.stringify({ presence: $('presence').value, max_chats: Number(e.target.value) }) });
  } catch (x) { err.textContent = x.message; err.hidden = false; }
});
$('presence').addEventListener('change', (e) => sessionStorage.setItem('kefu_presence_chosen', '1') || api('/api/v1/me/presence', { method: 'PUT', body: JSON.stringify({ presence: e.target.value }) }));

// ---- Who else is at work -----------------------------------------------------------------------
const roster = new Map(); // agent id -> {name, presence, connected, open_chats, max_chats}
function showRoster() {
  $('roster').replaceChildren(...[...roster.entries()].map(([, a]) => {
    const li = document.createElement('li');
    const badge = document.createElement('span');
    const on = a.presence === 'online' && a.connected;
    badge.className = 'badge ' + (on ? 'ok' : a.presence === 'away' ? 'warn' : '');
    badge.textContent = word('presence', a.connected ? a.presence : 'offline');
    li.append(`${a.name} `, badge, ` ${a.open_chats}/${a.max_chats}`);
    return li;
  }));
}

// The indicator clears itself should the "stopped typing" signal be lost.
let typingTimer = null;
function showTyping(on) {
  typing.hidden = !on;
  clearTimeout(typingTimer);
  if (on) typingTimer = setTimeout(() => { typing.hidden = true; }, 6000);
}

const socket = new ChatSocket({
  credentials: async () => ({ token: (await api('/api/v1/realtime/token', { method: 'POST' })).token }),
  onState: (s) => {
    state.textContent = s === 'online' ? '' : root.offline;
    if (s === 'online' && S.current) socket.viewing(S.current, true);
  },
  onFrame: (f) => {
    if (f.type === 'message') {
      if (f.conversation === S.current) {
        show(f);
        socket.read(S.current, f.seq);
        seen(f.conversation);
        if (f.author.kind === 'contact') showTyping(false);
        if (f.kind === 'event' || f.kind === 'activity') loadContext();
      }
      if (!heard(f)) {
        loadList();
        if (f.author.kind === 'contact') alertAgent('new', f.body, f.conversation);
      }
      const meta = f.kind === 'event' || f.kind === 'activity' ? parseMeta(f) : {};
      if (meta.event === 'assigned' && meta.to === me?.id && meta.by !== (me?.name || me?.email)) alertAgent('assigned', f.body, f.conversation);
    } else if (f.type === 'read' && f.conversation === S.current && f.reader === S.currentCustomer) {
      markRead(f.seq);
    } else if (f.type === 'typing' && f.conversation === S.current && f.who.kind === 'contact') {
      showTyping(f.on);
    } else if (f.type === 'viewing' && f.conversation === S.current && f.who.id !== me?.id) {
      const fresh = f.on && !viewers.has(f.who.id);
      if (f.on) viewers.set(f.who.id, f.who.name); else viewers.delete(f.who.id);
      showCollision();
      // Answer a newcomer once, so that they learn we are here too.
      if (fresh) socket.viewing(S.current, true);
    } else if (f.type === 'presence') {
      const a = roster.get(f.user);
      if (a) { a.presence = f.state; a.connected = true; showRoster(); }
    } else if (f.type === 'notification') {
      mentionArrived();
      alertAgent('mention', f.body, f.conversation);
    } else if (f.type === 'resync') {
      loadList();
      loadContext();
    }
  },
});

Object.assign(calls, { item, open, loadContext, loadList, addresses, showMailFiles, change, order });

async function start() {
  me = await api('/api/v1/me');
  loadCategories();
  loadSignatures();
  const [agents, teams] = await Promise.all([api('/api/v1/agents'), api('/api/v1/teams')]);
  for (const a of agents) {
    roster.set(a.id, { name: a.name || a.email, presence: a.presence, connected: a.connected, open_chats: a.open_chats, max_chats: a.max_chats });
    const o = document.createElement('option');
    o.value = a.id;
    o.textContent = a.name || a.email;
    $('assignee').append(o);
    if (a.id === me.id) { $('presence').value = a.presence; $('pref-capacity').value = a.max_chats; }
  }
  for (const t of teams) {
    const o = document.createElement('option');
    o.value = t.id;
    o.textContent = t.name;
    $('team').append(o);
  }
  // Coming to the console means being at work, unless the agent chose otherwise in this tab.
  if ($('presence').value === 'offline' && !sessionStorage.getItem('kefu_presence_chosen')) {
    $('presence').value = 'online';
    api('/api/v1/me/presence', { method: 'PUT', body: JSON.stringify({ presence: 'online' }) }).catch(() => {});
  }
  showRoster();
  await loadList();
  // A link to one conversation (`/console#<id>`, from a report or a mail) opens it.
  const linked = location.hash.slice(1);
  if (/^[0-9A-Za-z]{10,40}$/.test(linked)) open(linked);
}
start();
// Load figures change with every assignment: refresh the roster now and then.
setInterval(async () => {
  try {
    for (const a of await api('/api/v1/agents')) roster.set(a.id, { name: a.name || a.email, presence: a.presence, connected: a.connected, open_chats: a.open_chats, max_chats: a.max_chats });
    showRoster();
  } catch { /* next time */ }
}, 30000);
