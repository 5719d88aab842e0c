// The staff's desk pages: macros, signatures, one's own phrases, customers, and the reports.
// Each page lists what the API gives and edits it in the form beside the list; the server says
// what is wrong in the reader's language, and the page shows it next to the form.
const root = document.getElementById('desk');
const $ = (id) => document.getElementById(id);
const T = root.dataset;
const section = T.section;
const shopWide = T.shopWide === 'true';
const csrf = document.querySelector('meta[name=csrf-token]').content;

async function api(path, options = {}) {
  let r;
  try {
    r = await fetch(path, { ...options, credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, ...(options.headers || {}) } });
  } catch { throw new Error(T.network); }
  if (r.status === 401) { location.href = '/login?next=' + encodeURIComponent(location.pathname); throw new Error(''); }
  if (!r.ok) {
    const e = (await r.json().catch(() => ({}))).error || {};
    throw Object.assign(new Error(e.message || r.statusText), { code: e.code });
  }
  return r.status === 204 ? null : r.json();
}

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
};
const fill = (s, k, v) => s.replace(`{${k}}`, v);
const when = (ms) => new Date(ms).toLocaleString(T.lang);

function say(id, text) {
  const p = $(id);
  if (!p) return;
  p.textContent = text || '';
  p.hidden = !text;
}

// ---- Lists with a form beside them (macros, signatures, phrases, customers) ------------------

const form = $('editor');
let items = [];

const kinds = {
  macros: {
    url: '/api/v1/macros',
    label: (m) => m.name,
    mine: (m) => !m.shared || shopWide,
    shared: (m) => m.shared,
    summary(m) {
      const a = m.actions || {};
      const parts = [];
      if (a.status) parts.push(T['status' + cap(a.status)] || a.status);
      if (a.priority) parts.push(T['priority' + cap(a.priority)] || a.priority);
      if (a.stage) parts.push(T['stage' + camel(a.stage)] || a.stage);
      if (a.ticket_type) parts.push(T['type' + cap(a.ticket_type)] || a.ticket_type);
      if (a.assign === 'me') parts.push(T.assignMe);
      if ((a.add_tags || []).length) parts.push(a.add_tags.map((t) => '#' + t).join(' '));
      if (a.reply) parts.push('“' + a.reply.slice(0, 60) + (a.reply.length > 60 ? '…' : '') + '”');
      return parts.join(' · ');
    },
    toForm(m) {
      const a = m.actions || {};
      return { id: m.id, name: m.name, shared: m.shared, reply: a.reply || '', status: a.status || '', priority: a.priority || '',
        stage: a.stage || '', ticket_type: a.ticket_type || '', assign: a.assign || '', team_id: a.team_id || '',
        add_tags: (a.add_tags || []).join(', ') };
    },
    body(f) {
      const v = (k) => f.get(k) || null;
      return { name: f.get('name'), shared: f.get('shared') === 'on', actions: {
        reply: f.get('reply') || '', status: v('status'), priority: v('priority'), stage: v('stage'),
        ticket_type: v('ticket_type'), assign: v('assign'), team_id: v('team_id'),
        add_tags: (f.get('add_tags') || '').split(/[,，]/).map((t) => t.trim()).filter(Boolean) } };
    },
    update: 'PUT',
  },
  signatures: {
    url: '/api/v1/signatures',
    label: (s) => s.name,
    mine: (s) => !!s.owner_id || T.admin === 'true',
    shared: (s) => !s.owner_id,
    summary: (s) => s.body.split('\n').slice(0, 3).join(' / '),
    toForm: (s) => ({ id: s.id, name: s.name, body: s.body, inbox_id: s.inbox_id || '' }),
    body(f, editing) {
      const b = { name: f.get('name'), body: f.get('body') };
      if (!editing && f.get('inbox_id')) b.inbox_id = f.get('inbox_id');
      return b;
    },
    update: 'PUT',
  },
  phrases: {
    url: '/api/v1/phrases',
    label: (p) => p.title,
    mine: (p) => !p.shared || shopWide,
    shared: (p) => p.shared,
    summary: (p) => [T['kind' + cap(p.kind)] || p.kind, T.lang === 'en' ? (p.body_en || p.body_zh) : (p.body_zh || p.body_en)].join(' · '),
    toForm: (p) => ({ id: p.id, kind: p.kind, title: p.title, body_zh: p.body_zh, body_en: p.body_en, shared: p.shared }),
    body: (f) => ({ kind: f.get('kind'), title: f.get('title'), body_zh: f.get('body_zh') || '', body_en: f.get('body_en') || '',
      shared: f.get('shared') === 'on' }),
    update: 'PUT',
  },
  customers: {
    url: null,
    label: (c) => c.name || c.email || c.phone || '—',
    mine: () => true,
    shared: () => false,
    summary: (c) => [c.email, c.phone, c.verified ? T.verified : ''].filter(Boolean).join(' · '),
    toForm: (c) => ({ id: c.id, name: c.name, email: c.email, phone: c.phone, language: c.language || '' }),
    body: (f) => ({ name: f.get('name'), email: f.get('email'), phone: f.get('phone'), language: f.get('language') }),
    update: 'PATCH',
    base: '/api/v1/customers',
  },
};
const kind = kinds[section];

function cap(s) { return s.charAt(0).toUpperCase() + s.slice(1); }
function camel(s) { return s.split('_').map(cap).join(''); }

function startNew() {
  if (!form) return;
  form.reset();
  form.elements.id.value = '';
  $('editor-title').textContent = T.newTitle;
  if (form.elements.inbox_id) form.elements.inbox_id.disabled = false;
  say('editor-error');
}

function edit(item) {
  const values = kind.toForm(item);
  form.hidden = false;
  form.reset();
  for (const [k, v] of Object.entries(values)) {
    const f = form.elements[k];
    if (!f) continue;
    if (f.type === 'checkbox') f.checked = !!v; else f.value = v;
  }
  // Where a signature belongs is chosen once.
  if (form.elements.inbox_id) form.elements.inbox_id.disabled = true;
  $('editor-title').textContent = `${T.editTitle}: ${kind.label(item)}`;
  say('editor-error');
  say('editor-ok');
  form.querySelector('input:not([type=hidden]), textarea').focus();
}

function draw() {
  const ul = $('items');
  ul.replaceChildren();
  for (const item of items) {
    const li = el('li');
    li.dataset.id = item.id;
    const head = el('div', 'desk-head');
    head.append(el('strong', null, kind.label(item)));
    if (section !== 'customers') head.append(el('span', 'badge' + (kind.shared(item) ? ' ok' : ''), kind.shared(item) ? T.shared : T.own));
    li.append(head, el('p', 'muted small', kind.summary(item)));
    if (kind.mine(item)) {
      const row = el('p', 'row');
      const e = el('button', 'secondary small', T.edit);
      e.type = 'button';
      e.dataset.action = 'edit';
      e.addEventListener('click', () => edit(item));
      row.append(e);
      if (section !== 'customers') {
        const d = el('button', 'danger small', T.delete);
        d.type = 'button';
        d.dataset.action = 'delete';
        // Asked on the page, not in a browser dialog: the first click asks, the second deletes.
        d.addEventListener('click', async () => {
          if (!d.classList.contains('armed')) {
            d.classList.add('armed');
            d.textContent = fill(T.confirmDelete, 'name', kind.label(item));
            setTimeout(() => { d.classList.remove('armed'); d.textContent = T.delete; }, 6000);
            return;
          }
          try { await api(`${kind.url}/${item.id}`, { method: 'DELETE' }); await load(); startNew(); } catch (err) { say('editor-error', err.message); }
        });
        row.append(d);
      }
      li.append(row);
    }
    ul.append(li);
  }
  if (!items.length) ul.append(el('li', 'muted', section === 'customers' ? T.noMatch : T.none));
}

async function load() {
  if (section === 'customers') {
    const q = $('customer-q').value.trim();
    if (q.length < 2) { items = []; $('items').replaceChildren(); return; }
    try { items = await api('/api/v1/customers?' + new URLSearchParams({ q })); } catch (err) { items = []; say('editor-error', err.message); }
  } else {
    items = await api(kind.url);
  }
  draw();
}

if (form) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    say('editor-error');
    say('editor-ok');
    const f = new FormData(form);
    const id = form.elements.id.value;
    const base = kind.base || kind.url;
    try {
      const saved = await api(id ? `${base}/${id}` : base, { method: id ? kind.update : 'POST', body: JSON.stringify(kind.body(f, !!id)) });
      await load();
      if (section === 'customers') edit(saved); else startNew();
      say('editor-ok', T.saved);
    } catch (err) {
      say('editor-error', err.message);
    }
  });
  $('editor-new')?.addEventListener('click', startNew);
}

if (section === 'customers') {
  let timer = null;
  $('customer-q').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 250); });
  const q = new URLSearchParams(location.search).get('q');
  if (q) { $('customer-q').value = q; load(); }
} else if (kind) {
  load().catch((err) => say('editor-error', err.message));
}

// ---- Reports (supervisors and admins) ---------------------------------------------------------

async function loadReports() {
  const days = Number($('r-days').value);
  const team = $('r-team').value;
  const to = Date.now();
  const from = to - days * 86400000;
  const q = new URLSearchParams({ from: String(from), to: String(to) });
  say('desk-error');
  try {
    const sla = await api('/api/v1/reports/sla?' + q);
    for (const m of ['first_response', 'next_response', 'resolution']) {
      const r = sla[m];
      const cells = document.querySelectorAll(`#sla-targets tr[data-metric=${m}] td`);
      const rate = r.measured ? Math.round((r.met / r.measured) * 100) + ' %' : '—';
      [r.measured, r.met, r.breached, rate].forEach((v, i) => { cells[i].textContent = String(v); });
    }
    const byAgent = $('sla-assignees').querySelector('tbody');
    byAgent.replaceChildren(...sla.by_assignee.map(([who, n]) => row([who || '—', n])));
    const breaches = $('sla-breaches').querySelector('tbody');
    breaches.replaceChildren(...sla.breaches.slice(0, 100).map((b) => {
      const tr = row(['#' + b.number, b.subject, metricName(b.metric), b.assignee || '—', when(b.breached_at)]);
      const a = el('a', null, '#' + b.number);
      a.href = `/console#${b.conversation_id}`;
      tr.firstChild.replaceChildren(a);
      return tr;
    }));
    if (team) q.set('team_id', team);
    const quality = await api('/api/v1/reports/quality?' + q);
    $('q-report').querySelector('tbody').replaceChildren(...[...quality.agents, { ...quality.total, agent: '∑' }].map((a) =>
      row([a.agent, a.checked, a.clean, a.sent_anyway, a.stopped, a.blocked])));
    $('r-csv').href = '/api/v1/reports/quality.csv?' + q;
  } catch (err) {
    say('desk-error', err.message);
  }
}

function metricName(m) {
  const th = document.querySelector(`#sla-targets tr[data-metric=${m}] th`);
  return th ? th.textContent : m;
}

function row(values) {
  const tr = el('tr');
  for (const v of values) tr.append(el('td', null, String(v)));
  return tr;
}

if (section === 'reports') {
  $('r-days').addEventListener('change', loadReports);
  $('r-team').addEventListener('change', loadReports);
  loadReports();
}
