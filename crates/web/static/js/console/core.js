// What every part of the agent console shares: the page's texts, the API, small helpers, the
// elements several parts touch, and the state of the open conversation. Parts call each other
// through `calls` (filled in by console.js), so no module imports another's top level.

export const csrf = document.querySelector('meta[name=csrf-token]').content;
export const root = document.querySelector('.console').dataset;
export const $ = (id) => document.getElementById(id);
export const pane = $('messages');
export const title = $('title');
export const form = $('composer');
export const input = $('body');
export const noteBox = $('note');
export const fill = (tpl, key, value) => tpl.replace('{' + key + '}', value);
export const word = (kind, v) => root[kind + v.replace(/^./, (c) => c.toUpperCase())] || v;

/** The open conversation and what goes with it. */
export const S = {
  current: null,
  currentCustomer: null,
  currentChannel: 'widget',
  mailFiles: [], // files uploaded for the next mail: {id, name}
  acceptWarnings: false,
  readUpTo: 0, // the newest sequence the customer has read, in the open conversation
  lang: 'zh', // the conversation's language (the customer's, else the console's)
};

/** Functions of one part that another calls (open, loadContext, loadList, item, …). */
export const calls = {};

export async function api(path, options = {}) {
  const r = await fetch(path, { ...options, credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, ...(options.headers || {}) } });
  if (r.status === 401) { location.href = '/login?next=/console'; throw new Error('signed out'); }
  if (!r.ok) {
    const e = (await r.json().catch(() => ({}))).error || {};
    throw Object.assign(new Error(e.message || r.statusText), { code: e.code });
  }
  return r.status === 204 ? null : r.json();
}

export function parseMeta(m) { try { return JSON.parse(m.meta || '{}'); } catch { return {}; } }

/** "in 2 h 5 min" / "12 min": a span of time, short. */
export function span(ms) {
  const m = Math.max(1, Math.round(Math.abs(ms) / 60000));
  const zh = document.documentElement.lang.startsWith('zh');
  if (m < 60) return zh ? `${m} 分钟` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return zh ? `${h} 小时 ${m % 60} 分钟` : `${h} h ${m % 60} min`;
  return zh ? `${Math.floor(h / 24)} 天` : `${Math.floor(h / 24)} d`;
}

/** A service-level target: which, and when it is due (or how late it is). */
export function slaBadge(metric, due) {
  const b = document.createElement('span');
  const left = due - Date.now();
  b.className = 'sla ' + (left < 0 ? 'late' : left < 30 * 60000 ? 'soon' : 'ok');
  b.textContent = `${word('sla', metric)} ${fill(left < 0 ? root.slaLate : root.slaIn, 't', span(left))}`;
  b.title = new Date(due).toLocaleString();
  return b;
}
