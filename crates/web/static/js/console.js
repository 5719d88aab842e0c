// The agent console: views of the conversations this agent may see (mine, unassigned, all; by
// status, stage and customer), one open conversation with its messages as they arrive, actions
// (assign, transfer, status, stage, priority, tags, snooze), replies with files and private
// notes with @mentions, the customer sidebar, presence, live visitors and collision warnings,
// and help-centre articles to answer with.
import { ChatSocket, newId, textNode } from './socket.js';

const csrf = document.querySelector('meta[name=csrf-token]').content;
const root = document.querySelector('.console').dataset;
const $ = (id) => document.getElementById(id);
const listEl = $('conversations');
const pane = $('messages');
const title = $('title');
const form = $('composer');
const input = $('body');
const noteBox = $('note');
const typing = $('typing');
const state = $('state');
const collision = $('collision');
const items = new Map(); // conversation id -> list item
const bubbles = new Map();
const viewers = new Map(); // agent id -> name, for the open conversation
const agentBySeq = new Map(); // seq -> element of agents' replies, for read receipts
let readUpTo = 0; // the newest sequence the customer has read, in the open conversation
const fill = (tpl, key, value) => tpl.replace('{' + key + '}', value);
const word = (kind, v) => root[kind + v.replace(/^./, (c) => c.toUpperCase())] || v;
let current = null;
let currentCustomer = null;
let currentChannel = 'widget';
let mailFiles = []; // files uploaded for the next mail: {id, name}
let me = null;
let view = 'all';

async function api(path, options = {}) {
  const r = await fetch(path, { ...options, credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, ...(options.headers || {}) } });
  if (r.status === 401) { location.href = '/login?next=/console'; throw new Error('signed out'); }
  if (!r.ok) {
    const e = (await r.json().catch(() => ({}))).error || {};
    throw Object.assign(new Error(e.message || r.statusText), { code: e.code });
  }
  return r.status === 204 ? null : r.json();
}

// ---- The list ---------------------------------------------------------------------------------
function item(c) {
  let li = items.get(c.id);
  if (!li) {
    li = document.createElement('li');
    li.dataset.id = c.id;
    li.addEventListener('click', () => open(c.id));
    items.set(c.id, li);
  }
  li.replaceChildren();
  const s = document.createElement('strong');
  s.textContent = `#${c.number} ${c.subject || root.untitled}`;
  const meta = document.createElement('span');
  meta.className = 'meta';
  const parts = [word('status', c.status), word('stage', c.stage)];
  if (c.ticket_type && c.ticket_type !== 'question') parts.push(word('type', c.ticket_type));
  if (c.priority === 'high' || c.priority === 'urgent') parts.push(word('priority', c.priority));
  if (c.tags.length) parts.push(c.tags.map((t) => '#' + t).join(' '));
  meta.textContent = parts.join(' · ');
  li.append(s, meta);
  if (c.sla_due) li.append(slaBadge(c.sla_metric, c.sla_due));
  li.classList.toggle('active', c.id === current);
  return li;
}

/** "in 2 h 5 min" / "12 min": a span of time, short. */
function span(ms) {
  const m = Math.max(1, Math.round(Math.abs(ms) / 60000));
  const zh = document.documentElement.lang.startsWith('zh');
  if (m < 60) return zh ? `${m} 分钟` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return zh ? `${h} 小时 ${m % 60} 分钟` : `${h} h ${m % 60} min`;
  return zh ? `${Math.floor(h / 24)} 天` : `${Math.floor(h / 24)} d`;
}

/** A service-level target: which, and when it is due (or how late it is). */
function slaBadge(metric, due) {
  const b = document.createElement('span');
  const left = due - Date.now();
  b.className = 'sla ' + (left < 0 ? 'late' : left < 30 * 60000 ? 'soon' : 'ok');
  b.textContent = `${word('sla', metric)} ${fill(left < 0 ? root.slaLate : root.slaIn, 't', span(left))}`;
  b.title = new Date(due).toLocaleString();
  return b;
}

async function loadList() {
  const q = new URLSearchParams({ view, status: $('filter-status').value, stage: $('filter-stage').value, q: $('search').value.trim() });
  const convs = await api('/api/v1/conversations?' + q);
  listEl.replaceChildren(...convs.map(item));
  if (!convs.length) { const p = document.createElement('li'); p.className = 'muted'; p.textContent = root.empty; listEl.append(p); }
}
let searchTimer = null;
$('search').addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(loadList, 250); });
$('filter-status').addEventListener('change', loadList);
$('filter-stage').addEventListener('change', loadList);
for (const b of document.querySelectorAll('.views button')) {
  b.addEventListener('click', () => {
    view = b.dataset.view;
    for (const o of document.querySelectorAll('.views button')) o.classList.toggle('active', o === b);
    loadList();
  });
}

// ---- Messages ---------------------------------------------------------------------------------
function parseMeta(m) { try { return JSON.parse(m.meta || '{}'); } catch { return {}; } }

function show(m, pending = false) {
  const key = m.cid || m.id;
  let el = bubbles.get(key);
  if (!el) { el = document.createElement('div'); pane.append(el); bubbles.set(key, el); }
  el.replaceChildren();
  if (m.kind === 'event' || m.kind === 'activity') {
    el.className = 'event';
    const meta = parseMeta(m);
    el.textContent = eventText(meta, m.body);
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
    body.prepend(head);
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
      a.href = `/api/v1/conversations/${encodeURIComponent(m.conversation_id || current)}/messages/${encodeURIComponent(m.id)}/original`;
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
        const c = await api(`/api/v1/conversations/${current}/split`, { method: 'POST', body: JSON.stringify({ message_id: m.id }) });
        await loadList();
        open(c.id);
      } catch (err) { alert(err.message); }
    });
    el.append(split);
  }
  if (kind === 'agent' && m.kind !== 'note' && m.seq) {
    agentBySeq.set(m.seq, el);
    // A bubble drawn again (its echo can come after the customer read it) keeps its receipt.
    if (m.seq <= readUpTo) markRead(readUpTo);
  }
  pane.scrollTop = pane.scrollHeight;
}

/** The customer read up to `seq`: the newest reply up to there says so. */
function markRead(seq) {
  readUpTo = Math.max(readUpTo, seq);
  const upTo = [...agentBySeq.keys()].filter((s) => s <= readUpTo);
  if (!upTo.length) return;
  pane.querySelectorAll('.receipt').forEach((r) => r.remove());
  const r = document.createElement('div');
  r.className = 'receipt muted';
  r.textContent = root.read;
  agentBySeq.get(Math.max(...upTo)).append(r);
}

/** An event or activity in the agent's language, from its structured data. */
function eventText(meta, fallback) {
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
  if (current && current !== id) socket.viewing(current, false);
  current = id;
  viewers.clear();
  showCollision();
  for (const [cid, li] of items) li.classList.toggle('active', cid === id);
  items.get(id)?.classList.remove('unread');
  pane.replaceChildren();
  bubbles.clear();
  agentBySeq.clear();
  readUpTo = 0;
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
  if (!current) return;
  const ctx = await api(`/api/v1/conversations/${current}/context`);
  const c = ctx.conversation;
  currentCustomer = c.customer_id;
  if (currentChannel !== ctx.channel) {
    currentChannel = ctx.channel;
    mailFiles = [];
    showMailFiles();
  }
  $('mail-fields').hidden = currentChannel !== 'email';
  const subj = $('mail-subject');
  if (currentChannel === 'email' && subj.dataset.conv !== c.id) {
    subj.value = /^re:/i.test(c.subject) ? c.subject : `Re: ${c.subject}`;
    subj.dataset.conv = c.id;
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
  $('visitors').hidden = true;
  $('mentions').hidden = true;
  const cu = ctx.customer || {};
  $('customer-name').textContent = cu.name || root.visitor;
  const v = $('customer-verified');
  v.textContent = cu.verified ? root.verified : root.anonymous;
  v.className = 'badge ' + (cu.verified ? 'ok' : 'warn');
  $('customer-email').textContent = cu.email || '';
  $('customer-phone').textContent = cu.phone || '';
  const q = $('queue-position');
  q.hidden = !ctx.queue_position;
  q.textContent = ctx.queue_position ? fill(root.queue, 'n', ctx.queue_position) : '';
  $('trail').replaceChildren(...ctx.trail.map((p) => {
    const li = document.createElement('li');
    li.textContent = `${p.title || p.url} — ${p.url} (${Math.max(1, Math.round((p.last_seen_at - p.started_at) / 1000))} s)`;
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
      : await api(`/api/v1/conversations/${current}/suggestions`);
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
    const a = await api(`/api/v1/conversations/${current}/article`, {
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
    const c = await api(`/api/v1/conversations/${current}`, { method: 'PATCH', body: JSON.stringify(patch) });
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
  $('mail-files').textContent = mailFiles.length ? `${root.mailAttached}: ${mailFiles.map((f) => f.name).join(', ')}` : '';
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

let acceptWarnings = false;
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = input.value.trim();
  if (!body || !current) return;
  const cid = newId();
  const note = noteBox.checked;
  const accept = acceptWarnings;
  acceptWarnings = false;
  if (currentChannel === 'email' && !note) {
    // A mail: recipients, signature and files as the agent set them; kept until it is stored.
    const reply = { body, client_id: cid, to: addresses('mail-to'), cc: addresses('mail-cc'), bcc: addresses('mail-bcc'),
      attachment_ids: mailFiles.map((f) => f.id), subject: $('mail-subject').value, accept_warnings: accept };
    if ($('mail-signature').value) reply.signature_id = $('mail-signature').value;
    try {
      const m = await api(`/api/v1/conversations/${current}/mail`, { method: 'POST', body: JSON.stringify(reply) });
      input.value = '';
      $('mail-bcc').value = '';
      mailFiles = [];
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
    await socket.send(current, body, note, cid, accept);
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

$('file').addEventListener('change', async (e) => {
  const files = [...e.target.files];
  e.target.value = '';
  if (!current) return;
  for (const file of files) {
    try {
      const m = await api(`/api/v1/conversations/${current}/attachments?name=${encodeURIComponent(file.name)}&client_id=${newId()}`,
        { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file });
      show({ ...m, cid: m.client_id });
      if (currentChannel === 'email') {
        mailFiles.push({ id: parseMeta(m).attachment, name: file.name });
        showMailFiles();
        scheduleCheck();
      }
    } catch (err) { alert(err.message); }
  }
});

// ---- Collision, presence, visitors, mentions -----------------------------------------------------
function showCollision() {
  const names = [...viewers.values()];
  collision.hidden = !names.length;
  collision.textContent = names.length ? fill(root.collision, 'name', names.join(', ')) : '';
}

$('presence').addEventListener('change', (e) => sessionStorage.setItem('kefu_presence_chosen', '1') || api('/api/v1/me/presence', { method: 'PUT', body: JSON.stringify({ presence: e.target.value }) }));

async function showVisitors() {
  const list = await api('/api/v1/visitors/live');
  $('customer').hidden = true;
  $('mentions').hidden = true;
  $('visitors').hidden = false;
  const ul = $('visitor-list');
  ul.replaceChildren(...list.map((v) => {
    const li = document.createElement('li');
    li.textContent = `${v.name || v.email || root.visitor} — ${v.title || v.url} (${v.url})`;
    return li;
  }));
  if (!list.length) { const li = document.createElement('li'); li.textContent = root.noVisitors; ul.append(li); }
}
$('show-visitors').addEventListener('click', showVisitors);
// While the list is open it stays current.
setInterval(() => { if (!$('visitors').hidden) showVisitors().catch(() => {}); }, 15000);

let unreadMentions = 0;
function mentionBadge() {
  const b = $('mention-count');
  b.hidden = !unreadMentions;
  b.textContent = String(unreadMentions);
}
async function showMentions() {
  const list = await api('/api/v1/notifications');
  $('customer').hidden = true;
  $('visitors').hidden = true;
  $('mentions').hidden = false;
  const ul = $('mention-list');
  ul.replaceChildren(...list.map((n) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = '#';
    a.textContent = n.body;
    if (!n.read_at) a.style.fontWeight = '600';
    a.addEventListener('click', async (e) => {
      e.preventDefault();
      if (!n.read_at) await api(`/api/v1/notifications/${n.id}/read`, { method: 'POST' }).catch(() => {});
      open(n.conversation_id);
    });
    li.append(a);
    return li;
  }));
  if (!list.length) { const li = document.createElement('li'); li.textContent = root.noNotifications; ul.append(li); }
  unreadMentions = 0;
  mentionBadge();
}
$('show-mentions').addEventListener('click', showMentions);

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
    if (s === 'online' && current) socket.viewing(current, true);
  },
  onFrame: (f) => {
    if (f.type === 'message') {
      if (f.conversation === current) {
        show(f);
        socket.read(current, f.seq);
        if (f.author.kind === 'contact') showTyping(false);
        if (f.kind === 'event' || f.kind === 'activity') loadContext();
      } else if (items.has(f.conversation)) {
        items.get(f.conversation).classList.add('unread');
      } else {
        loadList();
      }
    } else if (f.type === 'read' && f.conversation === current && f.reader === currentCustomer) {
      markRead(f.seq);
    } else if (f.type === 'typing' && f.conversation === current && f.who.kind === 'contact') {
      showTyping(f.on);
    } else if (f.type === 'viewing' && f.conversation === current && f.who.id !== me?.id) {
      const fresh = f.on && !viewers.has(f.who.id);
      if (f.on) viewers.set(f.who.id, f.who.name); else viewers.delete(f.who.id);
      showCollision();
      // Answer a newcomer once, so that they learn we are here too.
      if (fresh) socket.viewing(current, true);
    } else if (f.type === 'presence') {
      const a = roster.get(f.user);
      if (a) { a.presence = f.state; a.connected = true; showRoster(); }
    } else if (f.type === 'notification') {
      unreadMentions += 1;
      mentionBadge();
    } else if (f.type === 'resync') {
      loadList();
      loadContext();
    }
  },
});

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
    if (a.id === me.id) $('presence').value = a.presence;
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
}
start();
// Load figures change with every assignment: refresh the roster now and then.
setInterval(async () => {
  try {
    for (const a of await api('/api/v1/agents')) roster.set(a.id, { name: a.name || a.email, presence: a.presence, connected: a.connected, open_chats: a.open_chats, max_chats: a.max_chats });
    showRoster();
  } catch { /* next time */ }
}, 30000);

// ---- The ticket: SLA, case, fields, macros, merge ---------------------------------------------
let fieldDefs = [];
let currentConv = null;

function showSla(clock) {
  const line = $('sla');
  line.replaceChildren();
  const running = [];
  if (clock) {
    if (!clock.first_response_at && clock.first_response_due) running.push(['first_response', clock.first_response_due]);
    if (clock.next_response_due) running.push(['next_response', clock.next_response_due]);
    if (!clock.resolved_at && clock.resolution_due) running.push(['resolution', clock.resolution_due]);
  }
  line.hidden = !running.length;
  for (const [m, due] of running) line.append(slaBadge(m, due), ' ');
}

function ticketError(text) { const e = $('ticket-error'); e.textContent = text || ''; e.hidden = !text; }

function showTicket(c, kase) {
  currentConv = c;
  $('ticket').hidden = false;
  ticketError('');
  $('ticket-number').textContent = `#${c.number}`;
  $('call-link').href = `/console/calls?conversation=${encodeURIComponent(c.id)}`;
  const box = $('case-box');
  box.hidden = !kase;
  $('case-open').hidden = !!kase;
  if (kase) {
    $('case-tracking').textContent = kase.tracking;
    $('case-status').textContent = word('case', kase.status);
    $('case-facts').textContent = [kase.order_ref, kase.category, kase.severity && word('caseSeverity', kase.severity), kase.resolution && word('case', kase.resolution), kase.reason]
      .filter(Boolean).join(' · ');
    $('case-moves').replaceChildren(...kase.next.map((st) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'secondary';
      b.dataset.status = st;
      b.textContent = word('case', st);
      b.addEventListener('click', async () => {
        try {
          await api(`/api/v1/conversations/${current}/case/status`, { method: 'POST',
            body: JSON.stringify({ status: st, note: $('case-note').value.trim() }) });
          $('case-note').value = '';
          loadContext();
        } catch (err) { ticketError(err.message); }
      });
      return b;
    }));
  }
  renderFields(c);
}

function renderFields(c) {
  const f = $('fields-form');
  if (document.activeElement && f.contains(document.activeElement)) return;
  f.replaceChildren();
  if (!fieldDefs.length) return;
  const values = c.fields || {};
  for (const d of fieldDefs) {
    const label = document.createElement('label');
    label.textContent = d.label + (d.required ? ' *' : '');
    let input;
    if (d.kind === 'select') {
      input = document.createElement('select');
      input.append(new Option('—', ''), ...d.options.map((o) => new Option(o, o)));
    } else {
      input = document.createElement('input');
      input.type = { number: 'number', date: 'date', checkbox: 'checkbox' }[d.kind] || 'text';
    }
    input.name = d.key;
    if (d.kind === 'checkbox') input.checked = values[d.key] === true;
    else input.value = values[d.key] ?? '';
    label.append(input);
    f.append(label);
  }
  const save = document.createElement('button');
  save.className = 'secondary';
  save.textContent = root.saveFields || 'OK';
  f.append(save);
}

$('fields-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const fields = {};
  for (const d of fieldDefs) {
    const el = e.target.elements[d.key];
    if (d.kind === 'checkbox') fields[d.key] = el.checked;
    else if (el.value === '') fields[d.key] = null;
    else fields[d.key] = d.kind === 'number' ? Number(el.value) : el.value;
  }
  try {
    await api(`/api/v1/conversations/${current}`, { method: 'PATCH', body: JSON.stringify({ fields }) });
    ticketError('');
    loadContext();
  } catch (err) { ticketError(err.message); }
});

$('case-open-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = e.target;
  const kind = f.kind.value;
  const body = { kind, order_ref: f.order_ref.value.trim() };
  if (kind === 'claim') Object.assign(body, { resolution: f.resolution.value, reason: f.reason.value.trim() });
  else Object.assign(body, { category: f.category.value, severity: f.severity.value });
  try {
    await api(`/api/v1/conversations/${current}/case`, { method: 'POST', body: JSON.stringify(body) });
    $('case-open').open = false;
    loadContext();
  } catch (err) { ticketError(err.message); }
});

async function loadMacros() {
  try {
    const list = await api('/api/v1/macros');
    const sel = $('macro');
    sel.replaceChildren(sel.options[0], ...list.map((m) => new Option(m.name, m.id)));
  } catch { /* no macros */ }
}

$('apply-macro').addEventListener('click', async () => {
  const id = $('macro').value;
  if (!id || !current) return;
  try {
    const r = await api(`/api/v1/conversations/${current}/macros/${id}`, { method: 'POST' });
    ticketError(r.unfilled.length ? r.unfilled.map((v) => `{${v}}`).join(' ') : '');
    item(r.conversation);
    loadContext();
  } catch (err) { ticketError(err.message); }
});

$('merge').addEventListener('click', async () => {
  const n = $('merge-into').value.trim().replace(/^#/, '');
  if (!n || !current) return;
  try {
    const found = await api('/api/v1/conversations?q=' + encodeURIComponent('#' + n));
    const target = found.find((c) => String(c.number) === n);
    if (!target) throw new Error('#' + n + ' ?');
    const c = await api(`/api/v1/conversations/${current}/merge`, { method: 'POST', body: JSON.stringify({ into: target.id }) });
    $('merge-into').value = '';
    await loadList();
    open(c.id);
  } catch (err) { ticketError(err.message); }
});

api('/api/v1/ticket-fields').then((d) => { fieldDefs = d; if (currentConv) renderFields(currentConv); }).catch(() => {});
loadMacros();
// Due times move on: the list is redrawn every minute.
setInterval(() => loadList().catch(() => {}), 60000);

// ---- The quality check as the agent types -------------------------------------------------------
// Forbidden phrases are found while typing (and the reply is checked again when sent); an
// e-mail's etiquette too. Warnings can be overridden with "send anyway", which is recorded.
let qualityTimer = null;
let lastFound = { phrases: [], mail: [] };
// Why the server refused the last send, shown above the findings until the agent edits.
let refusal = null;

function hideQuality() {
  $('quality').hidden = true;
  $('send-anyway').hidden = true;
  lastFound = { phrases: [], mail: [] };
}

function etiquetteText(f) {
  const tpl = word('etq', f.code) || f.code;
  return fill(tpl, 'detail', f.detail || '');
}

function showQuality(v, text) {
  lastFound = v;
  const box = $('quality');
  const list = $('quality-list');
  list.replaceChildren();
  if (refusal) {
    const li = document.createElement('li');
    li.className = refusal.className;
    li.textContent = refusal.text;
    list.append(li);
  }
  const preview = $('quality-preview');
  preview.replaceChildren();
  if (v.phrases.length) {
    // The reply with the phrases marked, built from text nodes (never HTML).
    let at = 0;
    const chars = [...text];
    for (const f of v.phrases) {
      if (f.char_start < at) continue;
      preview.append(chars.slice(at, f.char_start).join(''));
      const m = document.createElement('mark');
      m.className = f.severity;
      m.textContent = chars.slice(f.char_start, f.char_end).join('');
      preview.append(m);
      at = f.char_end;
    }
    preview.append(chars.slice(at).join(''));
  }
  preview.hidden = !v.phrases.length;
  for (const f of v.phrases) {
    const li = document.createElement('li');
    li.className = f.severity;
    const q = document.createElement('strong');
    q.textContent = `“${f.found}”`;
    li.append(q, ' ', f.suggestion);
    list.append(li);
  }
  for (const f of v.mail) {
    const li = document.createElement('li');
    li.className = f.severity;
    li.dataset.code = f.code;
    li.textContent = etiquetteText(f);
    list.append(li);
  }
  // A phrase's variable that could not be filled in is still in the text: say so.
  const blanks = [...new Set(text.match(/\{(?:customer|agent|order|shop|ticket)\.[a-z_]+\}/g) || [])];
  if (blanks.length) {
    const li = document.createElement('li');
    li.className = 'warn';
    li.dataset.code = 'unfilled';
    li.textContent = fill(root.phraseUnfilled, 'names', blanks.join(' '));
    list.append(li);
  }
  $('quality-zip').hidden = !v.mail.some((f) => f.code === 'too_many_attachments');
  box.hidden = !v.phrases.length && !v.mail.length && !blanks.length && !refusal;
}

async function checkNow() {
  if (!current || noteBox.checked) { hideQuality(); return; }
  const text = input.value;
  try {
    let v;
    if (currentChannel === 'email') {
      v = await api(`/api/v1/conversations/${current}/mail/check`, { method: 'POST', body: JSON.stringify({
        subject: $('mail-subject').value, body: text, attachment_ids: mailFiles.map((f) => f.id),
        signature_id: $('mail-signature').value || null, to: addresses('mail-to'), cc: addresses('mail-cc'), bcc: addresses('mail-bcc') }) });
      // Etiquette speaks once there is something to judge.
      if (!text.trim()) v.mail = v.mail.filter((f) => f.code === 'blank_subject');
    } else {
      v = text.trim() ? await api('/api/v1/quality/check', { method: 'POST', body: JSON.stringify({ text }) }) : { phrases: [], mail: [] };
    }
    showQuality(v, text);
  } catch { /* the check on sending still applies */ }
}

function scheduleCheck() {
  clearTimeout(qualityTimer);
  $('send-anyway').hidden = true;
  refusal = null;
  qualityTimer = setTimeout(checkNow, 200);
}
input.addEventListener('input', scheduleCheck);
noteBox.addEventListener('change', scheduleCheck);
for (const id of ['mail-subject', 'mail-to', 'mail-cc', 'mail-bcc', 'mail-signature']) $(id).addEventListener('input', scheduleCheck);

/** The server refused a reply: say why; warnings can be sent anyway. */
function refused(code, message) {
  clearTimeout(qualityTimer);
  const known = code === 'reply_blocked' || code === 'reply_warnings';
  // The findings themselves come from the check, in the agent's language.
  refusal = {
    className: code === 'reply_blocked' ? 'block' : 'warn',
    text: known ? (code === 'reply_blocked' ? root.qualityBlocked : root.qualityWarned) : message,
  };
  showQuality(lastFound, input.value);
  $('send-anyway').hidden = code !== 'reply_warnings';
  if (known) checkNow();
}

$('send-anyway').addEventListener('click', () => {
  acceptWarnings = true;
  form.requestSubmit();
});

$('quality-zip').addEventListener('click', async () => {
  try {
    const r = await api(`/api/v1/conversations/${current}/attachments/zip`, { method: 'POST',
      body: JSON.stringify({ attachment_ids: mailFiles.map((f) => f.id) }) });
    mailFiles = [{ id: r.attachment.id, name: r.attachment.name }];
    showMailFiles();
    checkNow();
  } catch (err) { refused('', err.message); }
});

// ---- Standard phrases: "/" and a few letters, greetings first, thanks at the close -------------
let phrases = [];
let picked = 0;
let pickerMatches = [];

async function loadPhrases() {
  try { phrases = await api('/api/v1/phrases'); } catch { phrases = []; }
}

/** The `/query` just before the caret, if the agent is looking for a phrase. */
function slashQuery() {
  const before = input.value.slice(0, input.selectionStart ?? input.value.length);
  const m = before.match(/(?:^|\s)\/([^\s/]{0,20})$/);
  return m ? { query: m[1].toLowerCase(), start: before.length - m[1].length - 1 } : null;
}

function phraseLabel(p) {
  return `${word('kind', p.kind)} · ${p.title}`;
}

function showPicker() {
  const q = slashQuery();
  const picker = $('phrase-picker');
  if (!q || noteBox.checked) { picker.hidden = true; return; }
  pickerMatches = phrases.filter((p) => {
    if (!q.query) return true;
    const hay = `${p.title} ${p.kind} ${word('kind', p.kind)} ${p.body_zh} ${p.body_en}`.toLowerCase();
    return hay.includes(q.query);
  }).slice(0, 8);
  picked = Math.min(picked, Math.max(0, pickerMatches.length - 1));
  picker.replaceChildren(...pickerMatches.map((p, i) => {
    const li = document.createElement('li');
    li.setAttribute('role', 'option');
    li.className = i === picked ? 'active' : '';
    const t = document.createElement('strong');
    t.textContent = phraseLabel(p);
    const b = document.createElement('span');
    b.textContent = p.body_zh || p.body_en;
    li.append(t, b);
    li.addEventListener('mousedown', (e) => { e.preventDefault(); usePhrase(p, q); });
    return li;
  }));
  picker.hidden = !pickerMatches.length;
}

/** Puts a phrase, filled in for this conversation, where `/query` was (or at the caret). */
async function usePhrase(p, q = slashQuery()) {
  $('phrase-picker').hidden = true;
  let filled;
  try { filled = await api(`/api/v1/conversations/${current}/phrases/${p.id}`, { method: 'POST' }); } catch (err) { alert(err.message); return; }
  const at = input.selectionStart ?? input.value.length;
  const start = q ? q.start : at;
  input.value = input.value.slice(0, start) + filled.text + input.value.slice(at);
  const caret = start + filled.text.length;
  input.focus();
  input.setSelectionRange(caret, caret);
  scheduleCheck();
  showSuggestions();
}

input.addEventListener('input', () => { picked = 0; showPicker(); });
input.addEventListener('keydown', (e) => {
  const picker = $('phrase-picker');
  if (picker.hidden) return;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    picked = (picked + (e.key === 'ArrowDown' ? 1 : pickerMatches.length - 1)) % pickerMatches.length;
    showPicker();
  } else if (e.key === 'Enter' || e.key === 'Tab') {
    e.preventDefault();
    e.stopImmediatePropagation();
    if (pickerMatches[picked]) usePhrase(pickerMatches[picked]);
  } else if (e.key === 'Escape') {
    picker.hidden = true;
  }
}, true);
input.addEventListener('blur', () => setTimeout(() => { $('phrase-picker').hidden = true; }, 150));

/** Greetings for the first reply; thanks when the conversation is closing. */
function showSuggestions() {
  const box = $('phrase-suggest');
  box.replaceChildren();
  if (!current || noteBox.checked || input.value.trim()) { box.hidden = true; return; }
  const replied = [...pane.querySelectorAll('.bubble.mine:not(.note)')].length > 0;
  const closing = $('status').value === 'resolved';
  const kind = !replied ? 'greeting' : closing ? 'thanks' : null;
  const list = kind ? phrases.filter((p) => p.kind === kind).slice(0, 4) : [];
  if (!list.length) { box.hidden = true; return; }
  box.append(kind === 'greeting' ? root.phraseGreeting : root.phraseThanks, ' ');
  for (const p of list) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'chip';
    b.textContent = p.title;
    b.addEventListener('click', () => usePhrase(p, null));
    box.append(b);
  }
  box.hidden = false;
}
input.addEventListener('input', showSuggestions);
$('status').addEventListener('change', showSuggestions);
loadPhrases().then(showSuggestions);
