// The agent console's ticket side: service-level clocks, the claim or complaint, the shop's
// own fields, macros, and merging.
import { $, S, api, calls, form, input, root, slaBadge, word } from './core.js';

// ---- The ticket: SLA, case, fields, macros, merge ---------------------------------------------
let fieldDefs = [];
let currentConv = null;

export function showSla(clock) {
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

export function ticketError(text) { const e = $('ticket-error'); e.textContent = text || ''; e.hidden = !text; }

export function showTicket(c, kase) {
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
          await api(`/api/v1/conversations/${S.current}/case/status`, { method: 'POST',
            body: JSON.stringify({ status: st, note: $('case-note').value.trim() }) });
          $('case-note').value = '';
          calls.loadContext();
        } catch (err) { ticketError(err.message); }
      });
      return b;
    }));
  }
  renderFields(c);
}

export function renderFields(c) {
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
    await api(`/api/v1/conversations/${S.current}`, { method: 'PATCH', body: JSON.stringify({ fields }) });
    ticketError('');
    calls.loadContext();
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
    await api(`/api/v1/conversations/${S.current}/case`, { method: 'POST', body: JSON.stringify(body) });
    $('case-open').open = false;
    calls.loadContext();
  } catch (err) { ticketError(err.message); }
});

export async function loadMacros() {
  try {
    const list = await api('/api/v1/macros');
    const sel = $('macro');
    sel.replaceChildren(sel.options[0], ...list.map((m) => new Option(m.name, m.id)));
  } catch { /* no macros */ }
}

$('apply-macro').addEventListener('click', async () => {
  const id = $('macro').value;
  if (!id || !S.current) return;
  try {
    const r = await api(`/api/v1/conversations/${S.current}/macros/${id}`, { method: 'POST' });
    ticketError(r.unfilled.length ? r.unfilled.map((v) => `{${v}}`).join(' ') : '');
    calls.item(r.conversation);
    calls.loadContext();
  } catch (err) { ticketError(err.message); }
});

$('merge').addEventListener('click', async () => {
  const n = $('merge-into').value.trim().replace(/^#/, '');
  if (!n || !S.current) return;
  try {
    const found = await api('/api/v1/conversations?q=' + encodeURIComponent('#' + n));
    const target = found.find((c) => String(c.number) === n);
    if (!target) throw new Error('#' + n + ' ?');
    const c = await api(`/api/v1/conversations/${S.current}/merge`, { method: 'POST', body: JSON.stringify({ into: target.id }) });
    $('merge-into').value = '';
    await calls.loadList();
    calls.open(c.id);
  } catch (err) { ticketError(err.message); }
});

api('/api/v1/ticket-fields').then((d) => { fieldDefs = d; if (currentConv) renderFields(currentConv); }).catch(() => {});
loadMacros();
// Due times move on: the list is redrawn every minute.
setInterval(() => calls.loadList().catch(() => {}), 60000);
