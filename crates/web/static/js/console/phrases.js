// The agent console's standard phrases: "/" and a few letters, greetings first, thanks at the
// close, in the conversation's language.
import { $, S, api, input, noteBox, pane, root, word } from './core.js';
import { scheduleCheck } from './quality.js';

// ---- Standard phrases: "/" and a few letters, greetings first, thanks at the close -------------
let phrases = [];
let picked = 0;
let pickerMatches = [];

/** A phrase's words in the conversation's language (the customer's, else the console's). */
const inLang = (p) => (S.lang === 'en' ? p.body_en || p.body_zh : p.body_zh || p.body_en);

export async function loadPhrases() {
  try { phrases = await api('/api/v1/phrases'); } catch { phrases = []; }
}

/** The `/query` just before the caret, if the agent is looking for a phrase. */
export function slashQuery() {
  const before = input.value.slice(0, input.selectionStart ?? input.value.length);
  const m = before.match(/(?:^|\s)\/([^\s/]{0,20})$/);
  return m ? { query: m[1].toLowerCase(), start: before.length - m[1].length - 1 } : null;
}

export function phraseLabel(p) {
  return `${word('kind', p.kind)} · ${p.title}`;
}

export function showPicker() {
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
    b.textContent = inLang(p);
    li.append(t, b);
    li.addEventListener('mousedown', (e) => { e.preventDefault(); usePhrase(p, q); });
    return li;
  }));
  picker.hidden = !pickerMatches.length;
}

/** Puts a phrase, filled in for this conversation, where `/query` was (or at the caret). */
export async function usePhrase(p, q = slashQuery()) {
  $('phrase-picker').hidden = true;
  let filled;
  try { filled = await api(`/api/v1/conversations/${S.current}/phrases/${p.id}`, { method: 'POST' }); } catch (err) { alert(err.message); return; }
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
export function showSuggestions() {
  const box = $('phrase-suggest');
  box.replaceChildren();
  if (!S.current || noteBox.checked || input.value.trim()) { box.hidden = true; return; }
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
    // The phrase's title (the shop writes them in Chinese), or for an English conversation its
    // English words with the blanks left out.
    const label = (S.lang === 'zh' ? p.title : '') || inLang(p).replace(/\{[^}]+\}/g, '…');
    b.textContent = label.slice(0, 24);
    b.title = inLang(p);
    b.addEventListener('click', () => usePhrase(p, null));
    box.append(b);
  }
  box.hidden = false;
}
input.addEventListener('input', showSuggestions);
$('status').addEventListener('change', showSuggestions);
loadPhrases().then(showSuggestions);
