/**
 * The account's Messages tab (`GET /v1/accounts/{appid}/messages`, API.md §3, `WeChatPush` §6): what
 * followers sent and did, newest first, filtered to messages or events; each row is the time in the
 * viewer's zone, the openid (short), what it was, and its content or key fields. While the tab is
 * open it asks for the newest page every few seconds and puts new pushes on top, so a message appears
 * within a few seconds of WeChat delivering it; "Older" pages on with the cursor.
 */
import { api, type Account, type WeChatPush } from '../api.ts';
import type { DomControl, DomElement } from '../browser.ts';
import { control, h, zone, type Child } from '../dom.ts';
import { feedback } from '../feedback.ts';
import { eventWords, pushTypeWords, t } from '../words.ts';

export const MESSAGES_POLL_MS = 2_000;
const PAGE_SIZE = 50;

/** `oABCD1234567890xyz` → `oABCD…0xyz`: enough to tell followers apart on screen. */
export const shortOpenid = (openid: string): string => (openid.length > 12 ? `${openid.slice(0, 6)}…${openid.slice(-4)}` : openid);

/** WeChat's CreateTime in the viewer's own zone. */
const localTime = (seconds: number): string =>
  new Date(seconds * 1000).toLocaleString(t().htmlLang, {
    timeZone: zone(),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });

/** What the push was: "Text", "Tapped a menu button", with WeChat's own name. */
function kindOf(push: WeChatPush): { words: string; raw: string } {
  if (push.msgType === 'event') return { words: eventWords[push.event ?? ''] ?? t().pushType.event!, raw: push.event ?? 'event' };
  return { words: pushTypeWords[push.msgType] ?? push.msgType, raw: push.msgType };
}

const str = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

/** The content of a message, or the fields that say what an event was about. */
export function summaryOf(push: WeChatPush): string {
  const f = push.fields;
  const said = t().summary;
  switch (push.msgType) {
    case 'text':
      return str(f.Content);
    case 'image':
      return str(f.PicUrl) || said.media(str(f.MediaId));
    case 'voice':
      return str(f.Recognition) || `${said.media(str(f.MediaId))}${f.Format ? ` (${str(f.Format)})` : ''}`;
    case 'video':
    case 'shortvideo':
      return said.media(str(f.MediaId));
    case 'location':
      return `${str(f.Label) || said.place} (${str(f.Location_X)}, ${str(f.Location_Y)})`;
    case 'link':
      return `${str(f.Title)} ${str(f.Url)}`.trim();
    case 'event':
      break;
    default:
      return Object.keys(f).join(', ');
  }
  const key = push.eventKey ?? '';
  switch (push.event) {
    case 'subscribe':
      return key.startsWith('qrscene_') ? said.qrScene(key.slice('qrscene_'.length)) : '';
    case 'SCAN':
      return said.scene(key);
    case 'CLICK':
      return said.key(key);
    case 'VIEW':
      return key;
    case 'LOCATION':
      return `${str(f.Latitude)}, ${str(f.Longitude)} ±${str(f.Precision)} m`;
    default:
      return key ? said.key(key) : '';
  }
}

function row(push: WeChatPush): DomElement {
  const kind = kindOf(push);
  return h(
    'tr',
    { testid: 'message-row', 'data-event-id': push.eventId, 'data-msg-type': push.msgType },
    h('td', { class: 'nowrap' }, localTime(push.createTime)),
    h('td', { class: 'mono', title: push.openid }, shortOpenid(push.openid)),
    h('td', {}, kind.words, ' ', h('span', { class: 'muted mono small' }, kind.raw)),
    h(
      'td',
      { testid: 'message-summary' },
      summaryOf(push) || '—',
      push.autoReplyRuleId ? h('span', { class: 'chip on replied', title: t().autoReplyChipTitle }, t().autoReplyChip(push.autoReplyRuleId)) : null,
    ),
  );
}

export function messagesTab(account: Account): DomElement {
  const words = t();
  const status = feedback('messages-feedback');
  const body = h('tbody', {});
  const table = h('table', { testid: 'messages-table' }, h('thead', {}, h('tr', {}, ...words.messagesColumns.map((title) => h('th', {}, title)))), body);
  const filter = control(
    'select',
    { testid: 'messages-filter' },
    h('option', { value: '' }, words.messagesAll),
    h('option', { value: 'message' }, words.messagesOnly),
    h('option', { value: 'event' }, words.eventsOnly),
  );
  const older = control('button', { testid: 'messages-older', hidden: true }, words.older);
  const live = h('span', { class: 'muted small', testid: 'messages-live' }, '');
  const panel = h('div', { class: 'panel', testid: 'messages-panel' });
  let pushes: WeChatPush[] = [];
  let nextCursor: string | null = null;
  let generation = 0;

  const page = (cursor?: string) => {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (filter.value) query.set('type', filter.value);
    if (cursor) query.set('cursor', cursor);
    return api<{ messages: WeChatPush[]; nextCursor: string | null }>('GET', `/v1/accounts/${account.appid}/messages?${query.toString()}`);
  };

  const show = () => {
    const children: Child[] =
      pushes.length === 0 ? [h('tr', {}, h('td', { colspan: '4', class: 'empty', testid: 'messages-empty' }, words.messagesEmpty))] : pushes.map(row);
    body.replaceChildren(...children.filter((c): c is DomElement => typeof c === 'object' && c !== null));
    older.hidden = !nextCursor;
  };

  /** The newest page: new pushes go on top, the ones already shown stay (with older pages loaded). */
  const refresh = async (ticket: number) => {
    const newest = await page();
    if (ticket !== generation) return;
    const known = new Set(pushes.map((push) => push.eventId));
    const fresh = newest.messages.filter((push) => !known.has(push.eventId));
    if (pushes.length === 0) nextCursor = newest.nextCursor;
    pushes = [...fresh, ...pushes];
    show();
    live.textContent = words.live(zone(), new Date().toLocaleTimeString(words.htmlLang, { timeZone: zone(), hourCycle: 'h23' }));
  };

  const poll = async (ticket: number) => {
    // Stops when the tab is left (the panel is off the page) or the filter started a new poll. The
    // first round runs before the screen is on the page.
    for (let first = true; ticket === generation && (first || panel.isConnected); first = false) {
      try {
        await refresh(ticket);
        status.clear();
      } catch (error) {
        status.error(error);
      }
      await new Promise((resolve) => setTimeout(resolve, MESSAGES_POLL_MS));
    }
  };

  const restart = () => {
    generation++;
    pushes = [];
    nextCursor = null;
    void poll(generation);
  };

  older.addEventListener('click', async () => {
    if (!nextCursor) return;
    const ticket = generation;
    older.disabled = true;
    try {
      const more = await page(nextCursor);
      if (ticket !== generation) return;
      const known = new Set(pushes.map((push) => push.eventId));
      pushes = [...pushes, ...more.messages.filter((push) => !known.has(push.eventId))];
      nextCursor = more.nextCursor;
      show();
    } catch (error) {
      status.error(error);
    } finally {
      (older as DomControl).disabled = false;
    }
  });
  filter.addEventListener('change', restart);

  show();
  panel.append(
    h('div', { class: 'toolbar' }, h('div', {}, h('h3', {}, words.messagesTitle), live), h('span', { class: 'actions' }, filter)),
    status.element,
    h('div', { class: 'scroll' }, table),
    h('p', {}, older),
  );
  restart();
  return panel;
}
