/**
 * An account's auto-reply rules (API.md §3 `AutoReplyRule`), as `PUT …/auto-replies` takes them: the
 * strict schema (every issue is `400 validation_failed` with its field path, `body.rules.<index>.<field>`,
 * so the details name the rule by its index and the field) and the limits:
 *
 * - at most 200 rules, ids `[A-Za-z0-9_-]{1,64}` unique in the list (a duplicate names the rule that
 *   used the id first);
 * - triggers: `subscribe`, `keyword` (1..10 keywords of 1..30 characters after trimming, `exact` or
 *   `contains`), `click` (a CLICK button's key, 1..128 bytes as in WECHAT.md §15.2), `scan` (a QR
 *   scene of 1..64 characters, or none for any), `default`;
 * - replies: `text` (1..600 characters), `image` (a media id of the account), `news` (one article:
 *   title ≤ 64 characters, description ≤ 256, `url` and `picUrl` http(s) URLs of ≤ 1024 bytes);
 * - the whole set, as stored, at most `MAX_RULE_SET_BYTES` of JSON: 200 rules of the longest fields
 *   would not fit one DynamoDB item (400 KB), and the set is read as one item on every push.
 */
import * as v from 'valibot';
import type { PassiveReply } from '#shared/wechat/passive-replies.ts';

export const MAX_RULES = 200;
export const MAX_RULE_SET_BYTES = 300 * 1024;

export type AutoReplyTrigger =
  | { type: 'subscribe' }
  | { type: 'keyword'; keywords: string[]; match: 'exact' | 'contains' }
  | { type: 'click'; eventKey: string }
  | { type: 'scan'; scene?: string }
  | { type: 'default' };

export interface AutoReplyRule {
  id: string;
  enabled?: boolean;
  trigger: AutoReplyTrigger;
  reply: PassiveReply;
}

/** What the hub holds for an account: the rules in their order, when they were put, and a version that changes with every PUT. */
export interface AutoReplySet {
  rules: AutoReplyRule[];
  updatedAt: string;
  version: string;
}

const characters = (text: string): number => [...text].length;
const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

const chars = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.check((text) => characters(text) >= min && characters(text) <= max, `must be ${min} to ${max} characters`),
  );

const httpUrl = v.pipe(
  v.string(),
  v.maxBytes(1024, 'must be at most 1024 bytes'),
  v.url('must be an absolute URL'),
  v.regex(/^https?:\/\//i, 'must be an http or https URL'),
);

const keyword = v.pipe(
  v.string(),
  v.check((text) => characters(text.trim()) >= 1 && characters(text.trim()) <= 30, 'must be 1 to 30 characters (trimmed)'),
);

const trigger = v.variant(
  'type',
  [
    v.strictObject({ type: v.literal('subscribe') }),
    v.strictObject({
      type: v.literal('keyword'),
      keywords: v.pipe(v.array(keyword), v.minLength(1, 'must hold 1 to 10 keywords'), v.maxLength(10, 'must hold 1 to 10 keywords')),
      match: v.picklist(['exact', 'contains'], 'must be exact or contains'),
    }),
    v.strictObject({
      type: v.literal('click'),
      eventKey: v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxBytes(128, 'must be at most 128 bytes (WeChat menu key)')),
    }),
    v.strictObject({ type: v.literal('scan'), scene: v.optional(chars(1, 64)) }),
    v.strictObject({ type: v.literal('default') }),
  ],
  'must be one of subscribe, keyword, click, scan, default',
);

const reply = v.variant(
  'type',
  [
    v.strictObject({ type: v.literal('text'), content: chars(1, 600) }),
    v.strictObject({
      type: v.literal('image'),
      mediaId: v.pipe(v.string(), v.regex(/^[\x21-\x7e]{1,128}$/, 'must be a media id: 1 to 128 printable ASCII characters')),
    }),
    v.strictObject({
      type: v.literal('news'),
      article: v.strictObject({
        title: chars(1, 64),
        description: v.optional(chars(0, 256)),
        picUrl: v.optional(httpUrl),
        url: httpUrl,
      }),
    }),
  ],
  'must be one of text, image, news',
);

export const autoReplyRuleSchema = v.strictObject({
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 of A-Z a-z 0-9 _ -')),
  enabled: v.optional(v.boolean()),
  trigger,
  reply,
});

/** The index of the first rule that uses each id twice or more: `[index, firstIndex]`. */
function duplicateIds(rules: readonly { id: string }[]): [number, number][] {
  const first = new Map<string, number>();
  const duplicates: [number, number][] = [];
  rules.forEach((rule, index) => {
    const seen = first.get(rule.id);
    if (seen === undefined) first.set(rule.id, index);
    else duplicates.push([index, seen]);
  });
  return duplicates;
}

const rulesSchema = v.pipe(
  v.array(autoReplyRuleSchema),
  v.maxLength(MAX_RULES, `must hold at most ${MAX_RULES} rules`),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    for (const [index, firstIndex] of duplicateIds(dataset.value)) {
      const rule = dataset.value[index]!;
      addIssue({
        message: `duplicates the id of rule ${firstIndex} (${rule.id}): ids must be unique`,
        path: [
          { type: 'array', origin: 'value', input: dataset.value, key: index, value: rule },
          { type: 'object', origin: 'value', input: rule, key: 'id', value: rule.id },
        ],
      });
    }
  }),
  v.check((rules) => bytes(JSON.stringify(rules)) <= MAX_RULE_SET_BYTES, `must be at most ${MAX_RULE_SET_BYTES / 1024} KiB of JSON in all`),
);

/** The body of `PUT /v1/accounts/{appid}/auto-replies`. */
export const autoRepliesBodySchema = v.strictObject({ rules: rulesSchema });
