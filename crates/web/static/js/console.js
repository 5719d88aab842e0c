// The agent console's live part: the conversations this agent may see, one open conversation
// with its messages as they arrive, and a reply box (replies or private notes).
import { ChatSocket, newId, textNode } from './socket.js';

const csrf = document.querySelector('meta[name=csrf-token]').content;
const root = document.querySelector('.console').dataset;
const listEl = document.getElementById('conversations');
const pane = document.getElementById('messages');
const title = document.getElementById('title');
const form = document.getElementById('composer');
const input = document.getElementById('body');
const noteBox = document.getElementById('note');
const typing = document.getElementById('typing');
const state = document.getElementById('state');
const items = new Map(); // conversation id -> list item
const bubbles = new Map();
let current = null;

async function api(path, options = {}) {
  const r = await fetch(path, { ...options, credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, ...(options.headers || {}) } });
  if (r.status === 401) { location.href = '/login?next=/console'; throw new Error('signed out'); }
  if (!r.ok) throw new Error(r.statusText);
  return r.json();
}

function item(c) {
  let li = items.get(c.id);
  if (!li) {
    li = document.createElement('li');
    li.dataset.id = c.id;
    li.addEventListener('click', () => open(c.id, c.subject));
    items.set(c.id, li);
  }
  li.replaceChildren();
  const s = document.createElement('strong');
  s.textContent = c.subject || root.untitled;
  const meta = document.createElement('span');
  meta.className = 'muted';
  meta.textContent = ' ' + (root['status' + c.status[0].toUpperCase() + c.status.slice(1)] || c.status);
  li.append(s, meta);
  li.classList.toggle('active', c.id === current);
  return li;
}

async function loadList() {
  const convs = await api('/api/v1/conversations');
  listEl.replaceChildren(...convs.map(item));
  if (!convs.length) { const p = document.createElement('li'); p.className = 'muted'; p.textContent = root.empty; listEl.append(p); }
}

function show(m, pending = false) {
  const key = m.cid || m.id;
  let el = bubbles.get(key);
  if (!el) { el = document.createElement('div'); pane.append(el); bubbles.set(key, el); }
  const kind = m.author?.kind || m.author_kind;
  el.className = 'bubble ' + (kind === 'agent' ? 'mine' : 'theirs') + (m.kind === 'note' ? ' note' : '') + (pending ? ' pending' : '');
  el.replaceChildren();
  const who = document.createElement('div');
  who.className = 'who';
  who.textContent = kind === 'agent' ? (m.author?.name || '') : root.visitor;
  const body = document.createElement('div');
  textNode(body, m.body);
  el.append(who, body);
  pane.scrollTop = pane.scrollHeight;
}

async function open(id, subject) {
  current = id;
  for (const [cid, li] of items) li.classList.toggle('active', cid === id);
  items.get(id)?.classList.remove('unread');
  title.textContent = subject || root.untitled;
  pane.replaceChildren();
  bubbles.clear();
  form.hidden = false;
  const msgs = await api(`/api/v1/conversations/${id}/messages`);
  for (const m of msgs) show({ ...m, cid: m.client_id });
  const last = msgs.length ? msgs[msgs.length - 1].seq : 0;
  socket.follow(id, last);
  if (last) socket.read(id, last);
  input.focus();
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = input.value.trim();
  if (!body || !current) return;
  input.value = '';
  const cid = newId();
  const note = noteBox.checked;
  show({ cid, body, kind: note ? 'note' : 'text', author: { kind: 'agent' } }, true);
  try {
    await socket.send(current, body, note, cid);
  } catch (err) {
    bubbles.get(cid)?.classList.add('failed');
  }
});

// The indicator clears itself should the "stopped typing" signal be lost.
let typingTimer = null;
function showTyping(on) {
  typing.hidden = !on;
  clearTimeout(typingTimer);
  if (on) typingTimer = setTimeout(() => { typing.hidden = true; }, 6000);
}

const socket = new ChatSocket({
  credentials: async () => ({ token: (await api('/api/v1/realtime/token', { method: 'POST' })).token }),
  onState: (s) => { state.textContent = s === 'online' ? '' : root.offline; },
  onFrame: (f) => {
    if (f.type === 'message') {
      if (f.conversation === current) { show(f); socket.read(current, f.seq); if (f.author.kind === 'contact') showTyping(false); }
      else if (items.has(f.conversation)) items.get(f.conversation).classList.add('unread');
      else loadList();
    } else if (f.type === 'typing' && f.conversation === current && f.who.kind === 'contact') {
      showTyping(f.on);
    }
  },
});

loadList();
