/**
 * The WeCom admin's pages (open.work.weixin.qq.com): the install page `/3rdapp/install` (WECOM.md
 * §3.5) where the admin picks the corp and the app's visible range, and the registration page
 * `/3rdservice/wework/register` (§5). Plain HTML, no script; names stable for browser tests:
 * `input[name=corpid]` (radio), `input[name=department]` / `input[name=user]` (checkboxes),
 * `#install`, `#cancel`, `input[name=corp_name]`, `input[name=admin_name]`, `#register`.
 */
import type { SimCorp } from './corp.ts';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const style = `body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222}
.banner{background:#e8f0fe;border:1px solid #8ab4f8;padding:.5rem .75rem;border-radius:4px}
fieldset{margin:1rem 0;border:1px solid #ccc;border-radius:4px}label{display:block;margin:.25rem 0}
.users{max-height:18rem;overflow:auto}.users label{display:inline-block;width:15rem}small{color:#666}
button{background:#0082ef;color:#fff;border:0;padding:.6rem 1.4rem;border-radius:4px;font-size:1rem;cursor:pointer}
button.secondary{background:#eee;color:#222}.error{color:#b00020}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${style}</style></head>
<body><p class="banner">⚠ 企业微信模拟器 (WeCom simulator) — 本地测试环境，不是真实的企业微信。Local stand-in for WeCom, not the real one.</p>
${body}
</body></html>`;
}

export function renderErrorPage(message: string): string {
  return page('企业微信 — 出错了', `<h1>无法继续 (cannot continue)</h1><p class="error" id="error">${escapeHtml(message)}</p>`);
}

export interface InstallPageInput {
  suiteId: string;
  preAuthCode: string;
  redirectUri: string;
  state: string;
  appName: string;
  corps: SimCorp[];
  /** Corps that have installed the app already (a second install changes the range). */
  installed: Set<string>;
}

export function renderInstallPage(input: InstallPageInput): string {
  const hidden = Object.entries({ suite_id: input.suiteId, pre_auth_code: input.preAuthCode, redirect_uri: input.redirectUri, state: input.state })
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('\n');
  const corps = input.corps
    .map((corp, i) => {
      const mark = input.installed.has(corp.corpId) ? ' · 已安装 installed' : '';
      return `<label><input type="radio" name="corpid" value="${escapeHtml(corp.corpId)}"${i === 0 ? ' checked' : ''}>
 <strong>${escapeHtml(corp.spec.corpName)}</strong> <small>${escapeHtml(corp.corpId)} · ${corp.memberIndices().length} 成员 · ${corp.customerCount} 客户${mark}</small></label>`;
    })
    .join('\n');
  // The range picker shows the first corp's departments and members (a simulator usually has one corp).
  const first = input.corps[0];
  const departments = first
    ? first
        .departments()
        .map(
          (d) =>
            `<label><input type="checkbox" name="department" value="${d.id}"${d.id === 1 ? ' checked' : ''}> ${escapeHtml(d.name)} <small>id ${d.id}</small></label>`,
        )
        .join('\n')
    : '';
  const users = first
    ? first
        .memberIndices()
        .map((m) => first.member(m))
        .map(
          (u) =>
            `<label><input type="checkbox" name="user" value="${escapeHtml(u.userid)}"> ${escapeHtml(u.name)} <small>部门 ${u.department.join(',')}</small></label>`,
        )
        .join('\n')
    : '';
  return page(
    `安装 ${input.appName}`,
    `<h1>授权安装「${escapeHtml(input.appName)}」</h1>
<p>管理员选择企业并设置应用的可见范围 (the admin picks the corp and the app's visible range).</p>
<form method="post" action="/3rdapp/install">
${hidden}
<fieldset><legend>企业 (corp)</legend>${corps || '<p class="error">模拟器中没有企业 (no corp in the simulator)</p>'}</fieldset>
<fieldset><legend>可见范围 · 部门 (visible range: departments)</legend>${departments}</fieldset>
<fieldset class="users"><legend>可见范围 · 成员 (visible range: members)</legend>${users}</fieldset>
<button type="submit" id="install" name="action" value="install">同意并安装 (install)</button>
<button type="submit" id="cancel" name="action" value="cancel" class="secondary">取消 (cancel)</button>
</form>`,
  );
}

export function renderRegisterPage(input: { registerCode: string; corpName: string; adminName: string }): string {
  return page(
    '注册企业微信',
    `<h1>注册企业微信 (register a WeCom corp)</h1>
<form method="post" action="/3rdservice/wework/register">
<input type="hidden" name="register_code" value="${escapeHtml(input.registerCode)}">
<fieldset><legend>企业信息</legend>
<label>企业名称 (corp name) <input name="corp_name" required maxlength="64" value="${escapeHtml(input.corpName)}"></label>
<label>管理员姓名 (admin name) <input name="admin_name" required maxlength="64" value="${escapeHtml(input.adminName)}"></label>
</fieldset>
<button type="submit" id="register">注册并安装 (register and install)</button>
</form>`,
  );
}

export function renderRegisteredPage(corpName: string): string {
  return page('注册成功', `<h1 id="registered">注册成功 (registered)</h1><p>「${escapeHtml(corpName)}」已创建，应用已安装。</p>`);
}
