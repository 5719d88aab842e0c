// The phone desk: callbacks customers asked for (take one, call, log it), the script for each
// stage of a call built from the standard phrases, and the call log form.
const csrf = document.querySelector('meta[name=csrf-token]').content;
const $ = (id) => document.getElementById(id);
const root = $('calls').dataset;
const conversation = root.conversation;
const form = $('call-form');

async function api(path, method = 'GET', body) {
  const r = await fetch(path, { method, credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error?.message || r.statusText);
  return r.status === 204 ? null : r.json();
}

const stageName = (s) => root['stage' + s.replace(/^./, (c) => c.toUpperCase())] || s;

async function loadScript() {
  const q = conversation ? `?conversation_id=${encodeURIComponent(conversation)}` : '';
  const stages = await api('/api/v1/call-script' + q);
  $('script').replaceChildren(...stages.map((s) => {
    const li = document.createElement('li');
    const h = document.createElement('strong');
    h.textContent = stageName(s.stage);
    const ul = document.createElement('ul');
    for (const l of s.lines) {
      const p = document.createElement('li');
      p.textContent = l.text;
      ul.append(p);
    }
    li.append(h, ul);
    return li;
  }));
}

async function loadCallbacks() {
  const list = await api('/api/v1/callbacks');
  const ul = $('callback-list');
  if (!list.length) { ul.replaceChildren(Object.assign(document.createElement('li'), { className: 'muted', textContent: root.none })); return; }
  ul.replaceChildren(...list.map((cb) => {
    const li = document.createElement('li');
    li.dataset.id = cb.id;
    const when = cb.preferred_at ? new Date(cb.preferred_at).toLocaleString() : root.asap;
    const head = document.createElement('strong');
    head.textContent = `${cb.name || '—'} · ${cb.phone}`;
    const meta = document.createElement('span');
    meta.className = 'muted';
    meta.textContent = ` ${when}${cb.assignee ? ' · ' + cb.assignee : ''}${cb.note ? ' · ' + cb.note : ''}`;
    const take = document.createElement('button');
    take.type = 'button';
    take.className = 'secondary';
    take.textContent = cb.status === 'open' ? root.take : root.call;
    take.addEventListener('click', async () => {
      try {
        if (cb.status === 'open') await api(`/api/v1/callbacks/${cb.id}/take`, 'POST');
        form.callback_id.value = cb.id;
        form.direction.value = 'outbound';
        form.number.value = cb.phone;
        $('call-for').textContent = `${cb.name || ''} ${cb.phone}`;
        await loadCallbacks();
      } catch (e) { alert(e.message); }
    });
    li.append(head, meta, ' ', take);
    return li;
  }));
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  $('call-error').hidden = true;
  const body = { direction: form.direction.value, number: form.number.value.trim(), outcome: form.outcome.value,
    duration_seconds: Math.round(Number(form.minutes.value || 0) * 60), notes: form.notes.value.trim() };
  if (conversation) body.conversation_id = conversation;
  if (form.callback_id.value) body.callback_id = form.callback_id.value;
  try {
    await api('/api/v1/calls', 'POST', body);
    form.reset();
    form.callback_id.value = '';
    $('call-for').textContent = '';
    $('call-done').textContent = root.logged;
    $('call-done').hidden = false;
    await loadCallbacks();
  } catch (err) {
    $('call-error').textContent = err.message;
    $('call-error').hidden = false;
  }
});

loadScript().catch((e) => alert(e.message));
loadCallbacks().catch((e) => alert(e.message));
