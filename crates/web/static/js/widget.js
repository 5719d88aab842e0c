// The chat inside the widget's iframe: a visitor token kept in this origin's storage, the
// visitor's latest conversation, the socket, and around them the pre-chat and offline forms,
// files, the queue, the transcript, page reports for browse consult and proactive invitations.
// Nothing from the network is put into innerHTML, except the body of a help-centre article,
// which the server renders from Markdown with raw HTML escaped and only safe link targets.
import { ChatSocket, newId, textNode } from './socket.js';

const data = document.body.dataset;
const inbox = data.inbox;
const storeKey = 'kefu_visitor_' + inbox;
const $ = (id) => document.getElementById(id);
const list = $('messages');
const form = $('composer');
const input = $('body');
const status = $('status');
const queueEl = $('queue');
const prechat = $('prechat');
const offline = $('offline');
const transcript = $('transcript');
const bubbles = new Map(); // cid or id -> element
const fill = (tpl, key, value) => tpl.replace('{' + key + '}', value);
let token = null;
let conversation = null;
const mineBySeq = new Map(); // seq -> element of the visitor's own messages, for read receipts
let readUpTo = 0; // the newest sequence an agent has read
let info = null; // /widget/api/status
let socket;
let readOnConnect = 0; // the history shown at start counts as read once the socket is up

// ---- Unread replies: counted while the chat is closed, kept across reloads --------------------
let widgetOpen = false; // the loader says whether the shop's page shows the chat
const theirs = new Set(); // sequence numbers of the shop's messages (agents, bots) in view
const seenKey = () => 'kefu_seen_' + conversation;
const store = {
  get(k) { try { return localStorage.getItem(k); } catch { return null; } },
  set(k, v) { try { localStorage.setItem(k, v); } catch { /* private mode */ } },
};
function seenSeq() { return conversation ? Number(store.get(seenKey()) || 0) : 0; }
function tellUnread() {
  const seen = seenSeq();
  const n = [...theirs].filter((s) => s > seen).length;
  parent.postMessage({ kefu: 'unread', count: n }, '*');
}
/** The chat is in view: everything in it counts as seen, by the visitor and for the agent. */
function seeAll() {
  if (!conversation || !widgetOpen || document.hidden) return;
  const last = Math.max(0, ...theirs);
  if (last > seenSeq()) {
    store.set(seenKey(), String(last));
    socket?.read(conversation, last);
  }
  tellUnread();
}
document.addEventListener('visibilitychange', seeAll);

/** An error from the server, with its stable code (the text shown is ours, in the visitor's
 * language: see `errorText`). */
class ApiError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

async function failure(r) {
  const e = (await r.json().catch(() => ({}))).error || {};
  return new ApiError(e.code || (r.status === 413 ? 'payload_too_large' : 'failed'), e.message || r.statusText);
}

async function api(path, options = {}) {
  const r = await fetch(path, { ...options, headers: { 'content-type': 'application/json', 'x-kefu-visitor': token, ...(options.headers || {}) } });
  if (r.status === 401) { localStorage.removeItem(storeKey); throw new ApiError('unauthorized', 'unauthorized'); }
  if (!r.ok) throw await failure(r);
  return r.status === 204 || r.status === 202 ? null : r.json();
}

// ---- Errors, in the visitor's language, naming the limit; gone once something succeeds -------
const errorEl = $('error');
const maxFileBytes = Number(data.maxFileBytes || 0);
const mb = (n) => String(Math.round(n / 1048576));
function errorText(err, fallback = data.failed) {
  switch (err?.code) {
    case 'rate_limited': return data.tooFast;
    case 'payload_too_large': return fill(data.fileTooLarge, 'mb', mb(maxFileBytes));
    case 'file_type_mismatch': return data.fileType;
    case 'empty_file': return data.fileEmpty;
    case 'invalid_email': case 'email_required': return data.invalidEmail;
    default: return fallback;
  }
}
function showError(text) { errorEl.textContent = text; errorEl.hidden = false; }
function clearError() { errorEl.hidden = true; errorEl.textContent = ''; }

async function visitorToken() {
  const saved = localStorage.getItem(storeKey);
  if (saved) return saved;
  const r = await fetch('/widget/api/visitors', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inbox_id: inbox }) });
  if (!r.ok) throw new Error('visitor');
  const j = await r.json();
  localStorage.setItem(storeKey, j.visitor_token);
  return j.visitor_token;
}

function parseMeta(m) { try { return JSON.parse(m.meta || '{}'); } catch { return {}; } }

/** Fetches an attachment with the visitor's token (an <img src> could not send it). */
async function blobOf(id, inline) {
  const r = await fetch(`/widget/api/attachments/${id}${inline ? '?inline=1' : ''}`, { headers: { 'x-kefu-visitor': token } });
  if (!r.ok) throw new Error(r.statusText);
  return URL.createObjectURL(await r.blob());
}

function attachment(el, meta) {
  const save = async () => {
    const a = document.createElement('a');
    a.href = await blobOf(meta.attachment, false);
    a.download = meta.name;
    a.click();
  };
  const type = meta.content_type || '';
  if (type.startsWith('audio/') || type.startsWith('video/')) {
    // A voice note or a short video plays in the chat.
    const media = document.createElement(type.startsWith('audio/') ? 'audio' : 'video');
    media.controls = true;
    media.preload = 'metadata';
    blobOf(meta.attachment, true).then((u) => { media.src = u; }).catch(() => {});
    el.append(media);
    return;
  }
  if (type.startsWith('image/')) {
    const img = document.createElement('img');
    img.alt = meta.name;
    blobOf(meta.attachment, true).then((u) => { img.src = u; }).catch(() => {});
    img.addEventListener('click', save);
    el.append(img);
  } else {
    const a = document.createElement('a');
    a.href = '#';
    a.className = 'file';
    a.textContent = `${meta.name} (${Math.ceil((meta.size || 0) / 1024)} KB) · ${data.download}`;
    a.addEventListener('click', (e) => { e.preventDefault(); save(); });
    el.append(a);
  }
}

function show(m, pending = false) {
  const key = m.cid || m.id;
  let el = bubbles.get(key);
  if (!el) {
    el = document.createElement('div');
    list.append(el);
    bubbles.set(key, el);
  }
  el.replaceChildren();
  if (m.kind === 'event') {
    const meta = parseMeta(m);
    el.className = 'event';
    if (meta.event === 'assigned') el.textContent = fill(data.joined, 'name', meta.name || '');
    else if (meta.event === 'status' && meta.status === 'resolved') el.textContent = data.resolved;
    else el.remove();
    return;
  }
  const mine = (m.author?.kind || m.author_kind) === 'contact';
  if (!mine && m.seq && (m.kind === 'text' || m.kind === 'attachment')) theirs.add(m.seq);
  el.className = 'bubble ' + (mine ? 'mine' : 'theirs') + (pending ? ' pending' : '');
  const author = m.author?.name;
  if (!mine && author) {
    const who = document.createElement('div');
    who.className = 'who';
    who.textContent = author;
    el.append(who);
  }
  const body = document.createElement('div');
  if (m.kind === 'attachment') attachment(body, parseMeta(m));
  else textNode(body, m.body);
  el.append(body);
  if (mine && m.seq) mineBySeq.set(m.seq, el);
  // A bubble drawn again (its echo can come after the agent read it) keeps its receipt.
  if (mine && m.seq && m.seq <= readUpTo) markRead(readUpTo);
  list.scrollTop = list.scrollHeight;
}

/** An agent read up to `seq`: the newest own message up to there says so. */
function markRead(seq) {
  readUpTo = Math.max(readUpTo, seq);
  const upTo = [...mineBySeq.keys()].filter((s) => s <= readUpTo);
  if (!upTo.length) return;
  list.querySelectorAll('.receipt').forEach((r) => r.remove());
  const r = document.createElement('div');
  r.className = 'receipt';
  r.textContent = data.read;
  mineBySeq.get(Math.max(...upTo)).append(r);
}

function setStatus(s) {
  status.textContent = s === 'online' ? '' : data[s] || '';
  status.hidden = s === 'online';
}

function showQueue(position) {
  queueEl.hidden = !(position > 0);
  queueEl.textContent = position > 0 ? fill(data.queue, 'n', position) : '';
}

// Enter sends, Shift+Enter starts a new line; an Enter that ends an input method's composition
// (pinyin being turned into characters) only confirms the characters.
input.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter' || e.shiftKey || e.isComposing || e.keyCode === 229) return;
  e.preventDefault();
  form.requestSubmit();
});

let typingTimer = null;
input.addEventListener('input', () => {
  if (!conversation) return;
  if (!typingTimer) socket?.typing(conversation, true);
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => { socket?.typing(conversation, false); typingTimer = null; }, 2500);
});

// Self-service: before a chat starts, articles matching what the visitor types.
const suggest = $('suggest');
const articleEl = $('article');
const lang = document.documentElement.lang.startsWith('zh') ? 'zh' : 'en';
let suggestTimer = null;
let suggestedFor = '';
let typedIn = input; // the chat composer, or the offline form's message when nobody is online
for (const field of [input, offline.message]) {
  field.addEventListener('input', () => {
    if (conversation) return;
    typedIn = field;
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggestArticles, 250);
  });
}

async function suggestArticles() {
  const q = typedIn.value.trim();
  if (conversation || q.length < 2) { suggest.hidden = true; return; }
  let hits;
  try { hits = await api('/widget/api/articles?lang=' + lang + '&q=' + encodeURIComponent(q)); } catch { return; }
  if (q !== typedIn.value.trim()) return; // typed on meanwhile
  suggestedFor = q;
  const ul = suggest.querySelector('ul');
  ul.replaceChildren(...hits.map((h) => {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = h.title;
    b.addEventListener('click', () => openArticle(h.id));
    li.append(b);
    return li;
  }));
  suggest.hidden = hits.length === 0;
}

let hiddenForArticle = [];
async function openArticle(id) {
  const a = await api('/widget/api/articles/' + encodeURIComponent(id) + '?lang=' + lang);
  articleEl.dataset.id = a.id;
  articleEl.querySelector('h2').textContent = a.title;
  const prose = articleEl.querySelector('.prose');
  prose.innerHTML = a.html; // server-rendered Markdown, see the top of this file
  for (const link of prose.querySelectorAll('a')) { link.target = '_blank'; link.rel = 'noopener'; }
  articleEl.querySelector('a.open').href = a.url;
  $('settle-row').hidden = false;
  $('settled-thanks').hidden = true;
  // Whatever was showing (the chat, or the offline form) comes back when the article closes.
  hiddenForArticle = [list, form, offline, prechat].filter((el) => !el.hidden);
  for (const el of hiddenForArticle) el.hidden = true;
  suggest.hidden = true;
  articleEl.hidden = false;
}

function closeArticle() {
  articleEl.hidden = true;
  for (const el of hiddenForArticle) el.hidden = false;
  suggest.hidden = suggest.querySelector('ul').children.length === 0 || !!conversation;
  typedIn.focus();
}

$('settled').addEventListener('click', async () => {
  try {
    await api('/widget/api/articles/' + encodeURIComponent(articleEl.dataset.id) + '/settled', { method: 'POST', body: JSON.stringify({ query: suggestedFor }) });
  } catch { /* counted or not, the visitor is done */ }
  $('settle-row').hidden = true;
  $('settled-thanks').hidden = false;
});
$('not-settled').addEventListener('click', closeArticle);
$('article-back').addEventListener('click', closeArticle);

async function ensureConversation(subject) {
  if (conversation) return conversation;
  const c = await api('/widget/api/conversations', { method: 'POST', body: JSON.stringify({ subject: subject.slice(0, 80) }) });
  conversation = c.id;
  suggest.hidden = true;
  socket.follow(conversation, 0);
  transcript.hidden = false;
  return conversation;
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = input.value.trim();
  if (!body) return;
  input.value = '';
  const cid = newId();
  try {
    await ensureConversation(body);
    show({ cid, body, author: { kind: 'contact' } }, true);
    const ack = await socket.send(conversation, body, false, cid);
    show({ cid, body, seq: ack.seq, author: { kind: 'contact' } });
    clearError();
    refreshQueue();
  } catch (err) {
    // Refused (nothing was stored): the text goes back into the box to be sent again.
    bubbles.get(cid)?.remove();
    bubbles.delete(cid);
    if (!input.value) input.value = body;
    showError(errorText(err));
  }
});

$('file').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  await sendFile(file, file.name);
});

/** Uploads a file (chosen, or a recorded voice note) into the conversation. */
async function sendFile(file, name) {
  // Too large is said at once, with the limit, instead of after the upload.
  if (maxFileBytes && file.size > maxFileBytes) return showError(fill(data.fileTooLarge, 'mb', mb(maxFileBytes)));
  try {
    await ensureConversation(name);
    const cid = newId();
    const r = await fetch(`/widget/api/conversations/${conversation}/attachments?name=${encodeURIComponent(name)}&client_id=${cid}`,
      { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'x-kefu-visitor': token }, body: file });
    if (!r.ok) throw await failure(r);
    const m = await r.json();
    show({ ...m, cid: m.client_id });
    clearError();
  } catch (err) {
    showError(errorText(err, fill(data.fileFailed, 'reason', '')));
  }
}

// ---- Voice notes: recorded here, listened to, then sent as a file -----------------------------
const micButton = $('mic');
const recorder = $('recorder');
const preview = $('preview');
const MAX_VOICE_MS = 120_000;
let recording = null; // { rec, chunks, started, timer }
let recorded = null; // the Blob waiting for send or cancel
if (navigator.mediaDevices?.getUserMedia && window.MediaRecorder) micButton.hidden = false;

micButton.addEventListener('click', async () => {
  if (recording) return;
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch {
    return showError(data.micDenied);
  }
  const type = ['audio/webm;codecs=opus', 'audio/webm', 'audio/mp4', 'audio/ogg'].find((t) => MediaRecorder.isTypeSupported(t)) || '';
  const rec = new MediaRecorder(stream, type ? { mimeType: type } : {});
  const chunks = [];
  rec.addEventListener('dataavailable', (e) => { if (e.data.size) chunks.push(e.data); });
  rec.addEventListener('stop', () => {
    stream.getTracks().forEach((t) => t.stop());
    clearInterval(recording.timer);
    recording = null;
    recorder.hidden = true;
    recorded = new Blob(chunks, { type: rec.mimeType || 'audio/webm' });
    preview.querySelector('audio').src = URL.createObjectURL(recorded);
    preview.hidden = false;
  });
  const started = Date.now();
  const clock = $('rec-time');
  clock.textContent = '0:00';
  const timer = setInterval(() => {
    const s = Math.floor((Date.now() - started) / 1000);
    clock.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
    if (Date.now() - started >= MAX_VOICE_MS) rec.stop();
  }, 250);
  recording = { rec, timer };
  rec.start(250);
  recorder.hidden = false;
  clearError();
});
$('rec-stop').addEventListener('click', () => recording?.rec.stop());
$('preview-cancel').addEventListener('click', () => { recorded = null; preview.hidden = true; });
$('preview-send').addEventListener('click', async () => {
  if (!recorded) return;
  const blob = recorded;
  recorded = null;
  preview.hidden = true;
  const ext = blob.type.includes('mp4') ? 'm4a' : blob.type.includes('ogg') ? 'ogg' : 'webm';
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  await sendFile(blob, `${data.voiceName}-${stamp}.${ext}`);
});

transcript.addEventListener('submit', async (e) => {
  e.preventDefault();
  const email = transcript.email.value.trim();
  try {
    await api(`/widget/api/conversations/${conversation}/transcript`, { method: 'POST', body: JSON.stringify({ email }) });
    clearError();
    status.hidden = false;
    status.textContent = fill(data.transcriptSent, 'email', email);
  } catch (err) {
    showError(errorText(err));
  }
});

async function refreshQueue() {
  if (!conversation) return;
  try { showQueue((await api(`/widget/api/conversations/${conversation}/queue`)).position); } catch { /* shown on the next frame */ }
}

function formError(f, message) {
  const p = f.querySelector('.error');
  p.hidden = !message;
  p.textContent = message || '';
}

function showChat() {
  prechat.hidden = true;
  offline.hidden = true;
  list.hidden = false;
  form.hidden = false;
  $('greeting').hidden = false;
  input.focus();
}

function showOffline() {
  list.hidden = true;
  form.hidden = true;
  prechat.hidden = true;
  offline.hidden = false;
  if (info.customer.email && !offline.email.value) offline.email.value = info.customer.email;
  if (info.customer.name && !offline.name.value) offline.name.value = info.customer.name;
  // What the visitor began to type in the chat is not lost.
  if (input.value && !offline.message.value) offline.message.value = input.value;
}

let prechatDone = false;
/** Before a conversation exists: the offline form when nobody can answer, else the pre-chat
 * form (when the inbox asks for it and we have no address), else the chat. Called at start and
 * again whenever the inbox opens or closes (an agent came online, hours began). */
function chooseScreen() {
  if (!conversation && !info.open) return showOffline();
  if (!conversation && !prechatDone && info.prechat !== 'off' && !info.customer.email) {
    list.hidden = true;
    form.hidden = true;
    offline.hidden = true;
    prechat.hidden = false;
    $('skip').hidden = info.prechat === 'required';
    prechat.email.required = info.prechat === 'required';
    return;
  }
  if (offline.message.value && !input.value) input.value = offline.message.value;
  showChat();
}

prechat.addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = prechat.name.value.trim();
  const email = prechat.email.value.trim();
  if (info.prechat === 'required' && !email) return formError(prechat, data.invalidEmail);
  try {
    await api('/widget/api/contact', { method: 'POST', body: JSON.stringify({ name, email }) });
    if (email) transcript.email.value = email;
    prechatDone = true;
    showChat();
  } catch (err) { formError(prechat, errorText(err)); }
});
$('skip').addEventListener('click', () => { prechatDone = true; showChat(); });

offline.addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = { name: offline.name.value.trim(), email: offline.email.value.trim(), message: offline.message.value.trim() };
  try {
    const c = await api('/widget/api/offline', { method: 'POST', body: JSON.stringify(body) });
    conversation = c.id;
    socket.follow(conversation, 0);
    offline.replaceChildren();
    const p = document.createElement('p');
    p.textContent = fill(data.offlineSent, 'email', body.email);
    offline.append(p);
  } catch (err) { formError(offline, errorText(err)); }
});

// ---- Browse consult, identity and invitations, from the shop's page (via the loader) ----------
let view = null;
let inviteTimer = null;
window.addEventListener('message', async (e) => {
  const m = e.data;
  if (m && m.kefu === 'visibility') {
    widgetOpen = !!m.open;
    if (widgetOpen) { seeAll(); if (!form.hidden) input.focus(); }
    return;
  }
  if (!m || typeof m !== 'object' || !token) return;
  if (m.kefu === 'page' && typeof m.url === 'string') {
    try {
      const r = await api('/widget/api/pages', { method: 'POST', body: JSON.stringify({ url: m.url, title: String(m.title || ''), referrer: String(m.referrer || '') }) });
      view = r.view_id;
      clearTimeout(inviteTimer);
      if (r.invitation) inviteTimer = setTimeout(() => invite(r.invitation.message), r.invitation.after_seconds * 1000);
    } catch { /* browsing is best effort */ }
  } else if (m.kefu === 'identify' && m.identity) {
    try {
      await api('/widget/api/identify', { method: 'POST', body: JSON.stringify(m.identity) });
      // Reconnect as the customer: their past conversations become visible.
      conversation = null;
      bubbles.clear();
      list.querySelectorAll('.bubble:not(#greeting), .event').forEach((el) => el.remove());
      await loadConversation();
      socket.refresh();
    } catch { /* an unverified visitor stays anonymous */ }
  }
});
setInterval(() => { if (view) api(`/widget/api/pages/${view}/ping`, { method: 'POST' }).catch(() => {}); }, 30000);

function invite(message) {
  if (conversation) return;
  const el = document.createElement('div');
  el.className = 'bubble theirs invite';
  el.textContent = message;
  list.append(el);
  // With the pre-chat form showing, the greeting stands above it.
  if (!prechat.hidden) prechat.querySelector('p').textContent = message;
  parent.postMessage({ kefu: 'open' }, '*');
}

// ---- Start ----------------------------------------------------------------------------------
async function loadConversation() {
  const convs = await api('/widget/api/conversations');
  const latest = convs[0];
  if (!latest) return 0;
  conversation = latest.id;
  transcript.hidden = false;
  const msgs = await api(`/widget/api/conversations/${conversation}/messages`);
  for (const m of msgs) show({ ...m, cid: m.client_id, author: { kind: m.author_kind } });
  const seq = msgs.length ? msgs[msgs.length - 1].seq : 0;
  socket?.follow(conversation, seq);
  readOnConnect = seq;
  refreshQueue();
  return seq;
}

// The indicator clears itself should the "stopped typing" signal be lost.
const typingEl = $('typing');
let agentTypingTimer = null;
function agentTyping(on) {
  typingEl.hidden = !on;
  clearTimeout(agentTypingTimer);
  if (on) agentTypingTimer = setTimeout(() => { typingEl.hidden = true; }, 6000);
}

async function start() {
  token = await visitorToken();
  info = await api('/widget/api/status');
  if (info.greeting) $('greeting').textContent = info.greeting;
  if (info.offline_message) $('offline-intro').textContent = info.offline_message;
  if (info.customer.email) transcript.email.value = info.customer.email;
  const seq = await loadConversation();
  socket = new ChatSocket({
    credentials: async () => ({ visitor: token }),
    onState: (st) => {
      setStatus(st);
      if (st === 'online' && conversation && readOnConnect && widgetOpen) { socket.read(conversation, readOnConnect); readOnConnect = 0; }
    },
    onFrame: (f) => {
      if (f.type === 'message' && f.conversation === conversation) {
        show(f);
        if (f.author.kind !== 'contact') { seeAll(); tellUnread(); }
        if (f.author.kind === 'agent') agentTyping(false);
        if (f.kind === 'event') refreshQueue();
      }
      if (f.type === 'typing' && f.conversation === conversation && f.who.kind === 'agent') agentTyping(f.on);
      if (f.type === 'queue' && f.conversation === conversation) showQueue(f.position);
      // Presence decides the screen only before the visitor has written: a chat they began
      // (its first message may still be on its way) stays.
      if (f.type === 'availability' && info.open !== f.open) { info.open = f.open; if (!conversation && !list.querySelector('.bubble.mine')) chooseScreen(); }
      if (f.type === 'read' && f.conversation === conversation && f.reader !== info.customer.id) markRead(f.seq);
      if (f.type === 'error' && f.code === 'unauthorized') { localStorage.removeItem(storeKey); location.reload(); }
    },
  });
  if (conversation) socket.follow(conversation, seq);
  chooseScreen();
  // The loader may have sent the page before the token was ready: ask again.
  parent.postMessage({ kefu: 'ready' }, '*');
  tellUnread();
}

start().catch(() => { localStorage.removeItem(storeKey); setStatus('offline'); });
