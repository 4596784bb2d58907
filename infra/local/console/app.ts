/**
 * The console app: sign-in (a pasted token, or one minted by the local stack), a header with the
 * screens, and a hash router (`#/accounts`, `#/accounts/<appid>`, the account's tabs
 * `#/accounts/<appid>/auto-replies|menu|messages`, `#/communities`, `#/redeem`, `#/audit`). The page shell (console-page.ts) has already rendered the authorization callback's
 * result; the app moves it into place and drops the query so a reload does not show it again.
 */
import { ApiError, currentSession, keepSession, mintToken, onUnauthorized, sessionFromToken, signOut, type Session } from './api.ts';
import { browser, type DomElement } from './browser.ts';
import { control, h, type Child } from './dom.ts';
import { explain, feedback } from './feedback.ts';
import { ACCOUNT_TABS, accountScreen, type AccountTab } from './screens/account.ts';
import { accountsScreen } from './screens/accounts.ts';
import { auditScreen } from './screens/audit.ts';
import { communitiesScreen } from './screens/communities.ts';
import type { ScreenContext } from './screens/context.ts';
import { redeemScreen } from './screens/redeem.ts';

const root = browser.document.getElementById('app')!;
let bindResult = browser.document.getElementById('bind-result');
const boundAppid = bindResult?.dataset.bind === 'ok' ? bindResult.dataset.appid : undefined;
bindResult?.append(
  h(
    'button',
    {
      class: 'link dismiss',
      'aria-label': 'Dismiss',
      onClick: () => {
        bindResult?.remove();
        bindResult = null;
      },
    },
    '×',
  ),
);
let pendingNotice: Child[] | undefined;
let signInMessage: string | undefined;

if (browser.location.search) browser.history.replaceState(null, '', `${browser.location.pathname}${browser.location.hash}`);

onUnauthorized(() => {
  signOut();
  signInMessage = 'Your token was refused (expired, or minted for another local stack). Sign in again.';
  void render();
});

function signInScreen(): DomElement {
  const status = feedback('signin-feedback');
  if (signInMessage) status.error(new Error(signInMessage));
  const tenant = control('input', { testid: 'mint-tenant', value: 'demo', maxlength: '128', required: true });
  const admin = control('input', { type: 'checkbox', testid: 'mint-admin', checked: true });
  const departments = control('input', { testid: 'mint-departments', placeholder: 'sales, support', maxlength: '512' });
  const pasted = control('textarea', { testid: 'token-input', rows: '3', placeholder: 'eyJhbGciOiJIUzI1NiIs…', class: 'mono wide' });
  const start = (session: Session) => {
    keepSession(session);
    signInMessage = undefined;
    void render();
  };
  return h(
    'section',
    { testid: 'signin-screen', class: 'signin' },
    h('h2', {}, 'Sign in'),
    status.element,
    h(
      'form',
      {
        class: 'panel',
        onSubmit: async (event) => {
          event.preventDefault();
          status.clear();
          try {
            const request = {
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
      },
      h('h3', {}, 'Mint a local token'),
      h(
        'p',
        { class: 'muted' },
        'The local stack signs a console token for any tenant: what ',
        h('code', {}, 'npm run token -- --tenant demo --admin'),
        ' prints.',
      ),
      h('label', {}, 'Tenant ', tenant),
      h('label', { class: 'check' }, admin, ' admin'),
      h('label', {}, 'Departments ', departments),
      h('button', { type: 'submit', class: 'primary', testid: 'mint-submit' }, 'Sign in'),
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
      h('h3', {}, 'Or paste a token'),
      pasted,
      h('button', { type: 'submit', testid: 'token-signin' }, 'Sign in with this token'),
    ),
  );
}

const screens: { hash: string; label: string; adminOnly?: boolean }[] = [
  { hash: '#/accounts', label: 'Accounts' },
  { hash: '#/communities', label: 'Communities' },
  { hash: '#/redeem', label: 'Redeem a code', adminOnly: true },
  { hash: '#/audit', label: 'Audit trail', adminOnly: true },
];

function header(session?: Session): DomElement {
  const current = browser.location.hash.startsWith('#/accounts') || browser.location.hash === '' ? '#/accounts' : browser.location.hash;
  return h(
    'header',
    {},
    h('h1', {}, h('a', { href: '#/accounts' }, 'oa-hub'), h('span', { class: 'muted' }, ' console')),
    session
      ? h(
          'nav',
          {},
          ...screens
            .filter((screen) => session.admin || !screen.adminOnly)
            .map((screen) =>
              h('a', { href: screen.hash, class: current === screen.hash ? 'current' : undefined, testid: `nav-${screen.hash.slice(2)}` }, screen.label),
            ),
        )
      : null,
    session
      ? h(
          'span',
          { class: 'who', testid: 'whoami' },
          h('strong', {}, session.tenant),
          ` · ${session.admin ? 'admin' : 'member'}${session.user ? ` · ${session.user}` : ''} `,
          h(
            'button',
            {
              class: 'link',
              testid: 'signout',
              onClick: () => {
                signOut();
                void render();
              },
            },
            'Sign out',
          ),
        )
      : null,
  );
}

let rendering = 0;

async function render(): Promise<void> {
  const ticket = ++rendering;
  const session = currentSession();
  const notice = h('div', { class: 'notice', testid: 'notice', hidden: !pendingNotice });
  if (pendingNotice) notice.append(...pendingNotice.filter((c): c is DomElement | string => typeof c === 'string' || (typeof c === 'object' && c !== null)));
  pendingNotice = undefined;
  const main = h('main', {});
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
  main.append(h('p', { class: 'muted loading' }, 'Loading…'));
  let screen: DomElement;
  try {
    const account = /^#\/accounts\/(wx[0-9A-Za-z]{16})(?:\/([a-z-]+))?$/.exec(hash);
    const tab = ACCOUNT_TABS.find((name) => name === account?.[2]) as AccountTab | undefined;
    if (account) screen = await accountScreen(context, account[1]!, tab);
    else if (hash === '#/communities') screen = await communitiesScreen(context);
    else if (hash === '#/redeem') screen = redeemScreen(context);
    else if (hash === '#/audit') screen = await auditScreen();
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

browser.addEventListener('hashchange', () => void render());
void render();
