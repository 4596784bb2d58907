/**
 * `GET /__sim/user`: a small page where a person plays a WeChat user of an authorized account — send
 * a text, tap a button of the menu the hub set (drawn as WeChat draws it: up to three top buttons,
 * each with up to five sub-buttons), scan a QR code with a scene, share a location, follow or
 * unfollow — and sees the hub's passive reply, decrypted. It calls the admin API of the same origin
 * (`/__sim/accounts`, `…/menu`, `…/user/*`); the page is static and writes what it receives with
 * `textContent` only.
 */
export function renderUserPage(): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>模拟微信用户 · WeChat user (simulator)</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #ededed; color: #111; }
  main { max-width: 420px; margin: 0 auto; background: #f7f7f7; min-height: 100vh; display: flex; flex-direction: column; }
  header { background: #2e2e2e; color: #fff; padding: 10px 12px; }
  header select, header input { width: 100%; box-sizing: border-box; margin-top: 4px; }
  #log { flex: 1; padding: 10px; overflow-y: auto; }
  .bubble { max-width: 80%; margin: 6px 0; padding: 8px 10px; border-radius: 6px; white-space: pre-wrap; word-break: break-word; }
  .me { background: #95ec69; margin-left: auto; }
  .account { background: #fff; }
  .note { color: #888; font-size: 12px; text-align: center; }
  .tools { padding: 8px; display: grid; gap: 6px; border-top: 1px solid #ddd; }
  .row { display: flex; gap: 6px; }
  .row input { flex: 1; min-width: 0; }
  nav#menu { display: flex; border-top: 1px solid #ccc; background: #fff; position: relative; }
  nav#menu > div { flex: 1; position: relative; }
  nav#menu button.top { width: 100%; border: 0; border-left: 1px solid #eee; background: #fff; padding: 12px 4px; }
  .subs { position: absolute; bottom: 100%; left: 4px; right: 4px; background: #fff; border: 1px solid #ccc; display: none; flex-direction: column; }
  .subs.open { display: flex; }
  .subs button { border: 0; border-bottom: 1px solid #eee; background: #fff; padding: 10px 4px; }
  pre { font-size: 11px; white-space: pre-wrap; word-break: break-all; }
</style>
</head>
<body>
<main>
  <header>
    <label>公众号 Account <select id="account"></select></label>
    <label>用户 openid (empty: the first follower) <input id="openid" placeholder="o…"></label>
  </header>
  <div id="log"><p class="note">Pick an authorized account, then act as one of its users.</p></div>
  <div class="tools">
    <div class="row"><input id="text" placeholder="发消息 Send a text"><button id="send">发送</button></div>
    <div class="row"><input id="scene" placeholder="QR scene"><label><input type="checkbox" id="subscribeScan"> follows by it</label><button id="scan">扫码 Scan</button></div>
    <div class="row"><input id="lat" value="31.2304" size="8"><input id="lng" value="121.4737" size="8"><input id="label" placeholder="label"><button id="location">位置 Location</button></div>
    <div class="row"><button id="follow">关注 Follow</button><button id="unfollow">取消关注 Unfollow</button><button id="reload">刷新菜单 Reload menu</button></div>
  </div>
  <nav id="menu"></nav>
</main>
<script>
const $ = (id) => document.getElementById(id);
const log = $('log');
function bubble(text, who) {
  const p = document.createElement('div');
  p.className = 'bubble ' + who;
  p.textContent = text;
  log.appendChild(p);
  log.scrollTop = log.scrollHeight;
  return p;
}
function note(text) {
  const p = document.createElement('p');
  p.className = 'note';
  p.textContent = text;
  log.appendChild(p);
}
async function api(method, path, body) {
  const response = await fetch('/__sim' + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.error + (json.issues ? ': ' + json.issues.join('; ') : ''));
  return json;
}
const appid = () => $('account').value;
const withUser = (body) => ($('openid').value.trim() ? { ...body, openid: $('openid').value.trim() } : body);
async function act(kind, body, said) {
  if (said) bubble(said, 'me');
  try {
    const result = await api('POST', '/accounts/' + appid() + '/user/' + kind, withUser(body));
    $('openid').placeholder = result.openid;
    if (result.problem) note('⚠ ' + result.problem);
    if (!result.reply) { note('(no reply: the hub answered ' + JSON.stringify(result.body) + ')'); return; }
    const shown = result.reply.msgType === 'text' ? result.reply.content : '[' + result.reply.msgType + ']';
    const b = bubble(shown, 'account');
    const pre = document.createElement('pre');
    pre.textContent = result.reply.xml;
    b.appendChild(pre);
  } catch (error) { note('✗ ' + error.message); }
}
async function loadMenu() {
  const nav = $('menu');
  nav.replaceChildren();
  if (!appid()) return;
  const { menu } = await api('GET', '/accounts/' + appid() + '/menu');
  if (!menu) { note('(no custom menu: set one from the hub)'); return; }
  menu.button.forEach((top, i) => {
    const cell = document.createElement('div');
    const button = document.createElement('button');
    button.className = 'top';
    button.textContent = top.name;
    cell.appendChild(button);
    if (top.sub_button) {
      const subs = document.createElement('div');
      subs.className = 'subs';
      top.sub_button.forEach((sub, j) => {
        const item = document.createElement('button');
        item.textContent = sub.name;
        item.onclick = () => { subs.classList.remove('open'); act('click', { position: [i, j] }, '☰ ' + sub.name); };
        subs.appendChild(item);
      });
      cell.appendChild(subs);
      button.onclick = () => subs.classList.toggle('open');
    } else {
      button.onclick = () => act('click', { position: [i] }, '☰ ' + top.name);
    }
    nav.appendChild(cell);
  });
}
async function loadAccounts() {
  const { accounts } = await api('GET', '/accounts');
  for (const account of accounts.filter((a) => a.authorization.state === 'authorized' && !a.releaseTest)) {
    const option = document.createElement('option');
    option.value = account.appid;
    option.textContent = account.nickname + ' (' + account.appid + ')';
    $('account').appendChild(option);
  }
  await loadMenu();
}
$('account').onchange = () => loadMenu().catch((e) => note('✗ ' + e.message));
$('reload').onclick = () => loadMenu().catch((e) => note('✗ ' + e.message));
$('send').onclick = () => { const content = $('text').value; if (content) { $('text').value = ''; act('text', { content }, content); } };
$('text').onkeydown = (e) => { if (e.key === 'Enter') $('send').click(); };
$('scan').onclick = () => act('scan', { scene: $('scene').value || '1', subscribe: $('subscribeScan').checked }, '⌗ scan ' + ($('scene').value || '1'));
$('location').onclick = () => act('location', { latitude: Number($('lat').value), longitude: Number($('lng').value), label: $('label').value }, '📍 ' + $('lat').value + ', ' + $('lng').value);
$('follow').onclick = () => act('follow', {}, '＋ follow');
$('unfollow').onclick = () => act('unfollow', {}, '－ unfollow');
loadAccounts().catch((e) => note('✗ ' + e.message));
</script>
</body>
</html>`;
}
