/**
 * An account's followers, scaled to 100 000+ without holding them: follower `i` of an account is
 * derived from (appid, i) alone, so only the followers who left and the ones who joined later are
 * stored. Baseline followers are indices 0..baseline-1; each `follow` appends indices after them.
 *
 * An openid (28 characters, like WeChat's) is `o` + an 8-character account tag + the index in base 36
 * (6 characters) + a 13-character check derived from (appid, index). The check makes openids of one
 * account unguessable from another's and lets `indexOf` reject forged or foreign openids (40003).
 */
import { createHash, randomInt } from 'node:crypto';

const INDEX_DIGITS = 6;
const MAX_INDEX = 36 ** INDEX_DIGITS - 1;
const OPENID = /^o([A-Za-z0-9_-]{8})([0-9a-z]{6})([A-Za-z0-9_-]{13})$/;

/** subscribe_scene values with rough real-world weights (percent). */
const scenes: ReadonlyArray<[string, number]> = [
  ['ADD_SCENE_SEARCH', 25],
  ['ADD_SCENE_QR_CODE', 30],
  ['ADD_SCENE_PROFILE_CARD', 10],
  ['ADD_SCENE_PROFILE_LINK', 10],
  ['ADD_SCENE_PROFILE_ITEM', 5],
  ['ADD_SCENE_ACCOUNT_MIGRATION', 5],
  ['ADD_SCENE_WECHAT_ADVERTISEMENT', 5],
  ['ADD_SCENE_PAID', 2],
  ['ADD_SCENE_OTHERS', 8],
];

export interface FollowerProfile {
  subscribe: 1;
  openid: string;
  language: string;
  subscribe_time: number;
  unionid?: string;
  remark: string;
  groupid: number;
  tagid_list: number[];
  subscribe_scene: string;
  qr_scene: number;
  qr_scene_str: string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A book as plain JSON (the simulator's saved world): only what is not derived from the appid. */
export interface FollowerBookSnapshot {
  appid: string;
  unionidRatio: number;
  baselineEpoch: number;
  end: number;
  removed: number[];
  joinedAt: [number, number][];
}

export class FollowerBook {
  readonly #appid: string;
  readonly #tag: string;
  readonly #unionidRatio: number;
  /** Unix seconds the baseline followers' subscribe times are spread before. */
  readonly #baselineEpoch: number;
  #end: number;
  readonly #removed = new Set<number>();
  readonly #joinedAt = new Map<number, number>();

  constructor(o: { appid: string; baseline: number; unionidRatio: number; baselineEpoch: number }) {
    if (!Number.isSafeInteger(o.baseline) || o.baseline < 0 || o.baseline > MAX_INDEX) {
      throw new RangeError(`followers must be a whole number from 0 to ${MAX_INDEX}`);
    }
    this.#appid = o.appid;
    this.#tag = digest(`sim-account-tag:${o.appid}`).toString('base64url').slice(0, 8);
    this.#unionidRatio = o.unionidRatio;
    this.#baselineEpoch = o.baselineEpoch;
    this.#end = o.baseline;
  }

  snapshot(): FollowerBookSnapshot {
    return {
      appid: this.#appid,
      unionidRatio: this.#unionidRatio,
      baselineEpoch: this.#baselineEpoch,
      end: this.#end,
      removed: [...this.#removed],
      joinedAt: [...this.#joinedAt],
    };
  }

  static fromSnapshot(snapshot: FollowerBookSnapshot): FollowerBook {
    const book = new FollowerBook({
      appid: snapshot.appid,
      baseline: snapshot.end,
      unionidRatio: snapshot.unionidRatio,
      baselineEpoch: snapshot.baselineEpoch,
    });
    for (const index of snapshot.removed) book.#removed.add(index);
    for (const [index, at] of snapshot.joinedAt) book.#joinedAt.set(index, at);
    return book;
  }

  get count(): number {
    return this.#end - this.#removed.size;
  }

  openidAt(index: number): string {
    const check = digest(`sim-openid:${this.#appid}:${index}`).toString('base64url').slice(0, 13);
    return `o${this.#tag}${index.toString(36).padStart(INDEX_DIGITS, '0')}${check}`;
  }

  /** The index behind an openid of this account (follower now or not), or undefined for anything else. */
  indexOf(openid: string): number | undefined {
    const match = OPENID.exec(openid);
    if (!match || match[1] !== this.#tag) return undefined;
    const index = Number.parseInt(match[2]!, 36);
    if (index >= this.#end || this.openidAt(index) !== openid) return undefined;
    return index;
  }

  isFollower(index: number): boolean {
    return index >= 0 && index < this.#end && !this.#removed.has(index);
  }

  /** Up to `limit` followers in index order, starting after `afterIndex` (from the first when undefined). */
  page(afterIndex: number | undefined, limit: number): string[] {
    const openids: string[] = [];
    for (let i = afterIndex === undefined ? 0 : afterIndex + 1; i < this.#end && openids.length < limit; i++) {
      if (!this.#removed.has(i)) openids.push(this.openidAt(i));
    }
    return openids;
  }

  /** `count` new people follow at `nowSeconds`; returns their openids. */
  follow(count: number, nowSeconds: number): string[] {
    if (this.#end + count > MAX_INDEX) throw new RangeError('too many followers for one account');
    const openids: string[] = [];
    for (let n = 0; n < count; n++) {
      const index = this.#end++;
      this.#joinedAt.set(index, nowSeconds);
      openids.push(this.openidAt(index));
    }
    return openids;
  }

  /** The follower at `index` leaves (a simulated user's unfollow). */
  leave(index: number): void {
    this.#removed.add(index);
    this.#joinedAt.delete(index);
  }

  /** The person at `index`, who left, follows again at `nowSeconds` (WeChat keeps their openid). */
  rejoin(index: number, nowSeconds: number): void {
    if (this.#removed.delete(index)) this.#joinedAt.set(index, nowSeconds);
  }

  /** `count` current followers, picked at random, leave; returns their openids. */
  unfollow(count: number): string[] {
    if (count > this.count) throw new RangeError(`only ${this.count} followers can leave`);
    const leaving: number[] = [];
    if (count * 2 > this.count) {
      // Rejection sampling would spin when most followers leave: draw from the explicit list instead.
      const current: number[] = [];
      for (let i = 0; i < this.#end; i++) if (!this.#removed.has(i)) current.push(i);
      for (let n = 0; n < count; n++) {
        const pick = randomInt(n, current.length);
        [current[n], current[pick]] = [current[pick]!, current[n]!];
        leaving.push(current[n]!);
      }
    } else {
      const picked = new Set<number>();
      while (picked.size < count) {
        const index = randomInt(0, this.#end);
        if (!this.#removed.has(index)) picked.add(index);
      }
      leaving.push(...picked);
    }
    for (const index of leaving) {
      this.#removed.add(index);
      this.#joinedAt.delete(index);
    }
    return leaving.map((index) => this.openidAt(index));
  }

  /**
   * What user/info answers for a follower. A unionid exists only while the account is bound to an open
   * platform account, and then for the share `unionidRatio` of followers (chosen per follower, stably).
   */
  profile(index: number, o: { boundToOpenAccount: boolean }): FollowerProfile {
    const bytes = digest(`sim-follower:${this.#appid}:${index}`);
    const fraction = bytes.readUInt32BE(0) / 2 ** 32;
    const languageRoll = bytes[4]! % 100;
    // `lang` of the request only picks the language of place names WeChat no longer returns; `language` is the user's own.
    const language = languageRoll < 85 ? 'zh_CN' : languageRoll < 93 ? 'zh_TW' : 'en';
    let sceneRoll = bytes[5]! % 100;
    let scene = 'ADD_SCENE_OTHERS';
    for (const [name, weight] of scenes) {
      if (sceneRoll < weight) {
        scene = name;
        break;
      }
      sceneRoll -= weight;
    }
    const qr = scene === 'ADD_SCENE_QR_CODE';
    const tagRoll = bytes[6]! % 10;
    const subscribeTime = this.#joinedAt.get(index) ?? this.#baselineEpoch - (bytes.readUInt32BE(8) % (3 * 365 * 86_400));
    const profile: FollowerProfile = {
      subscribe: 1,
      openid: this.openidAt(index),
      language,
      subscribe_time: subscribeTime,
      remark: '',
      groupid: 0,
      tagid_list: tagRoll < 7 ? [] : tagRoll < 9 ? [100 + (bytes[7]! % 3)] : [100, 101 + (bytes[7]! % 2)],
      subscribe_scene: scene,
      qr_scene: qr ? 1000 + (bytes[12]! % 50) : 0,
      qr_scene_str: qr && bytes[13]! % 2 === 0 ? `campaign-${bytes[14]! % 10}` : '',
    };
    if (o.boundToOpenAccount && fraction < this.#unionidRatio) {
      profile.unionid = `o${digest(`sim-unionid:${this.#appid}:${index}`).toString('base64url').slice(0, 27)}`;
    }
    return profile;
  }
}
