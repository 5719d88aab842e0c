// Kefu's real-time client (protocol v1, docs/protocol.md), shared by the widget and the console.
// It keeps the last sequence seen per conversation, resumes from it after a reconnect, and resends
// every message that was not acknowledged, under the same client id, so nothing is lost or doubled.

export const newId = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2)).replace(/[^A-Za-z0-9-]/g, '');

export class ChatSocket {
  /**
   * @param {object} o
   * @param {() => Promise<object>} o.credentials resolves to {token} or {visitor}
   * @param {(frame: object) => void} o.onFrame every message/typing/read frame, once, in order
   * @param {(state: string) => void} [o.onState] 'connecting' | 'online' | 'offline'
   */
  constructor({ credentials, onFrame, onState = () => {} }) {
    this.credentials = credentials;
    this.onFrame = onFrame;
    this.onState = onState;
    this.since = {};        // conversation id -> last seq delivered to onFrame
    this.pending = new Map(); // cid -> {frame, resolve, reject}, in the order sent
    this.refused = new Set(); // cids refused for load, to send again together
    this.backoff = 500;
    this.closed = false;
    this.connect();
  }

  /** Starts following a conversation from `seq` (the last one the caller has shown). */
  follow(conversation, seq = 0) {
    if (!(conversation in this.since)) this.since[conversation] = seq;
  }

  async connect() {
    if (this.closed) return;
    this.onState('connecting');
    let creds;
    try { creds = await this.credentials(); } catch { return this.retry(); }
    const url = new URL('/ws', location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', v: 1, ...creds, since: this.since }));
    ws.onmessage = (ev) => this.receive(JSON.parse(ev.data));
    ws.onclose = () => { this.ready = false; this.onState('offline'); this.retry(); };
  }

  retry() {
    if (this.closed) return;
    setTimeout(() => this.connect(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, 15000);
  }

  receive(f) {
    switch (f.type) {
      case 'welcome':
        this.ready = true;
        this.backoff = 500;
        this.role = f.role;
        this.onState('online');
        // Anything not acknowledged before the drop is sent again with its client id.
        this.refused = new Set();
        for (const p of this.pending.values()) this.ws.send(JSON.stringify(p.frame));
        break;
      case 'ack': {
        const p = this.pending.get(f.cid);
        if (p) { this.pending.delete(f.cid); p.resolve(f); }
        break;
      }
      case 'message': {
        const last = this.since[f.conversation] ?? 0;
        if (f.seq <= last) return;
        this.since[f.conversation] = f.seq;
        this.onFrame(f);
        break;
      }
      case 'error': {
        const p = f.cid && this.pending.get(f.cid);
        if (p && f.code === 'busy') {
          // Load shedding: nothing was stored. The refused messages go again together (same
          // client ids), in the order they were first sent, after one short jittered pause; they
          // stay pending meanwhile. The server takes none of a conversation's later messages
          // before the first refused one, so shedding never reorders them.
          this.refused.add(f.cid);
          if (!this.resendTimer) {
            this.resendTimer = setTimeout(() => {
              const again = this.refused;
              this.refused = new Set();
              this.resendTimer = null;
              if (!this.ready) return; // the reconnect sends every pending message
              for (const [cid, q] of this.pending) if (again.has(cid)) this.ws.send(JSON.stringify(q.frame));
            }, 300 + Math.random() * 700);
          }
        } else if (p) { this.pending.delete(f.cid); p.reject(f); } else this.onFrame(f);
        break;
      }
      default:
        this.onFrame(f);
    }
  }

  /** Sends a message under client id `cid`; resolves with the ack once it is committed. */
  send(conversation, body, note = false, cid = newId(), acceptWarnings = false) {
    const frame = { type: 'send', cid, conversation, body, note, accept_warnings: acceptWarnings };
    return new Promise((resolve, reject) => {
      this.pending.set(cid, { frame, resolve, reject });
      if (this.ready) this.ws.send(JSON.stringify(frame));
    });
  }

  typing(conversation, on) { if (this.ready) this.ws.send(JSON.stringify({ type: 'typing', conversation, on })); }
  read(conversation, seq) { if (this.ready) this.ws.send(JSON.stringify({ type: 'read', conversation, seq })); }
  viewing(conversation, on) { if (this.ready) this.ws.send(JSON.stringify({ type: 'viewing', conversation, on })); }

  /** Reconnects so the server replays what this socket missed for newly followed conversations. */
  refresh() { if (this.ws && this.ready) this.ws.close(); }

  close() { this.closed = true; this.ws?.close(); }
}

/** Text with line breaks, safely: never innerHTML. */
export function textNode(parent, text) {
  const lines = String(text).split('\n');
  lines.forEach((l, i) => { if (i) parent.append(document.createElement('br')); parent.append(document.createTextNode(l)); });
}
