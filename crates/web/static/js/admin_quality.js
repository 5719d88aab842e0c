// Admin: the quality report (per agent, CSV), the forbidden phrases, the shop's standard phrases.
const csrf = document.querySelector('meta[name=csrf-token]').content;
const $ = (id) => document.getElementById(id);
const words = {};
$('words').content.querySelectorAll('span').forEach((s) => { words[s.dataset.k] = s.textContent; });
const w = (k) => words[k] || k;

async function api(path, method = 'GET', body) {
  const r = await fetch(path, { method, credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error?.message || r.statusText);
  return r.status === 204 ? null : r.json();
}
const el = (tag, props = {}, ...kids) => { const e = Object.assign(document.createElement(tag), props); e.append(...kids); return e; };

async function report() {
  const to = Date.now();
  const from = to - Number($('q-days').value) * 86400000;
  const team = $('q-team').value;
  const qs = `from=${from}&to=${to}${team ? `&team_id=${team}` : ''}`;
  $('q-csv').href = `/api/v1/reports/quality.csv?${qs}`;
  const r = await api(`/api/v1/reports/quality?${qs}`);
  $('q-report').tBodies[0].replaceChildren(...[...r.agents, r.total].map((a) => el('tr', {},
    el('td', { textContent: a.agent === '*' ? w('total') : a.agent }), el('td', { textContent: a.checked }), el('td', { textContent: a.clean }),
    el('td', { textContent: a.sent_anyway }), el('td', { textContent: a.stopped }), el('td', { textContent: a.blocked }),
    el('td', { textContent: Object.entries(a.by_rule).map(([k, v]) => `${k} ×${v}`).join(', ') }),
    el('td', { textContent: a.examples.slice(0, 3).join(' | ') }))));
}
$('q-days').addEventListener('change', report);
$('q-team').addEventListener('change', report);

function ruleRow(r) {
  const phrase = el('input', { value: r.phrase, maxLength: 50 });
  const lang = el('select', {}, new Option('中文', 'zh'), new Option('English', 'en'));
  lang.value = r.lang || 'zh';
  const sev = el('select', {}, new Option(w('warn'), 'warn'), new Option(w('block'), 'block'));
  sev.value = r.severity || 'warn';
  const sug = el('input', { value: r.suggestion || '' });
  const exc = el('input', { value: (r.exceptions || []).join(', ') });
  const remove = el('button', { type: 'button', className: 'link', textContent: w('remove') });
  const tr = el('tr', {}, ...[phrase, lang, sev, sug, exc, remove].map((c) => el('td', {}, c)));
  tr.get = () => ({ id: r.id || `rule-${Math.random().toString(36).slice(2, 10)}`, phrase: phrase.value.trim(), lang: lang.value,
    severity: sev.value, suggestion: sug.value.trim(), exceptions: exc.value.split(/[,，]/).map((s) => s.trim()).filter(Boolean) });
  remove.addEventListener('click', () => tr.remove());
  return tr;
}
async function loadRules() {
  $('rules').tBodies[0].replaceChildren(...(await api('/api/v1/quality/rules')).map(ruleRow));
}
$('add-rule').addEventListener('click', () => $('rules').tBodies[0].append(ruleRow({ phrase: '' })));
$('save-rules').addEventListener('click', async () => {
  $('rules-result').textContent = '';
  try {
    await api('/api/v1/quality/rules', 'PUT', [...$('rules').tBodies[0].rows].map((tr) => tr.get()));
    $('rules-result').textContent = w('saved');
  } catch (e) { $('rules-result').textContent = e.message; }
});

async function loadPhrases() {
  const [list, kinds] = await Promise.all([api('/api/v1/phrases'), api('/api/v1/phrase-kinds')]);
  const all = [...['greeting', 'inquiry', 'response', 'apology', 'thanks'].map((k) => [k, w('kind-' + k)]),
    ...kinds.map((k) => [k.key, document.documentElement.lang.startsWith('zh') ? k.label_zh : (k.label_en || k.label_zh)])];
  const label = Object.fromEntries(all);
  $('phrase-form').kind.replaceChildren(...all.map(([k, l]) => new Option(l, k)));
  $('phrase-table').tBodies[0].replaceChildren(...list.filter((p) => p.shared).map((p) => {
    const del = el('button', { type: 'button', className: 'link', textContent: w('remove') });
    del.addEventListener('click', async () => { await api(`/api/v1/phrases/${p.id}`, 'DELETE'); loadPhrases(); });
    return el('tr', {}, el('td', { textContent: label[p.kind] || p.kind }), el('td', { textContent: p.title }),
      el('td', { textContent: p.body_zh }), el('td', { textContent: p.body_en }), el('td', {}, del));
  }));
}
$('phrase-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = e.target;
  try {
    await api('/api/v1/phrases', 'POST', { kind: f.kind.value, title: f.title.value.trim(), body_zh: f.body_zh.value,
      body_en: f.body_en.value, shared: true });
    f.reset();
    $('phrase-result').textContent = w('saved');
    loadPhrases();
  } catch (err) { $('phrase-result').textContent = err.message; }
});

Promise.all([report(), loadRules(), loadPhrases()]).catch((e) => alert(e.message));
