// Admin: the SLA report, business-hours calendars and SLA policies, ticket fields, and where
// complaints go. Each editor reads and writes one JSON document of the API.
const csrf = document.querySelector('meta[name=csrf-token]').content;
const $ = (id) => document.getElementById(id);
const choices = JSON.parse($('choices').textContent);
const words = {};
$('words').content.querySelectorAll('span').forEach((s) => { words[s.dataset.k] = s.textContent; });
const w = (k) => words[k] || k;
const zh = document.documentElement.lang.startsWith('zh');

async function api(path, method = 'GET', body) {
  const r = await fetch(path, { method, credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error?.message || r.statusText);
  return r.status === 204 ? null : r.json();
}

function el(tag, props = {}, ...kids) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}
function select(options, value) {
  const s = el('select');
  for (const [v, label] of options) s.append(new Option(label, v));
  s.value = value ?? '';
  return s;
}
const newId = () => Math.random().toString(36).slice(2, 10);
const say = (id, text) => { $(id).textContent = text; };

// ---- Report -----------------------------------------------------------------------------------
async function report() {
  const days = Number($('report-days').value);
  const to = Date.now();
  const r = await api(`/api/v1/reports/sla?from=${to - days * 86400000}&to=${to}`);
  const body = $('report-metrics').tBodies[0];
  body.replaceChildren(...['first_response', 'next_response', 'resolution'].map((m) => {
    const x = r[m];
    const pct = x.measured ? Math.round((100 * x.met) / x.measured) + '%' : '—';
    return el('tr', {}, el('th', { textContent: w(m.replace('_', '-')) }),
      el('td', { textContent: x.measured }), el('td', { textContent: x.met }),
      el('td', { textContent: x.breached }), el('td', { textContent: pct }));
  }));
  const list = (id, rows) => $(id).replaceChildren(...rows.map(([k, n]) => el('li', { textContent: `${k}: ${n}` })));
  list('report-policy', r.by_policy);
  list('report-agent', r.by_assignee);
  $('report-breaches').tBodies[0].replaceChildren(...r.breaches.map((b) => el('tr', {},
    el('td', { textContent: '#' + b.number }), el('td', { textContent: b.subject }),
    el('td', { textContent: w(b.metric.replace('_', '-')) }), el('td', { textContent: b.policy }),
    el('td', { textContent: new Date(b.due_at).toLocaleString(zh ? 'zh-CN' : 'en') }),
    el('td', { textContent: b.assignee || '—' }))));
}
$('report-days').addEventListener('change', () => report().catch((e) => alert(e.message)));

// ---- Calendars and policies ---------------------------------------------------------------------
let sla = { calendars: [], policies: [] };
const ZONES = ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Singapore', 'Asia/Tokyo',
  'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'UTC'];

/** `1-5 09:00-18:00` lines ⇄ hours spans (days 0 = Monday). */
function hoursText(hours) {
  return hours.map((h) => {
    const d = h.days.map((x) => x + 1);
    const run = d.length > 1 && d.every((x, i) => i === 0 || x === d[i - 1] + 1);
    return `${run ? `${d[0]}-${d[d.length - 1]}` : d.join(',')} ${h.from}-${h.to}`;
  }).join('\n');
}
function parseHours(text) {
  const out = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const m = line.match(/^([\d,\-\s]+)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/);
    if (!m) throw new Error(line);
    const days = new Set();
    for (const part of m[1].split(',').map((p) => p.trim()).filter(Boolean)) {
      const [a, b] = part.split('-').map(Number);
      for (let d = a; d <= (b || a); d++) days.add(d - 1);
    }
    out.push({ days: [...days].sort(), from: m[2].padStart(5, '0'), to: m[3].padStart(5, '0') });
  }
  return out;
}

function calendarCard(c) {
  const name = el('input', { value: c.name, className: 'cal-name' });
  const zone = el('input', { value: c.time_zone, className: 'cal-zone' });
  zone.setAttribute('list', 'zones');
  const hours = el('textarea', { rows: 3, value: hoursText(c.hours || []), className: 'cal-hours', placeholder: '1-5 09:00-18:00' });
  const holidays = el('textarea', { rows: 3, value: (c.holidays || []).join('\n'), className: 'cal-holidays', placeholder: '2027-01-01' });
  const remove = el('button', { type: 'button', className: 'link', textContent: w('remove') });
  const card = el('fieldset', { className: 'calendar' },
    el('label', {}, zh ? '名称' : 'Name', name), el('label', {}, w('time-zone'), zone),
    el('label', {}, w('hours-help'), hours), el('label', {}, w('holidays-help'), holidays), remove);
  card.dataset.id = c.id;
  remove.addEventListener('click', () => { card.remove(); refreshCalendarChoices(); });
  name.addEventListener('change', refreshCalendarChoices);
  return card;
}

function calendarsFromForm() {
  return [...document.querySelectorAll('#calendars .calendar')].map((card) => ({
    id: card.dataset.id,
    name: card.querySelector('.cal-name').value.trim(),
    time_zone: card.querySelector('.cal-zone').value.trim(),
    hours: parseHours(card.querySelector('.cal-hours').value),
    holidays: card.querySelector('.cal-holidays').value.split('\n').map((l) => l.trim()).filter(Boolean),
  }));
}

function calendarOptions() {
  return [['', w('always')], ...[...document.querySelectorAll('#calendars .calendar')]
    .map((c) => [c.dataset.id, c.querySelector('.cal-name').value || c.dataset.id])];
}
function refreshCalendarChoices() {
  for (const s of document.querySelectorAll('#policies select.cal')) {
    const v = s.value;
    s.replaceChildren(...calendarOptions().map(([id, n]) => new Option(n, id)));
    s.value = v;
  }
}

function policyRow(p) {
  const num = (v) => el('input', { type: 'number', min: 1, value: v ?? '', className: 'num' });
  const cells = {
    name: el('input', { value: p.name }),
    inbox: select([['', w('any')], ...choices.inboxes.map((i) => [i.id, i.name])], p.inbox_id),
    type: select([['', w('any')], ...['question', 'incident', 'complaint', 'claim', 'suggestion'].map((t) => [t, w('type-' + t)])], p.ticket_type),
    priority: select([['', w('any')], ...['low', 'normal', 'high', 'urgent'].map((t) => [t, w('priority-' + t)])], p.priority),
    calendar: select(calendarOptions(), p.calendar_id),
    first: num(p.first_response_minutes), next: num(p.next_response_minutes),
    resolution: num(p.resolution_minutes),
    remind: el('input', { type: 'number', min: 0, value: p.remind_before_minutes ?? 15, className: 'num' }),
  };
  cells.calendar.className = 'cal';
  const up = el('button', { type: 'button', className: 'link', textContent: w('up') });
  const remove = el('button', { type: 'button', className: 'link', textContent: w('remove') });
  const tr = el('tr', {}, ...Object.values(cells).map((c) => el('td', {}, c)), el('td', {}, up, ' ', remove));
  tr.dataset.id = p.id;
  tr.cells_ = cells;
  up.addEventListener('click', () => tr.previousElementSibling && tr.parentNode.insertBefore(tr, tr.previousElementSibling));
  remove.addEventListener('click', () => tr.remove());
  return tr;
}

function policiesFromForm() {
  const n = (i) => (i.value === '' ? null : Number(i.value));
  return [...$('policies').tBodies[0].rows].map((tr) => {
    const c = tr.cells_;
    return { id: tr.dataset.id, name: c.name.value.trim(), inbox_id: c.inbox.value, ticket_type: c.type.value,
      priority: c.priority.value, calendar_id: c.calendar.value, first_response_minutes: n(c.first),
      next_response_minutes: n(c.next), resolution_minutes: n(c.resolution), remind_before_minutes: n(c.remind) ?? 0 };
  });
}

async function loadSla() {
  sla = await api('/api/v1/sla');
  $('calendars').replaceChildren(...sla.calendars.map(calendarCard));
  $('policies').tBodies[0].replaceChildren(...sla.policies.map(policyRow));
}
$('add-calendar').addEventListener('click', () => {
  $('calendars').append(calendarCard({ id: newId(), name: '', time_zone: 'Asia/Shanghai',
    hours: [{ days: [0, 1, 2, 3, 4], from: '09:00', to: '18:00' }], holidays: [] }));
  refreshCalendarChoices();
});
$('add-policy').addEventListener('click', () => $('policies').tBodies[0].append(policyRow({ id: newId(), name: '' })));
$('save-sla').addEventListener('click', async () => {
  say('sla-result', '');
  try {
    const saved = await api('/api/v1/sla', 'PUT', { calendars: calendarsFromForm(), policies: policiesFromForm() });
    sla = saved;
    say('sla-result', w('saved'));
  } catch (e) { say('sla-result', e.message); }
});
document.body.append(el('datalist', { id: 'zones' }, ...ZONES.map((z) => new Option(z))));

// ---- Fields -----------------------------------------------------------------------------------
function fieldRow(f) {
  const key = el('input', { value: f.key, className: 'key' });
  const label = el('input', { value: f.label });
  const kind = select(['text', 'number', 'select', 'date', 'checkbox'].map((k) => [k, k]), f.kind || 'text');
  const options = el('input', { value: (f.options || []).join(', ') });
  const required = el('input', { type: 'checkbox', checked: !!f.required });
  const remove = el('button', { type: 'button', className: 'link', textContent: w('remove') });
  const tr = el('tr', {}, ...[key, label, kind, options, required, remove].map((c) => el('td', {}, c)));
  tr.get = () => ({ key: key.value.trim(), label: label.value.trim(), kind: kind.value,
    options: options.value.split(/[,，]/).map((o) => o.trim()).filter(Boolean), required: required.checked });
  remove.addEventListener('click', () => tr.remove());
  return tr;
}
async function loadFields() {
  const defs = await api('/api/v1/ticket-fields');
  $('fields').tBodies[0].replaceChildren(...defs.map(fieldRow));
}
$('add-field').addEventListener('click', () => $('fields').tBodies[0].append(fieldRow({ key: '', label: '' })));
$('save-fields').addEventListener('click', async () => {
  say('fields-result', '');
  try {
    await api('/api/v1/ticket-fields', 'PUT', [...$('fields').tBodies[0].rows].map((tr) => tr.get()));
    say('fields-result', w('saved'));
  } catch (e) { say('fields-result', e.message); }
});

// ---- Complaints -------------------------------------------------------------------------------
async function loadCases() {
  const s = await api('/api/v1/case-settings');
  const f = $('case-settings');
  f.inbox_id.replaceChildren(new Option('—', ''), ...choices.inboxes.map((i) => new Option(i.name, i.id)));
  f.supervisor_team_id.replaceChildren(new Option('—', ''), ...choices.teams.map((t) => new Option(t.name, t.id)));
  f.inbox_id.value = s.inbox_id;
  f.supervisor_team_id.value = s.supervisor_team_id;
  f.escalate_from.value = s.escalate_from;
  f.categories.value = s.categories.join('\n');
}
$('case-settings').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = e.target;
  say('case-result', '');
  try {
    await api('/api/v1/case-settings', 'PUT', { inbox_id: f.inbox_id.value, supervisor_team_id: f.supervisor_team_id.value,
      escalate_from: f.escalate_from.value, categories: f.categories.value.split('\n').map((c) => c.trim()).filter(Boolean) });
    say('case-result', w('saved'));
  } catch (err) { say('case-result', err.message); }
});

Promise.all([report(), loadSla(), loadFields(), loadCases()]).catch((e) => alert(e.message));
