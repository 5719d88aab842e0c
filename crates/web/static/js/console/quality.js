// The agent console's quality check as the agent types: forbidden phrases and mail etiquette,
// refusals explained, and sending anyway.
import { $, S, api, calls, fill, form, input, noteBox, root, word } from './core.js';

// ---- The quality check as the agent types -------------------------------------------------------
// Forbidden phrases are found while typing (and the reply is checked again when sent); an
// e-mail's etiquette too. Warnings can be overridden with "send anyway", which is recorded.
let qualityTimer = null;
let lastFound = { phrases: [], mail: [] };
// Why the server refused the last send, shown above the findings until the agent edits.
let refusal = null;

export function hideQuality() {
  $('quality').hidden = true;
  $('send-anyway').hidden = true;
  lastFound = { phrases: [], mail: [] };
}

export function etiquetteText(f) {
  const tpl = word('etq', f.code) || f.code;
  return fill(tpl, 'detail', f.detail || '');
}

export function showQuality(v, text) {
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

export async function checkNow() {
  if (!S.current || noteBox.checked) { hideQuality(); return; }
  const text = input.value;
  try {
    let v;
    if (S.currentChannel === 'email') {
      v = await api(`/api/v1/conversations/${S.current}/mail/check`, { method: 'POST', body: JSON.stringify({
        subject: $('mail-subject').value, body: text, attachment_ids: S.mailFiles.map((f) => f.id),
        signature_id: $('mail-signature').value || null, to: calls.addresses('mail-to'), cc: calls.addresses('mail-cc'), bcc: calls.addresses('mail-bcc') }) });
      // Etiquette speaks once there is something to judge.
      if (!text.trim()) v.mail = v.mail.filter((f) => f.code === 'blank_subject');
    } else {
      v = text.trim() ? await api('/api/v1/quality/check', { method: 'POST', body: JSON.stringify({ text }) }) : { phrases: [], mail: [] };
    }
    showQuality(v, text);
  } catch { /* the check on sending still applies */ }
}

export function scheduleCheck() {
  clearTimeout(qualityTimer);
  $('send-anyway').hidden = true;
  refusal = null;
  qualityTimer = setTimeout(checkNow, 200);
}
input.addEventListener('input', scheduleCheck);
noteBox.addEventListener('change', scheduleCheck);
for (const id of ['mail-subject', 'mail-to', 'mail-cc', 'mail-bcc', 'mail-signature']) $(id).addEventListener('input', scheduleCheck);

/** The server refused a reply: say why; warnings can be sent anyway. */
export function refused(code, message) {
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
  S.acceptWarnings = true;
  form.requestSubmit();
});

$('quality-zip').addEventListener('click', async () => {
  try {
    const r = await api(`/api/v1/conversations/${S.current}/attachments/zip`, { method: 'POST',
      body: JSON.stringify({ attachment_ids: S.mailFiles.map((f) => f.id) }) });
    S.mailFiles = [{ id: r.attachment.id, name: r.attachment.name }];
    calls.showMailFiles();
    checkNow();
  } catch (err) { refused('', err.message); }
});
