/**
 * Verify + decrypt of a typical push (a ~500-byte subscribe event) with our MessageCrypto against
 * the npm package `wechat-crypto` on the same inputs. Ours does more per message (strict base64,
 * full padding and frame checks, UTF-8 validation, constant-time compare, appid check), so the ratio
 * shows what that strictness costs. Rounds alternate between the two to spread machine noise evenly.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { MessageCrypto } from '#shared/wechat/crypto.ts';

interface WeChatCryptoInstance {
  getSignature(timestamp: string, nonce: string, encrypt: string): string;
  decrypt(encrypt: string): { message: string; id: string };
}
type WeChatCryptoConstructor = new (token: string, encodingAesKey: string, id: string) => WeChatCryptoInstance;

export const description = 'verify + decrypt a ~500-byte subscribe push: MessageCrypto vs wechat-crypto (ratio = ours / theirs)';

const token = 'benchmarktoken';
const encodingAesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const appId = 'wxbenchcomponent01';
const timestamp = '1714112445';
const nonce = '415670741';

const subscribeEvent = [
  '<xml>',
  '<ToUserName><![CDATA[gh_3c884a361561]]></ToUserName>',
  '<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>',
  '<CreateTime>1714112445</CreateTime>',
  '<MsgType><![CDATA[event]]></MsgType>',
  '<Event><![CDATA[subscribe]]></Event>',
  '<EventKey><![CDATA[qrscene_tenant-2f9c1d7e-community-00042]]></EventKey>',
  '<Ticket><![CDATA[gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw==]]></Ticket>',
  '<SubscribeScene><![CDATA[ADD_SCENE_QR_CODE]]></SubscribeScene>',
  '</xml>',
].join('\n');

const ROUNDS = 6;
const TARGET_MS_PER_ROUND = 400;

function timeIt(iterations: number, once: () => void): number {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) once();
  return performance.now() - start;
}

export async function run(progress: (message: string) => void): Promise<Record<string, unknown>> {
  const WeChatCrypto = createRequire(import.meta.url)('wechat-crypto') as WeChatCryptoConstructor;
  const ours = new MessageCrypto({ token, encodingAesKey, appId });
  const theirs = new WeChatCrypto(token, encodingAesKey, appId);

  const sealed = ours.seal(subscribeEvent, { timestamp, nonce });
  const request = { msgSignature: sealed.msgSignature, timestamp, nonce, encrypt: sealed.encrypt };

  const openOurs = (): string => ours.open(request).message;
  const openTheirs = (): string => {
    if (theirs.getSignature(timestamp, nonce, request.encrypt) !== request.msgSignature) throw new Error('wechat-crypto: bad signature');
    const { message, id } = theirs.decrypt(request.encrypt);
    if (id !== appId) throw new Error('wechat-crypto: foreign appid');
    return message;
  };

  const ourPlain = openOurs();
  const theirPlain = openTheirs();
  if (ourPlain !== subscribeEvent || theirPlain !== subscribeEvent) {
    throw new Error('MessageCrypto and wechat-crypto disagree on the plaintext: nothing to compare');
  }
  progress(`both decrypt the ${Buffer.byteLength(subscribeEvent)}-byte push identically; calibrating`);

  // Warm both up, then size N so one round of ours takes about TARGET_MS_PER_ROUND.
  timeIt(2_000, openOurs);
  timeIt(2_000, openTheirs);
  const probe = 5_000;
  const perCallMs = timeIt(probe, openOurs) / probe;
  const perRound = Math.max(1_000, Math.round(TARGET_MS_PER_ROUND / perCallMs));

  let oursMs = 0;
  let theirsMs = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    if (round % 2 === 1) {
      oursMs += timeIt(perRound, openOurs);
      theirsMs += timeIt(perRound, openTheirs);
    } else {
      theirsMs += timeIt(perRound, openTheirs);
      oursMs += timeIt(perRound, openOurs);
    }
    progress(`round ${round}/${ROUNDS}: ${perRound} opens each`);
  }

  const n = perRound * ROUNDS;
  const oursPerSecond = Math.round((n / oursMs) * 1000);
  const wechatCryptoPerSecond = Math.round((n / theirsMs) * 1000);
  return {
    n,
    messageBytes: Buffer.byteLength(subscribeEvent),
    oursPerSecond,
    wechatCryptoPerSecond,
    ratio: Number((oursPerSecond / wechatCryptoPerSecond).toFixed(3)),
  };
}
