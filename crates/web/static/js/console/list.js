// The agent console's conversation list: views (mine, unassigned, all), filters and search, and
// each row as agents scan it — who, through which channel, the last words, how long the
// customer has waited, what is unread, the service-level clock.
import { $, S, api, calls, fill, root, slaBadge, span, word } from './core.js';

const listEl = $('conversations');
/** conversation id -> { li, c } */
export const rows = new Map();
let view = 'all';

const ago = (t) => (t ? span(Date.now() - t) : '');

function line(cls, text) {
  const el = document.createElement('span');
  el.className = cls;
  el.textContent = text;
  return el;
}

/** Draws (or redraws) a conversation's row from what the list API gives. */
export function item(c) {
  let row = rows.get(c.id);
  if (!row) {
    const li = document.createElement('li');
    li.dataset.id = c.id;
    li.tabIndex = 0;
    li.addEventListener('click', () => calls.open(c.id));
    li.addEventListener('keydown', (e) => { if (e.key === 'Enter') calls.open(c.id); });
    row = { li, c: {} };
    rows.set(c.id, row);
  }
  // A conversation's own record (after an action) lacks the list's extras: keep those.
  row.c = { ...row.c, ...c };
  c = row.c;
  const { li } = row;
  li.replaceChildren();
  const top = document.createElement('div');
  top.className = 'row-top';
  const who = line('who', c.customer_name || fill(root.anonymousName, 'n', c.number));
  const channel = line('channel ' + (c.channel === 'email' ? 'email' : 'chat'), c.channel === 'email' ? root.channelEmail : root.channelChat);
  top.append(channel, who, line('when', ago(c.last_message_at || c.updated_at)));
  const subject = line('subject', `#${c.number} ${c.subject || root.untitled}`);
  const preview = line('preview', c.preview == null ? '' :
    (c.preview_kind === 'note' ? root.notePrefix + ' ' : c.preview_author === 'agent' ? root.youPrefix + ' ' : '') + c.preview);
  li.append(top, subject, preview);
  const badges = document.createElement('div');
  badges.className = 'badges';
  if (c.unread > 0 && c.id !== S.current) badges.append(line('count', String(c.unread)));
  if (c.waiting_since && !c.assignee_id && c.status === 'open') badges.append(line('waiting', fill(root.waiting, 't', ago(c.waiting_since))));
  if (c.sla_due) badges.append(slaBadge(c.sla_metric, c.sla_due));
  const parts = [word('status', c.status), word('stage', c.stage)];
  if (c.ticket_type && c.ticket_type !== 'question') parts.push(word('type', c.ticket_type));
  if (c.priority === 'high' || c.priority === 'urgent') parts.push(word('priority', c.priority));
  if ((c.tags || []).length) parts.push(c.tags.map((t) => '#' + t).join(' '));
  badges.append(line('meta', parts.join(' · ')));
  li.append(badges);
  li.classList.toggle('active', c.id === S.current);
  li.classList.toggle('unread', c.unread > 0 && c.id !== S.current);
  return li;
}

/** A message came in live: the row shows it without asking the server. Returns false for a
 * conversation the list does not have yet. */
export function heard(f) {
  const row = rows.get(f.conversation);
  if (!row) return false;
  if (f.kind === 'text' || f.kind === 'attachment' || f.kind === 'note') {
    Object.assign(row.c, { preview: f.body, preview_kind: f.kind, preview_author: f.author.kind, last_message_at: f.created_at });
    if (f.author.kind === 'contact' && f.conversation !== S.current) row.c.unread = (row.c.unread || 0) + 1;
    item(row.c);
    listEl.prepend(row.li);
  }
  return true;
}

/** The open conversation was read. */
export function seen(id) {
  const row = rows.get(id);
  if (row) { row.c.unread = 0; item(row.c); }
}

export function markActive(id) {
  for (const [cid, row] of rows) row.li.classList.toggle('active', cid === id);
  seen(id);
}

/** The rows in the order shown, for moving up and down with the keyboard. */
export function order() {
  return [...listEl.querySelectorAll('li[data-id]')].map((li) => li.dataset.id);
}

const filters = ['filter-inbox', 'filter-team', 'filter-tag'];
const knownTags = new Set();

export async function loadList() {
  const text = $('search').value.trim();
  const q = new URLSearchParams({
    view, status: $('filter-status').value, stage: $('filter-stage').value, q: text,
    inbox: $('filter-inbox').value, team: $('filter-team').value, tag: $('filter-tag').value.trim().replace(/^#/, ''),
  });
  const set = filters.filter((id) => $(id).value.trim()).length;
  $('filter-count').hidden = !set;
  $('filter-count').textContent = String(set);
  const convs = await api('/api/v1/conversations?' + q);
  listEl.replaceChildren(...convs.map(item));
  if (!convs.length) { const p = document.createElement('li'); p.className = 'muted'; p.textContent = root.empty; listEl.append(p); }
  for (const c of convs) for (const t of c.tags || []) knownTags.add(t);
  $('tag-options').replaceChildren(...[...knownTags].sort().map((t) => Object.assign(document.createElement('option'), { value: t })));
  searchMessages(text, new Set(convs.map((c) => c.id)));
}

/** Words of a message: the conversations whose messages hold them (full-text search), below
 * the list, those already listed left out. */
async function searchMessages(text, listed) {
  const box = $('message-hits');
  if (text.length < 2 || /^#\d+$/.test(text)) { box.hidden = true; return; }
  let hits = [];
  try { hits = await api('/api/v1/search?' + new URLSearchParams({ kind: 'conversations', q: text, limit: '20' })); } catch { hits = []; }
  if ($('search').value.trim() !== text) return;
  const ul = box.querySelector('ul');
  ul.replaceChildren();
  for (const h of hits.filter((h) => !listed.has(h.id))) {
    const li = document.createElement('li');
    li.dataset.hit = h.id;
    li.tabIndex = 0;
    // The server escapes both and marks the matches with <mark>.
    const title = document.createElement('span');
    title.className = 'subject';
    title.innerHTML = h.title_html;
    const snippet = document.createElement('span');
    snippet.className = 'preview';
    snippet.innerHTML = h.snippet_html;
    li.append(title, snippet);
    li.addEventListener('click', () => calls.open(h.id));
    li.addEventListener('keydown', (e) => { if (e.key === 'Enter') calls.open(h.id); });
    ul.append(li);
  }
  box.hidden = !ul.children.length;
}

let searchTimer = null;
$('search').addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(loadList, 250); });
$('filter-status').addEventListener('change', loadList);
$('filter-stage').addEventListener('change', loadList);
$('filter-inbox').addEventListener('change', loadList);
$('filter-team').addEventListener('change', loadList);
$('filter-tag').addEventListener('change', loadList);
$('clear-filters').addEventListener('click', () => { for (const id of filters) $(id).value = ''; loadList(); });
api('/api/v1/teams').then((teams) => {
  $('filter-team').append(...teams.map((t) => Object.assign(document.createElement('option'), { value: t.id, textContent: t.name })));
}).catch(() => {});
for (const b of document.querySelectorAll('.views button')) {
  b.addEventListener('click', () => {
    view = b.dataset.view;
    for (const o of document.querySelectorAll('.views button')) o.classList.toggle('active', o === b);
    loadList();
  });
}
// Waiting times and clocks move on.
setInterval(() => { for (const row of rows.values()) item(row.c); }, 60000);
