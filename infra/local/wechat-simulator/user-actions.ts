/**
 * The simulator plays a WeChat user of an authorized account (WECHAT.md §13): each action becomes the
 * push WeChat would send to the account's message URL — signed and encrypted with the component's
 * crypto (`hub-pusher.ts`) — and the hub's answer comes back with its passive reply verified and
 * decrypted as WeChat does it (§1.6, §14): `success` or an empty body is no reply; anything else must
 * be an encrypted reply whose signature holds, or the user would see "该公众号暂时无法提供服务".
 *
 * | action | push |
 * |---|---|
 * | `text` | `text` message with a fresh `MsgId` |
 * | `click` (a button of the menu the hub set, by `key` or position) | `CLICK` (`EventKey` = key), `VIEW` (the URL), or the button's own event for the other key types |
 * | `scan` | `SCAN` (`EventKey` = scene) for a follower; with `subscribe`, a QR follow (`subscribe`, `qrscene_<scene>`) |
 * | `location` | `location` message (`Location_X`, `Location_Y`, `Scale`, `Label`) |
 * | `follow`, `unfollow` | `subscribe`, `unsubscribe`; the follower book changes with them |
 *
 * Without `openid`, the user is the account's first follower (`follow` without one: a new person).
 */
import { randomBytes } from 'node:crypto';
import { parseFlatXml } from '#shared/wechat/xml.ts';
import type { HubPusher } from './hub-pusher.ts';
import { buttonOf } from './menus.ts';
import { SimulatorInputError, type AccountRecord, type SimClock } from './world.ts';

export type UserAction =
  | { kind: 'text'; openid?: string; content: string }
  | { kind: 'click'; openid?: string; key?: string; position?: number[] }
  | { kind: 'scan'; openid?: string; scene: string; subscribe?: boolean }
  | { kind: 'location'; openid?: string; latitude: number; longitude: number; scale?: number; label?: string }
  | { kind: 'follow'; openid?: string }
  | { kind: 'unfollow'; openid?: string };

export interface UserActionResult {
  openid: string;
  /** The plaintext push that was sent (its XML fields). */
  push: Record<string, string | number>;
  /** The hub's HTTP answer. */
  status: number;
  body: string;
  /** The decrypted passive reply; null when the hub answered `success` or nothing. */
  reply: { xml: string; msgType?: string; content?: string } | null;
  /** Why WeChat would not show the answer (a bad signature, a body that is not a reply, an HTTP error). */
  problem?: string;
}

const newMsgId = (): string => BigInt.asUintN(63, randomBytes(8).readBigUInt64BE(0)).toString();

function userOf(account: AccountRecord, openid: string | undefined): { openid: string; index: number } {
  if (openid === undefined) {
    const first = account.followers.page(undefined, 1)[0];
    if (!first) throw new SimulatorInputError(`${account.appid} has no followers: let a user follow first`);
    return { openid: first, index: account.followers.indexOf(first)! };
  }
  const index = account.followers.indexOf(openid);
  if (index === undefined) throw new SimulatorInputError(`${openid} is not a user of ${account.appid}`);
  return { openid, index };
}

/** The plaintext push for an action; changes the follower book for follow and unfollow. */
export function pushFor(account: AccountRecord, action: UserAction, clock: SimClock): { openid: string; fields: Record<string, string | number> } {
  const now = clock.seconds();
  const head = (openid: string, msgType: string) => ({ ToUserName: account.userName, FromUserName: openid, CreateTime: now, MsgType: msgType });
  switch (action.kind) {
    case 'text': {
      const { openid } = userOf(account, action.openid);
      return { openid, fields: { ...head(openid, 'text'), Content: action.content, MsgId: newMsgId() } };
    }
    case 'location': {
      const { openid } = userOf(account, action.openid);
      return {
        openid,
        fields: {
          ...head(openid, 'location'),
          Location_X: String(action.latitude),
          Location_Y: String(action.longitude),
          Scale: action.scale ?? 15,
          Label: action.label ?? '',
          MsgId: newMsgId(),
        },
      };
    }
    case 'click': {
      const { openid } = userOf(account, action.openid);
      const button = buttonOf(account.menu, action);
      if (!button || button.sub_button) throw new SimulatorInputError(`${account.appid}'s menu has no such button to tap`);
      if (button.type === 'view')
        return { openid, fields: { ...head(openid, 'event'), Event: 'VIEW', EventKey: button.url ?? '', MenuId: account.menu!.menuid } };
      if (button.type === 'click' || button.key !== undefined) {
        return { openid, fields: { ...head(openid, 'event'), Event: button.type === 'click' ? 'CLICK' : button.type!, EventKey: button.key ?? '' } };
      }
      throw new SimulatorInputError(`a ${button.type} button sends no push the simulator plays`);
    }
    case 'scan': {
      const ticket = `gQ${randomBytes(24).toString('base64url')}`;
      if (action.subscribe) {
        const { openid } = followed(account, action.openid, now);
        return { openid, fields: { ...head(openid, 'event'), Event: 'subscribe', EventKey: `qrscene_${action.scene}`, Ticket: ticket } };
      }
      const { openid } = userOf(account, action.openid);
      return { openid, fields: { ...head(openid, 'event'), Event: 'SCAN', EventKey: action.scene, Ticket: ticket } };
    }
    case 'follow': {
      const { openid } = followed(account, action.openid, now);
      return { openid, fields: { ...head(openid, 'event'), Event: 'subscribe', EventKey: '' } };
    }
    case 'unfollow': {
      const { openid, index } = userOf(account, action.openid);
      account.followers.leave(index);
      return { openid, fields: { ...head(openid, 'event'), Event: 'unsubscribe', EventKey: '' } };
    }
  }
}

/** A new person follows, or the one named follows (again). */
function followed(account: AccountRecord, openid: string | undefined, now: number): { openid: string } {
  if (openid === undefined) return { openid: account.followers.follow(1, now)[0]! };
  const { index } = userOf(account, openid);
  account.followers.rejoin(index, now);
  return { openid };
}

/** Sends the push and reads the hub's answer as WeChat would. */
export async function performUserAction(pusher: HubPusher, account: AccountRecord, action: UserAction, clock: SimClock): Promise<UserActionResult> {
  const { openid, fields } = pushFor(account, action, clock);
  const response = await pusher.pushAccount(account.appid, account.userName, fields, openid);
  const body = await response.text();
  const result: UserActionResult = { openid, push: fields, status: response.status, body, reply: null };
  if (response.status !== 200) return { ...result, problem: `the hub answered HTTP ${response.status}` };
  if (body === '' || body === 'success') return result;
  try {
    const xml = pusher.openReply(body);
    const reply = parseFlatXml(xml);
    if (reply.ToUserName !== openid || reply.FromUserName !== account.userName) {
      return { ...result, reply: { xml }, problem: 'the reply is not addressed from the account to the user (ToUserName/FromUserName)' };
    }
    return {
      ...result,
      reply: { xml, ...(reply.MsgType ? { msgType: reply.MsgType } : {}), ...(reply.Content !== undefined ? { content: reply.Content } : {}) },
    };
  } catch (error) {
    return { ...result, problem: `the answer is not an encrypted reply WeChat accepts (${(error as Error).message})` };
  }
}
