// The agent console's frame: the sidebar's tabs, collapsing it, the drawer on phones and
// tablets, the list-or-conversation screens on a phone, keyboard shortcuts with their `?`
// overlay, and the agent's settings (theme, sound, browser notifications) with the alerts
// they ask for.
import { $, S, calls, input, noteBox, root } from './core.js';

const consoleEl = document.querySelector('.console');
const sidebar = $('sidebar');

// ---- Sidebar: tabs, collapse, drawer --------------------------------------------------------
export function showTab(tab) {
  sidebar.dataset.tab = tab;
  for (const b of sidebar.querySelectorAll('.side-tabs [data-tab]')) {
    b.setAttribute('aria-selected', String(b.dataset.tab === tab));
  }
}
for (const b of sidebar.querySelectorAll('.side-tabs [data-tab]')) b.addEventListener('click', () => showTab(b.dataset.tab));
showTab(sidebar.dataset.tab);

const narrow = () => matchMedia('(max-width: 62rem)').matches;
function setDetails(open) {
  if (narrow()) consoleEl.classList.toggle('drawer-open', open);
  else {
    consoleEl.classList.toggle('sidebar-collapsed', !open);
    localStorage.setItem('kefu_sidebar', open ? '' : 'collapsed');
  }
  $('toggle-sidebar').setAttribute('aria-expanded', String(open));
}
const detailsOpen = () => (narrow() ? consoleEl.classList.contains('drawer-open') : !consoleEl.classList.contains('sidebar-collapsed'));
$('toggle-sidebar').addEventListener('click', () => setDetails(!detailsOpen()));
$('close-drawer').addEventListener('click', () => setDetails(false));
if (localStorage.getItem('kefu_sidebar') === 'collapsed') consoleEl.classList.add('sidebar-collapsed');

/** On a phone the list and the conversation take turns on the screen. */
export function showConversation(on) { consoleEl.classList.toggle('conversation-open', on); }
$('back').addEventListener('click', () => { showConversation(false); setDetails(false); });

// ---- Settings: theme, sound, notifications ----------------------------------------------------
const prefs = $('prefs');
$('show-prefs').addEventListener('click', () => {
  prefs.hidden = !prefs.hidden;
  $('show-prefs').setAttribute('aria-expanded', String(!prefs.hidden));
});
const themeSel = $('pref-theme');
themeSel.value = localStorage.getItem('kefu_theme') || 'auto';
themeSel.addEventListener('change', () => {
  localStorage.setItem('kefu_theme', themeSel.value);
  if (themeSel.value === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = themeSel.value;
});
const soundBox = $('pref-sound');
const notifyBox = $('pref-notify');
soundBox.checked = localStorage.getItem('kefu_sound') !== 'off';
notifyBox.checked = localStorage.getItem('kefu_notify') === 'on' && window.Notification?.permission === 'granted';
soundBox.addEventListener('change', () => localStorage.setItem('kefu_sound', soundBox.checked ? 'on' : 'off'));
notifyBox.addEventListener('change', async () => {
  const err = $('pref-error');
  err.hidden = true;
  if (notifyBox.checked) {
    const p = window.Notification ? await Notification.requestPermission() : 'denied';
    if (p !== 'granted') {
      notifyBox.checked = false;
      err.textContent = root.notifyDenied;
      err.hidden = false;
    }
  }
  localStorage.setItem('kefu_notify', notifyBox.checked ? 'on' : 'off');
});

let audio = null;
/** Two short notes, made here (no sound file to fetch). */
function chime() {
  try {
    audio ||= new AudioContext();
    const now = audio.currentTime;
    for (const [i, f] of [[0, 880], [1, 1320]]) {
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, now + i * 0.15);
      g.gain.exponentialRampToValueAtTime(0.2, now + i * 0.15 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.15 + 0.14);
      o.connect(g).connect(audio.destination);
      o.start(now + i * 0.15);
      o.stop(now + i * 0.15 + 0.15);
    }
  } catch { /* no audio here */ }
}

const lastAlert = new Map(); // conversation -> when it last rang
/** Something needs the agent: a new chat, an assignment to them, a mention. One conversation
 * rings once in ten seconds (a new chat given to the agent at once is one alert, not two). */
export function alertAgent(kind, body, conversation) {
  const now = Date.now();
  if (conversation && now - (lastAlert.get(conversation) || 0) < 10000) return;
  lastAlert.set(conversation, now);
  if (soundBox.checked) chime();
  if (notifyBox.checked && window.Notification?.permission === 'granted') {
    const title = { new: root.alertNew, assigned: root.alertAssigned, mention: root.alertMention }[kind];
    const n = new Notification(title, { body: (body || '').slice(0, 140), tag: `kefu-${kind}-${conversation || ''}` });
    n.onclick = () => { window.focus(); if (conversation) calls.open(conversation); n.close(); };
  }
}

// ---- Keyboard shortcuts -----------------------------------------------------------------------
const overlay = $('shortcuts');
function showShortcuts(on) {
  overlay.hidden = !on;
  if (on) $('close-shortcuts').focus();
}
$('show-shortcuts').addEventListener('click', () => showShortcuts(true));
$('close-shortcuts').addEventListener('click', () => showShortcuts(false));
overlay.addEventListener('click', (e) => { if (e.target === overlay) showShortcuts(false); });

function typingInField(e) {
  const t = e.target;
  return t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

function step(by) {
  const ids = calls.order();
  if (!ids.length) return;
  const at = ids.indexOf(S.current);
  const next = ids[Math.min(ids.length - 1, Math.max(0, at < 0 ? 0 : at + by))];
  if (next && next !== S.current) calls.open(next);
}

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') {
    if (!overlay.hidden) return showShortcuts(false);
    if (!prefs.hidden) { prefs.hidden = true; return; }
    const more = document.querySelector('.actions details[open]');
    if (more) { more.open = false; return; }
    if (consoleEl.classList.contains('drawer-open')) return setDetails(false);
    if (typingInField(e)) e.target.blur();
    return;
  }
  if (typingInField(e) || e.ctrlKey || e.metaKey || e.altKey) return;
  const keys = {
    '?': () => showShortcuts(true),
    j: () => step(1),
    k: () => step(-1),
    '/': () => $('search').focus(),
    r: () => S.current && input.focus(),
    n: () => { if (S.current) { noteBox.checked = !noteBox.checked; noteBox.dispatchEvent(new Event('change')); input.focus(); } },
    e: () => S.current && calls.change({ status: 'resolved' }),
  };
  const run = keys[e.key];
  if (run) { e.preventDefault(); run(); }
});
