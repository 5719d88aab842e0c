// The public complaint / after-sale form and a case's status page. The status page's access
// key lives in the address's fragment (#key=…) and goes to the API in a header only.
const csrf = document.querySelector('meta[name=csrf-token]').content;
const $ = (id) => document.getElementById(id);

async function call(path, { method = 'GET', body, key, raw } = {}) {
  const headers = { 'x-csrf-token': csrf };
  if (key) headers['x-kefu-case-key'] = key;
  if (!raw) headers['content-type'] = 'application/json';
  const r = await fetch(path, { method, headers, credentials: 'same-origin',
    body: raw ? body : body && JSON.stringify(body) });
  if (!r.ok) {
    const e = await r.json().catch(() => ({}));
    const err = new Error(e.error?.message || r.statusText);
    err.status = r.status;
    throw err;
  }
  return r.status === 204 ? null : r.json();
}

function show(el, text) { el.textContent = text; el.hidden = !text; }

async function upload(tracking, key, files) {
  for (const f of files) {
    await call(`/api/v1/cases/${tracking}/files?name=${encodeURIComponent(f.name)}`,
      { method: 'POST', body: f, key, raw: true });
  }
}

// ---- The form ---------------------------------------------------------------------------------
const form = $('case-form');
if (form) {
  const kindOf = () => form.querySelector('input[name=kind]:checked').value;
  const toggle = () => {
    const claim = kindOf() === 'claim';
    form.querySelector('.for-claim').hidden = !claim;
    form.querySelector('.for-complaint').hidden = claim;
  };
  form.querySelectorAll('input[name=kind]').forEach((r) => r.addEventListener('change', toggle));
  toggle();
  const err = $('case-error');
  $('send-code')?.addEventListener('click', async () => {
    show(err, '');
    try {
      await call('/api/v1/cases/code', { method: 'POST',
        body: { email: form.email.value.trim(), lang: form.dataset.lang } });
      $('code-hint').hidden = false;
      form.code.focus();
    } catch (e) { show(err, e.message); }
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    show(err, '');
    const button = $('case-submit');
    button.disabled = true;
    const kind = kindOf();
    const body = { kind, description: form.description.value, order_ref: form.order_ref.value.trim(),
      lang: form.dataset.lang };
    if (form.dataset.signedIn !== 'true') {
      Object.assign(body, { email: form.email.value.trim(), code: form.code.value.trim(),
        name: form.name.value.trim() });
    }
    if (kind === 'claim') Object.assign(body, { resolution: form.resolution.value, reason: form.reason.value.trim() });
    else Object.assign(body, { category: form.category.value, severity: form.severity.value });
    try {
      const filed = await call('/api/v1/cases', { method: 'POST', body });
      await upload(filed.tracking, filed.key, form.files.files);
      location.href = `/track/${filed.tracking}#key=${filed.key}`;
    } catch (e) {
      show(err, e.message);
      button.disabled = false;
    }
  });
}

// ---- The status page --------------------------------------------------------------------------
const box = $('case');
if (box) {
  const tracking = box.dataset.tracking;
  const key = new URLSearchParams(location.hash.slice(1)).get('key') || '';
  const words = {};
  document.getElementById('case-words').content.querySelectorAll('span')
    .forEach((s) => { words[s.dataset.k] = s.textContent; });
  const w = (k) => words[k] || k;
  const time = (ms) => new Date(ms).toLocaleString(box.dataset.lang === 'en' ? 'en' : 'zh-CN');

  async function load() {
    let c;
    try { c = await call(`/api/v1/cases/${tracking}`, { key }); } catch (e) {
      $('case-missing').hidden = false;
      return;
    }
    $('case-body').hidden = false;
    // Progress: the way this case went, then the usual rest of its way.
    const steps = $('case-steps');
    const reached = c.steps.lastIndexOf(c.status);
    steps.replaceChildren(...c.steps.map((s, i) => {
      const li = document.createElement('li');
      li.textContent = w(s);
      li.dataset.status = s;
      if (i < reached) li.className = 'done';
      if (i === reached) { li.className = 'current'; li.setAttribute('aria-current', 'step'); }
      return li;
    }));
    const facts = $('case-facts');
    facts.replaceChildren();
    const fact = (k, v) => {
      if (!v) return;
      const dt = document.createElement('dt'); dt.textContent = w(k);
      const dd = document.createElement('dd'); dd.textContent = v;
      facts.append(dt, dd);
    };
    fact('tracking', c.tracking);
    fact('status', w(c.status));
    fact('order', c.order_ref);
    fact('category', c.category);
    fact('severity', c.severity && words['severity-' + c.severity] || c.severity);
    fact('resolution', c.resolution && w(c.resolution));
    fact('reason', c.reason);
    const list = $('case-timeline');
    list.replaceChildren();
    for (const e of c.timeline) {
      const li = document.createElement('li');
      li.className = 'from-' + e.from;
      const head = document.createElement('div');
      head.className = 'meta';
      head.textContent = `${e.from === 'event' ? '' : (e.from === 'customer' ? w('customer') : (e.name || w('staff')))} ${time(e.at)}`.trim();
      const body = document.createElement('p');
      if (e.file) {
        const a = document.createElement('a');
        a.textContent = e.file[1];
        a.href = '#';
        a.addEventListener('click', async (ev) => {
          ev.preventDefault();
          const r = await fetch(`/api/v1/cases/${tracking}/files/${e.file[0]}`, { headers: { 'x-kefu-case-key': key } });
          const url = URL.createObjectURL(await r.blob());
          const dl = document.createElement('a');
          dl.href = url; dl.download = e.file[1]; dl.click();
          setTimeout(() => URL.revokeObjectURL(url), 10000);
        });
        body.append(a);
      } else if (e.status) {
        body.textContent = `${w('moved')} ${w(e.status)}${e.body ? ' — ' + e.body : ''}`;
      } else {
        body.textContent = e.body;
      }
      li.append(head, body);
      list.append(li);
    }
    const add = $('case-add');
    if (c.status === 'closed') {
      add.replaceChildren(Object.assign(document.createElement('p'), { textContent: w('closed-note') }));
    }
  }

  $('case-add').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const err = $('add-error');
    show(err, '');
    try {
      if (f.body.value.trim()) {
        await call(`/api/v1/cases/${tracking}/messages`, { method: 'POST', body: { body: f.body.value }, key });
      }
      await upload(tracking, key, f.files.files);
      f.reset();
      await load();
    } catch (e) { show(err, e.message); }
  });
  load();
}
