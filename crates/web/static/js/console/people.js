// The agent console's side lists of people: the visitors browsing the shop now, and the
// notes that mention the agent (with the unread count on the toolbar's button).
import { $, api, calls, root } from './core.js';
import { showTab } from './layout.js';

async function showVisitors() {
  const list = await api('/api/v1/visitors/live');
  $('mentions').hidden = true;
  $('visitors').hidden = false;
  showTab('visitors');
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
/** A mention came in live: the badge counts it. */
export function mentionArrived() {
  unreadMentions += 1;
  mentionBadge();
}
function mentionBadge() {
  const b = $('mention-count');
  b.hidden = !unreadMentions;
  b.textContent = String(unreadMentions);
}
async function showMentions() {
  const list = await api('/api/v1/notifications');
  $('visitors').hidden = true;
  $('mentions').hidden = false;
  showTab('mentions');
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
      calls.open(n.conversation_id);
    });
    li.append(a);
    return li;
  }));
  if (!list.length) { const li = document.createElement('li'); li.textContent = root.noNotifications; ul.append(li); }
  unreadMentions = 0;
  mentionBadge();
}
$('show-mentions').addEventListener('click', showMentions);
