// The chat inside the widget's iframe: a visitor token kept in this origin's storage, the
// visitor's latest conversation, and the socket. Nothing from the network is ever put into
// innerHTML.
import { ChatSocket, newId, textNode } from './socket.js';

const data = document.body.dataset;
const inbox = data.inbox;
const storeKey = 'kefu_visitor_' + inbox;
const list = document.getElementById('messages');
const form = document.getElementById('composer');
const input = document.getElementById('body');
const status = document.getElementById('status');
const bubbles = new Map(); // cid or id -> element
let token = null;
let conversation = null;

async function api(path, options = {}) {
  const r = await fetch(path, { ...options, headers: { 'content-type': 'application/json', 'x-kefu-visitor': token, ...(options.headers || {}) } });
  if (r.status === 401) { localStorage.removeItem(storeKey); throw new Error('unauthorized'); }
  if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error?.message || r.statusText);
  return r.json();
}

async function visitorToken() {
  const saved = localStorage.getItem(storeKey);
  if (saved) return saved;
  const r = await fetch('/widget/api/visitors', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inbox_id: inbox }) });
  if (!r.ok) throw new Error('visitor');
  const j = await r.json();
  localStorage.setItem(storeKey, j.visitor_token);
  return j.visitor_token;
}

function show(m, pending = false) {
  const key = m.cid || m.id;
  let el = bubbles.get(key);
  if (!el) {
    el = document.createElement('div');
    list.append(el);
    bubbles.set(key, el);
  }
  const mine = (m.author?.kind || m.author_kind) === 'contact';
  el.className = 'bubble ' + (mine ? 'mine' : 'theirs') + (pending ? ' pending' : '');
  el.replaceChildren();
  const author = m.author?.name;
  if (!mine && author) {
    const who = document.createElement('div');
    who.className = 'who';
    who.textContent = author;
    el.append(who);
  }
  const body = document.createElement('div');
  textNode(body, m.body);
  el.append(body);
  list.scrollTop = list.scrollHeight;
}

function setStatus(s) {
  status.textContent = s === 'online' ? '' : data[s] || '';
  status.hidden = s === 'online';
}

let typingTimer = null;
input.addEventListener('input', () => {
  if (!conversation) return;
  if (!typingTimer) socket.typing(conversation, true);
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => { socket.typing(conversation, false); typingTimer = null; }, 2500);
});

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = input.value.trim();
  if (!body) return;
  input.value = '';
  try {
    if (!conversation) {
      const c = await api('/widget/api/conversations', { method: 'POST', body: JSON.stringify({ subject: body.slice(0, 80) }) });
      conversation = c.id;
      socket.follow(conversation, 0);
    }
    const cid = newId();
    show({ cid, body, author: { kind: 'contact' } }, true);
    await socket.send(conversation, body, false, cid);
    show({ cid, body, author: { kind: 'contact' } });
  } catch (err) {
    status.hidden = false;
    status.textContent = data.failed;
  }
});

let socket;
async function start() {
  token = await visitorToken();
  const convs = await api('/widget/api/conversations');
  if (convs.length) {
    conversation = convs[0].id;
    const msgs = await api(`/widget/api/conversations/${conversation}/messages`);
    for (const m of msgs) show({ ...m, cid: m.client_id, author: { kind: m.author_kind } });
    socket?.follow(conversation, msgs.length ? msgs[msgs.length - 1].seq : 0);
    return msgs.length ? msgs[msgs.length - 1].seq : 0;
  }
  return 0;
}

// The indicator clears itself should the "stopped typing" signal be lost.
const typingEl = document.getElementById('typing');
let agentTypingTimer = null;
function agentTyping(on) {
  typingEl.hidden = !on;
  clearTimeout(agentTypingTimer);
  if (on) agentTypingTimer = setTimeout(() => { typingEl.hidden = true; }, 6000);
}

const greeting = document.getElementById('greeting');
start().then((seq) => {
  socket = new ChatSocket({
    credentials: async () => ({ visitor: token }),
    onState: setStatus,
    onFrame: (f) => {
      if (f.type === 'message' && f.conversation === conversation) {
        show(f);
        if (f.author.kind === 'agent') agentTyping(false);
      }
      if (f.type === 'typing' && f.conversation === conversation && f.who.kind === 'agent') agentTyping(f.on);
      if (f.type === 'error' && f.code === 'unauthorized') { localStorage.removeItem(storeKey); location.reload(); }
    },
  });
  if (conversation) socket.follow(conversation, seq);
  greeting.hidden = false;
}).catch(() => { localStorage.removeItem(storeKey); setStatus('offline'); });
