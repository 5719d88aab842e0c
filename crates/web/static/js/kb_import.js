// The knowledge base's CSV import: the file chosen is sent as it is to the import API, which
// matches articles by slug; the page says what changed (or, in the reader's language, why
// nothing did) and shows the list again.
const form = document.getElementById('kb-import-form');
const file = document.getElementById('kb-import-file');
const result = document.getElementById('kb-import-result');
const error = document.getElementById('kb-import-error');
const csrf = document.querySelector('meta[name=csrf-token]').content;

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  result.hidden = true;
  error.hidden = true;
  const f = file.files[0];
  if (!f) { error.textContent = form.dataset.choose; error.hidden = false; return; }
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const r = await fetch('/api/v1/kb/import.csv', { method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'text/csv; charset=utf-8', 'x-csrf-token': csrf }, body: await f.text() });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.error?.message || r.statusText);
    result.textContent = form.dataset.report.replace('{created}', body.created).replace('{updated}', body.updated);
    result.hidden = false;
    // The list below shows the imported articles after a moment to read the report.
    setTimeout(() => location.reload(), 2500);
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
});
