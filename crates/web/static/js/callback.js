// "Call me back" in the help centre: the number, a preferred time and a note go to the shop's
// agents as a task.
const form = document.getElementById('callback-form');
const csrf = document.querySelector('meta[name=csrf-token]').content;
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const err = document.getElementById('callback-error');
  err.hidden = true;
  const body = { name: form.name.value.trim(), phone: form.phone.value.trim(), note: form.note.value.trim() };
  if (form.when.value) body.preferred_at = new Date(form.when.value).getTime();
  const r = await fetch('/api/v1/callbacks', { method: 'POST', credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) });
  if (!r.ok) {
    err.textContent = (await r.json().catch(() => ({}))).error?.message || r.statusText;
    err.hidden = false;
    return;
  }
  form.hidden = true;
  document.getElementById('callback-done').hidden = false;
});
