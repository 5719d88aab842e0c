/* Kefu widget loader: paste
   <script src="https://KEFU/widget.js" data-inbox="INBOX_ID" async></script>
   into the shop's page. It adds a launcher button and an iframe served by Kefu. A signed-in
   shop customer can be passed with data-user-id, data-user-email, data-user-name,
   data-user-timestamp and data-user-signature (HMAC, see docs). */
(function () {
  var me = document.currentScript;
  if (!me || window.__kefu) return;
  window.__kefu = 1;
  var base = new URL(me.src).origin;
  var inbox = me.getAttribute('data-inbox') || '';
  var lang = me.getAttribute('data-lang') || navigator.language || 'en';
  var zh = /^zh/i.test(lang);
  var open = false;
  // Whether the chat was open stays with the shop's page across reloads (its own storage).
  var openKey = 'kefu_open_' + inbox;
  function remember(o) { try { localStorage.setItem(openKey, o ? '1' : ''); } catch (e) { /* private mode */ } }
  function remembered() { try { return localStorage.getItem(openKey) === '1'; } catch (e) { return false; } }
  var frame = document.createElement('iframe');
  frame.src = base + '/widget/frame?inbox=' + encodeURIComponent(inbox) + '&lang=' + encodeURIComponent(lang);
  frame.title = zh ? '在线客服' : 'Chat with us';
  frame.setAttribute('allow', 'clipboard-write; microphone'); // voice notes
  frame.style.cssText = 'position:fixed;right:20px;bottom:90px;width:370px;max-width:calc(100vw - 40px);' +
    'height:560px;max-height:calc(100vh - 120px);border:0;border-radius:14px;' +
    'box-shadow:0 12px 40px rgba(0,0,0,.18);z-index:2147483646;display:none;background:#fff';
  var button = document.createElement('button');
  button.type = 'button';
  button.setAttribute('aria-label', frame.title);
  button.setAttribute('data-kefu', 'launcher');
  var label = document.createElement('span');
  label.textContent = zh ? '客服' : 'Chat';
  // Replies that came while the chat was closed (the frame counts them and keeps the count).
  var badge = document.createElement('span');
  badge.setAttribute('data-kefu', 'unread');
  badge.style.cssText = 'position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;' +
    'box-sizing:border-box;border-radius:10px;background:#d92d20;color:#fff;font:700 12px/20px system-ui,sans-serif;' +
    'text-align:center;display:none';
  button.appendChild(label);
  button.appendChild(badge);
  button.style.cssText = 'position:fixed;right:20px;bottom:20px;height:56px;min-width:56px;padding:0 18px;' +
    'border:0;border-radius:28px;background:#d9480f;color:#fff;font:600 16px/1 system-ui,sans-serif;' +
    'box-shadow:0 6px 20px rgba(0,0,0,.2);cursor:pointer;z-index:2147483647';
  button.style.position = 'fixed';
  function post(m) { frame.contentWindow && frame.contentWindow.postMessage(m, base); }
  function a(n) { return me.getAttribute('data-user-' + n) || ''; }
  function page() {
    // Browse consult: the page the visitor is on, for the agent's sidebar.
    post({ kefu: 'page', url: location.href, title: document.title, referrer: document.referrer });
  }
  function unread(n) {
    badge.textContent = n > 99 ? '99+' : String(n);
    badge.style.display = n > 0 ? 'block' : 'none';
    button.setAttribute('aria-label', frame.title + (n > 0 ? (zh ? '（' + n + ' 条未读）' : ' (' + n + ' unread)') : ''));
  }
  function show(o) {
    open = o;
    frame.style.display = open ? 'block' : 'none';
    label.textContent = open ? '×' : (zh ? '客服' : 'Chat');
    remember(open);
    post({ kefu: 'visibility', open: open });
  }
  button.onclick = function () { show(!open); };
  window.addEventListener('message', function (e) {
    if (e.origin !== base || !e.data) return;
    if (e.data.kefu === 'ready') {
      if (a('signature')) post({ kefu: 'identify', identity: { external_id: a('id'), email: a('email'),
        name: a('name'), timestamp: +a('timestamp'), signature: a('signature') } });
      page();
    }
    if (e.data.kefu === 'ready') post({ kefu: 'visibility', open: open });
    if (e.data.kefu === 'open') show(true); // a proactive invitation
    if (e.data.kefu === 'unread') unread(+e.data.count || 0);
  });
  document.body.appendChild(frame);
  document.body.appendChild(button);
  if (remembered()) show(true);
})();
