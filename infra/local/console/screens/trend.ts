/**
 * An account's follower trend: daily follows and unfollows over the last 30 days, drawn as an inline
 * SVG (follows up from the axis, unfollows down), with the totals in its aria-label and the figures in
 * a table under it. Counted from the account's event log (`GET /v1/accounts/{appid}/messages?type=event`,
 * API.md §3, kept 30 days): pages newest first until one reaches 30 days back, `subscribe` and
 * `unsubscribe` counted per day in the viewer's zone. At most MAX_PAGES pages are read; when that
 * cap stops the reading, the chart says "partial".
 */
import { api, type Account, type WeChatPush } from '../api.ts';
import { browser, type DomElement } from '../browser.ts';
import { dayOf, h, zone } from '../dom.ts';
import { feedback } from '../feedback.ts';
import { t } from '../words.ts';

export const TREND_DAYS = 30;
export const MAX_PAGES = 25;
const PAGE_SIZE = 200;
const DAY_MS = 86_400_000;

export interface DayCount {
  day: string;
  follows: number;
  unfollows: number;
}

export interface Trend {
  days: DayCount[];
  partial: boolean;
  pagesRead: number;
}

/** The last `TREND_DAYS` days (today last) in the viewer's zone, each with its counts. */
export function countByDay(pushes: readonly Pick<WeChatPush, 'msgType' | 'event' | 'createTime'>[], now: Date, dayOfDate: (date: Date) => string): DayCount[] {
  const days: DayCount[] = [];
  const index = new Map<string, DayCount>();
  for (let back = TREND_DAYS - 1; back >= 0; back--) {
    const day = dayOfDate(new Date(now.getTime() - back * DAY_MS));
    if (index.has(day)) continue;
    const entry = { day, follows: 0, unfollows: 0 };
    index.set(day, entry);
    days.push(entry);
  }
  for (const push of pushes) {
    if (push.msgType !== 'event') continue;
    const entry = index.get(dayOfDate(new Date(push.createTime * 1000)));
    if (!entry) continue;
    if (push.event === 'subscribe') entry.follows++;
    else if (push.event === 'unsubscribe') entry.unfollows++;
  }
  return days;
}

/** Reads the event log newest first until 30 days back (or the page cap). */
export async function loadTrend(appid: string, now = new Date()): Promise<Trend> {
  const since = Math.floor((now.getTime() - TREND_DAYS * DAY_MS) / 1000);
  const pushes: WeChatPush[] = [];
  let cursor: string | null = null;
  let pagesRead = 0;
  let reachedStart = false;
  do {
    const query = new URLSearchParams({ type: 'event', limit: String(PAGE_SIZE) });
    if (cursor) query.set('cursor', cursor);
    const page: { messages: WeChatPush[]; nextCursor: string | null } = await api('GET', `/v1/accounts/${appid}/messages?${query.toString()}`);
    pagesRead++;
    pushes.push(...page.messages);
    cursor = page.nextCursor;
    reachedStart = page.messages.some((push) => push.createTime < since);
  } while (cursor && !reachedStart && pagesRead < MAX_PAGES);
  return { days: countByDay(pushes, now, dayOf), partial: !!cursor && !reachedStart, pagesRead };
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attributes: Record<string, string | number>, ...children: (DomElement | string)[]): DomElement {
  const element = browser.document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/** The chart: one column per day, follows (green) above the axis, unfollows (red) below. */
export function trendChart(trend: Trend): DomElement {
  const words = t();
  const width = 420;
  const height = 200;
  const left = 24;
  const top = 10;
  const plotHeight = height - 40;
  const follows = trend.days.reduce((sum, day) => sum + day.follows, 0);
  const unfollows = trend.days.reduce((sum, day) => sum + day.unfollows, 0);
  const peak = Math.max(1, ...trend.days.map((day) => Math.max(day.follows, day.unfollows)));
  const half = plotHeight / 2;
  const axis = top + half;
  const step = (width - left - 4) / trend.days.length;
  const bar = Math.max(2, step * 0.7);
  const scale = (n: number) => (n / peak) * (half - 2);
  const first = trend.days[0]?.day ?? '';
  const last = trend.days.at(-1)?.day ?? '';
  const label = words.trendSummary(follows, unfollows, first, last);
  const parts: DomElement[] = [
    svg('title', {}, label),
    svg('line', { x1: left, y1: axis, x2: width, y2: axis, stroke: '#8c959f', 'stroke-width': 1 }),
    svg('text', { x: left - 4, y: top + 8, 'text-anchor': 'end', 'font-size': 11, fill: '#656d76' }, String(peak)),
    svg('text', { x: left - 4, y: axis + 3, 'text-anchor': 'end', 'font-size': 11, fill: '#656d76' }, '0'),
    svg('text', { x: left - 4, y: top + plotHeight, 'text-anchor': 'end', 'font-size': 11, fill: '#656d76' }, String(peak)),
  ];
  trend.days.forEach((day, i) => {
    const x = left + i * step + (step - bar) / 2;
    if (day.follows > 0) {
      parts.push(
        svg(
          'rect',
          { x, y: axis - scale(day.follows), width: bar, height: scale(day.follows), fill: '#07a35a', 'data-day': day.day, class: 'follows' },
          svg('title', {}, `${day.day} ${words.trendFollows} ${day.follows}`),
        ),
      );
    }
    if (day.unfollows > 0) {
      parts.push(
        svg(
          'rect',
          { x, y: axis, width: bar, height: scale(day.unfollows), fill: '#c62828', 'data-day': day.day, class: 'unfollows' },
          svg('title', {}, `${day.day} ${words.trendUnfollows} ${day.unfollows}`),
        ),
      );
    }
    // A date under every seventh day and under today, never two labels on top of each other.
    if ((i % 7 === 0 && i < trend.days.length - 4) || i === trend.days.length - 1) {
      const anchor = i === trend.days.length - 1 ? 'end' : 'middle';
      parts.push(
        svg('text', { x: anchor === 'end' ? x + bar : x + bar / 2, y: height - 6, 'text-anchor': anchor, 'font-size': 11, fill: '#656d76' }, day.day.slice(5)),
      );
    }
  });
  return svg(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': label,
      class: 'trend-chart',
      'data-testid': 'trend-chart',
      'data-follows': follows,
      'data-unfollows': unfollows,
    },
    ...parts,
  );
}

export function trendTab(account: Account): DomElement {
  const words = t();
  const status = feedback('trend-feedback');
  const panel = h(
    'div',
    { class: 'panel', testid: 'trend-panel' },
    h('h3', {}, words.trendTitle),
    status.element,
    h('p', { class: 'muted loading' }, words.loading),
  );
  void loadTrend(account.appid).then(
    (trend) => {
      const rows = trend.days.filter((day) => day.follows > 0 || day.unfollows > 0);
      panel.replaceChildren(
        h('h3', {}, words.trendTitle),
        h(
          'p',
          { class: 'legend' },
          h('span', { class: 'swatch follows' }),
          ` ${words.trendFollows} `,
          h('span', { class: 'swatch unfollows' }),
          ` ${words.trendUnfollows}`,
        ),
        ...(trend.partial ? [h('p', { class: 'warning', testid: 'trend-partial' }, words.trendPartial(trend.pagesRead))] : []),
        h('div', { class: 'chart-box' }, trendChart(trend)),
        h('p', { class: 'muted small' }, words.trendSource(zone())),
        h(
          'details',
          { testid: 'trend-details' },
          h('summary', {}, words.trendTable),
          h(
            'div',
            { class: 'scroll' },
            h(
              'table',
              { testid: 'trend-table' },
              h('thead', {}, h('tr', {}, ...words.trendColumns.map((title) => h('th', {}, title)))),
              h(
                'tbody',
                {},
                ...(rows.length > 0 ? rows : trend.days.slice(-1)).map((day) =>
                  h('tr', {}, h('td', { class: 'nowrap' }, day.day), h('td', {}, String(day.follows)), h('td', {}, String(day.unfollows))),
                ),
              ),
            ),
          ),
        ),
      );
    },
    (error: unknown) => status.error(error),
  );
  return panel;
}
