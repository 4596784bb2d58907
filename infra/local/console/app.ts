/**
 * The console app: sign-in (a pasted token, or one minted by the local stack for an admin, a member
 * or an operator), a header with the screens and the language switch (中文 / English, words.ts), and a hash router (`#/accounts`,
 * `#/accounts/<appid>`, the account's tabs `#/accounts/<appid>/trend|auto-replies|menu|messages`,
 * `#/communities`, `#/departments[/<id>]`, `#/contacts[/<unionid>]`, `#/redeem`, `#/audit`, `#/tenant`,
 * `#/operator[/<tenantId>]`, `#/wecom`, shown when the tenant has `features.wecom`). A token with the `operator` role (and not `admin`) sees the Operator
 * screen only. The page shell (console-page.ts) has already rendered the authorization callback's
 * result and its footer in English; the app says both again in the chosen language and drops the
 * query so a reload does not show the result again. Signing out or in forgets every notice of the
 * previous session.
 */
import { ApiError, currentSession, keepSession, mintToken, onUnauthorized, sessionFromToken, signOut, type Session } from './api.ts';
import { browser, type DomElement } from './browser.ts';
import { control, h, sendingForm, type Child } from './dom.ts';
import { explain, feedback } from './feedback.ts';
import { ACCOUNT_TABS, accountScreen, type AccountTab } from './screens/account.ts';
import { accountsScreen } from './screens/accounts.ts';
import { auditScreen } from './screens/audit.ts';
import { communitiesScreen } from './screens/communities.ts';
import type { ScreenContext } from './screens/context.ts';
import { contactsScreen } from './screens/contacts.ts';
import { departmentsScreen } from './screens/departments.ts';
import { operatorScreen } from './screens/operator.ts';
import { redeemScreen } from './screens/redeem.ts';
import { tenantScreen } from './screens/tenant.ts';
import { rememberInstallOutcome, wecomEnabled, wecomScreen } from './screens/wecom.ts';
import { bindOutcome, chooseLanguage, dictionaries, language, LANGS, setLanguage, t } from './words.ts';

const root = browser.document.getElementById('app')!;
const LANG_KEY = 'oa-hub-console-lang';
const storedLang = (): string | null => {
  try {
    return browser.localStorage.getItem(LANG_KEY);
  } catch {
    return null;
  }
};
setLanguage(chooseLanguage(storedLang(), browser.navigator.languages ?? [browser.navigator.language ?? '']));

// The shell said the callback's result in English; the app says it again in the chosen language.
const callbackQuery = new URLSearchParams(browser.location.search);
let bindResult = browser.document.getElementById('bind-result');
const boundAppid = bindResult?.dataset.bind === 'ok' ? bindResult.dataset.appid : undefined;
function sayBindResult(): void {
  const outcome = bindOutcome(callbackQuery, language());
  if (!bindResult || !outcome) return;
  const words = t();
  bindResult.replaceChildren(
    h(
      'div',
      {},
      h('p', {}, h('strong', {}, outcome.ok ? words.bindOkTitle : words.bindFailedTitle), ' ', outcome.text),
      outcome.message ? h('p', {}, outcome.message) : null,
      outcome.ok
        ? h('p', {}, `${words.bindAccountLine} `, h('code', { id: 'bind-appid' }, outcome.appid!))
        : h(
            'p',
            { class: 'small' },
            `${words.bindErrorCode} `,
            h('code', { id: 'bind-code' }, outcome.code!),
            outcome.appid ? ' · ' : null,
            outcome.appid ? h('code', {}, outcome.appid) : null,
          ),
    ),
    h('button', { class: 'link dismiss', 'aria-label': words.dismiss, onClick: dropBindResult }, '×'),
  );
}
function dropBindResult(): void {
  bindResult?.remove();
  bindResult = null;
}
sayBindResult();

// The shell's footer too (it carries the addresses it names): said again on every render, in the chosen language.
const footer = browser.document.getElementById('shell-footer');
function sayFooter(): void {
  const baseUrl = footer?.dataset.baseUrl;
  if (!footer || !baseUrl) return;
  const words = t().footer;
  const simulatorUrl = footer.dataset.simulatorUrl;
  const token = 'npm run token -- --tenant <id> [--admin] [--departments a,b]';
  footer.replaceChildren(
    ...[
      `${words.stack} `,
      h('code', {}, baseUrl),
      ' · ',
      h('a', { href: '/openapi.json' }, words.openApi),
      ` · ${words.tokens} `,
      h('code', {}, token),
      ` ${words.or} `,
      h('code', {}, '--operator'),
      ' · ',
      ...(simulatorUrl
        ? [
            h('a', { href: `${simulatorUrl}/__sim/accounts` }, words.simulator),
            ` ${words.simulatorControls[0]}`,
            h('code', {}, '/__sim/'),
            words.simulatorControls[1],
          ]
        : [words.noSimulator[0], h('code', {}, 'WECHAT_API_BASE'), words.noSimulator[1]]),
    ],
  );
}
let pendingNotice: Child[] | undefined;
let signInMessage: string | undefined;

if (browser.location.search) browser.history.replaceState(null, '', `${browser.location.pathname}${browser.location.hash}`);
// Back from WeCom's install page (`?wecom=ok|error`): the WeCom screen says how it went.
if (rememberInstallOutcome(callbackQuery)) browser.history.replaceState(null, '', `${browser.location.pathname}#/wecom`);

/** Sign-out and a new sign-in (another tenant, perhaps) leave no notice, result or error of the previous session. */
function forgetNotices(): void {
  pendingNotice = undefined;
  dropBindResult();
}

onUnauthorized(() => {
  signOut();
  forgetNotices();
  signInMessage = t().refused;
  void render();
});

function languageSwitch(): DomElement {
  const select = control(
    'select',
    {
      testid: 'lang',
      'aria-label': t().language,
      onChange: () => {
        const lang = select.value === 'zh' ? 'zh' : 'en';
        setLanguage(lang);
        try {
          browser.localStorage.setItem(LANG_KEY, lang);
        } catch {
          // A browser that keeps nothing: the choice lasts this page.
        }
        sayBindResult();
        void render();
      },
    },
    ...LANGS.map((lang) => h('option', { value: lang, selected: lang === language() }, dictionaries[lang].langName)),
  );
  return select;
}

function signInScreen(): DomElement {
  const words = t();
  const status = feedback('signin-feedback');
  if (signInMessage) status.error(new Error(signInMessage));
  const tenant = control('input', { testid: 'mint-tenant', value: 'demo', maxlength: '128', required: true });
  const departments = control('input', { testid: 'mint-departments', placeholder: 'sales, support', maxlength: '512' });
  // An operator belongs to no tenant and no department: choosing it greys both out (and skips their checks).
  const roleChosen = () => {
    tenant.disabled = operator.checked;
    departments.disabled = operator.checked;
  };
  const role = (testid: string, checked: boolean) => control('input', { type: 'radio', name: 'mint-role', testid, checked, onChange: roleChosen });
  const admin = role('mint-admin', true);
  const member = role('mint-member', false);
  const operator = role('mint-operator', false);
  const pasted = control('textarea', { testid: 'token-input', rows: '3', placeholder: 'eyJhbGciOiJIUzI1NiIs…', class: 'mono wide' });
  const start = (session: Session) => {
    forgetNotices();
    keepSession(session);
    signInMessage = undefined;
    browser.location.hash = session.operator && !session.admin ? '#/operator' : '#/accounts';
    void render();
  };
  return h(
    'section',
    { testid: 'signin-screen', class: 'signin' },
    h('h2', {}, words.signIn),
    status.element,
    sendingForm(
      { class: 'panel' },
      async () => {
        status.clear();
        try {
          const request = operator.checked
            ? { operator: true as const }
            : {
                tenant: tenant.value.trim(),
                admin: admin.checked,
                departments: departments.value
                  .split(',')
                  .map((d) => d.trim())
                  .filter(Boolean),
              };
          start(await mintToken(request));
        } catch (error) {
          status.error(error);
        }
      },
      h('h3', {}, words.mintTitle),
      h('p', { class: 'muted' }, words.mintHelp[0], h('code', {}, 'npm run token -- --tenant demo --admin'), words.mintHelp[1]),
      h(
        'fieldset',
        { class: 'roles', testid: 'mint-role' },
        h('legend', {}, words.mintRole),
        h('label', { class: 'check' }, admin, words.roleAdmin),
        h('label', { class: 'check' }, member, words.roleMember),
        h('label', { class: 'check' }, operator, words.roleOperator),
      ),
      h('p', { class: 'muted small' }, words.mintOperatorHelp),
      h('label', {}, `${words.tenant} `, tenant),
      h('label', {}, `${words.departmentsLabel} `, departments),
      h('button', { type: 'submit', class: 'primary', testid: 'mint-submit' }, words.signIn),
    ),
    h(
      'form',
      {
        class: 'panel',
        onSubmit: (event) => {
          event.preventDefault();
          status.clear();
          try {
            start(sessionFromToken(pasted.value));
          } catch (error) {
            status.error(error);
          }
        },
      },
      h('h3', {}, words.pasteTitle),
      h('p', { class: 'muted small' }, words.pasteHelp),
      pasted,
      h('button', { type: 'submit', testid: 'token-signin' }, words.signInWithToken),
    ),
  );
}

type Audience = 'any' | 'admin' | 'operator';
const screens: { hash: string; key: string; audience: Audience }[] = [
  { hash: '#/accounts', key: 'accounts', audience: 'any' },
  { hash: '#/communities', key: 'communities', audience: 'any' },
  { hash: '#/departments', key: 'departments', audience: 'admin' },
  { hash: '#/contacts', key: 'contacts', audience: 'any' },
  { hash: '#/redeem', key: 'redeem', audience: 'admin' },
  { hash: '#/audit', key: 'audit', audience: 'admin' },
  { hash: '#/tenant', key: 'tenant', audience: 'admin' },
  { hash: '#/wecom', key: 'wecom', audience: 'admin' },
  { hash: '#/operator', key: 'operator', audience: 'operator' },
];

/** An operator's token opens the Operator screen and nothing else (it sees no tenant data). */
const operatorOnly = (session: Session): boolean => !!session.operator && !session.admin;

function visible(session: Session): typeof screens {
  if (operatorOnly(session)) return screens.filter((screen) => screen.audience === 'operator');
  return screens
    .filter((screen) => screen.audience === 'any' || (screen.audience === 'admin' && session.admin))
    .filter((screen) => screen.key !== 'wecom' || wecomOn);
}

function header(session?: Session): DomElement {
  const words = t();
  const current = browser.location.hash.startsWith('#/accounts') || browser.location.hash === '' ? '#/accounts' : browser.location.hash;
  const role = session ? (operatorOnly(session) ? words.roleOperator : session.admin ? words.roleAdmin : words.roleMember) : '';
  return h(
    'header',
    {},
    h('h1', {}, h('a', { href: session && operatorOnly(session) ? '#/operator' : '#/accounts' }, 'oa-hub'), h('span', { class: 'muted' }, words.consoleWord)),
    session
      ? h(
          'nav',
          { testid: 'nav' },
          ...visible(session).map((screen) =>
            h(
              'a',
              { href: screen.hash, class: current === screen.hash ? 'current' : undefined, testid: `nav-${screen.hash.slice(2)}` },
              words.nav[screen.key] ?? screen.key,
            ),
          ),
        )
      : null,
    h(
      'span',
      { class: 'who', testid: 'whoami' },
      session ? h('strong', {}, operatorOnly(session) ? session.user || words.roleOperator : session.tenant) : null,
      session ? ` · ${role}${session.user && !operatorOnly(session) ? ` · ${session.user}` : ''} ` : null,
      languageSwitch(),
      session
        ? h(
            'button',
            {
              class: 'link',
              testid: 'signout',
              onClick: () => {
                signOut();
                forgetNotices();
                void render();
              },
            },
            words.signOut,
          )
        : null,
    ),
  );
}

let rendering = 0;
/** The tenant has `features.wecom` (the WeCom screen is in the header only then). */
let wecomOn = false;

async function render(): Promise<void> {
  const ticket = ++rendering;
  // A dialog belongs to the screen that opened it: leaving the screen closes it.
  for (const dialog of browser.document.body.querySelectorAll('dialog')) dialog.remove();
  const session = currentSession();
  wecomOn = session ? await wecomEnabled(session) : false;
  if (ticket !== rendering) return;
  const notice = h('div', { class: 'notice', testid: 'notice', hidden: !pendingNotice });
  if (pendingNotice) notice.append(...pendingNotice.filter((c): c is DomElement | string => typeof c === 'string' || (typeof c === 'object' && c !== null)));
  pendingNotice = undefined;
  const main = h('main', {});
  browser.document.documentElement.lang = t().htmlLang;
  sayFooter();
  const layout: Child[] = [header(session), bindResult, notice, main];
  root.replaceChildren(...layout.filter((c): c is DomElement => typeof c === 'object' && c !== null));

  if (!session) {
    main.append(signInScreen());
    return;
  }
  const context: ScreenContext = {
    session,
    notice: (...content) => (pendingNotice = content),
    go: (hash) => {
      if (browser.location.hash === hash) void render();
      else browser.location.hash = hash;
    },
  };
  const hash = browser.location.hash || '#/accounts';
  main.append(h('p', { class: 'muted loading' }, t().loading));
  let screen: DomElement;
  try {
    const account = /^#\/accounts\/(wx[0-9A-Za-z]{16})(?:\/([a-z-]+))?$/.exec(hash);
    const tab = ACCOUNT_TABS.find((name) => name === account?.[2]) as AccountTab | undefined;
    const department = /^#\/departments(?:\/(.+))?$/.exec(hash);
    const contact = /^#\/contacts(?:\/(.+))?$/.exec(hash);
    const operatorTenant = /^#\/operator(?:\/(.+))?$/.exec(hash);
    if (operatorOnly(session)) screen = await operatorScreen(context, operatorTenant?.[1] ? decodeURIComponent(operatorTenant[1]) : undefined);
    else if (account) screen = await accountScreen(context, account[1]!, tab);
    else if (hash === '#/communities') screen = await communitiesScreen(context);
    else if (department) screen = await departmentsScreen(context, department[1] ? decodeURIComponent(department[1]) : undefined);
    else if (contact) screen = await contactsScreen(context, contact[1] ? decodeURIComponent(contact[1]) : undefined);
    else if (hash === '#/redeem') screen = redeemScreen(context);
    else if (hash === '#/audit') screen = await auditScreen();
    else if (hash === '#/tenant') screen = await tenantScreen();
    else if (hash === '#/wecom') screen = await wecomScreen(context);
    else if (operatorTenant) screen = await operatorScreen(context, operatorTenant[1] ? decodeURIComponent(operatorTenant[1]) : undefined);
    else screen = await accountsScreen(context, boundAppid);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    screen = h(
      'div',
      { class: 'feedback error', testid: 'screen-error' },
      ...explain(error).filter((c): c is DomElement => typeof c === 'object' && c !== null),
    );
  }
  // A newer render (the person clicked on) wins over a slow one.
  if (ticket === rendering) main.replaceChildren(screen);
}

browser.addEventListener('hashchange', () => {
  // The callback's result is about the screen it landed on: leaving that screen drops it.
  dropBindResult();
  void render();
});
void render();
