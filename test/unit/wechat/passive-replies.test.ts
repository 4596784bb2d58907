/**
 * Passive replies (shared/wechat/passive-replies.ts, WECHAT.md §14.2), sealed as the message URL
 * seals them (§1.6) and opened again with the component's crypto: each type decrypts to its XML,
 * with To/From swapped by the caller, CreateTime a number and every string in CDATA.
 */
import { describe, expect, it } from 'vitest';
import { MessageCrypto } from '#shared/wechat/crypto.ts';
import { buildPassiveReply, type PassiveReply } from '#shared/wechat/passive-replies.ts';

const crypto = new MessageCrypto({ token: 'replytoken', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', appId: 'wxcomponent000001' });
const header = { toUserName: 'oUser0001', fromUserName: 'gh_account0001', createTime: 1_714_000_000 };
const HEAD = '<xml><ToUserName><![CDATA[oUser0001]]></ToUserName><FromUserName><![CDATA[gh_account0001]]></FromUserName><CreateTime>1714000000</CreateTime>';

function roundTrip(reply: PassiveReply): string {
  const sealed = crypto.seal(buildPassiveReply(header, reply), { timestamp: '1714000000', nonce: 'n0nce' });
  return crypto.open({ msgSignature: sealed.msgSignature, timestamp: sealed.timestamp, nonce: sealed.nonce, encrypt: sealed.encrypt }).message;
}

describe('a passive reply', () => {
  it('decrypts to the text XML', () => {
    // Act
    const xml = roundTrip({ type: 'text', content: '你好\n<a href="https://example.com/">link</a>' });

    // Assess
    expect(xml).toBe(`${HEAD}<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好\n<a href="https://example.com/">link</a>]]></Content></xml>`);
  });

  it('decrypts to the image XML', () => {
    // Act
    const xml = roundTrip({ type: 'image', mediaId: 'MEDIA_ID-1' });

    // Assess
    expect(xml).toBe(`${HEAD}<MsgType><![CDATA[image]]></MsgType><Image><MediaId><![CDATA[MEDIA_ID-1]]></MediaId></Image></xml>`);
  });

  it('decrypts to the one-article news XML', () => {
    // Act
    const xml = roundTrip({
      type: 'news',
      article: { title: 'Title', description: 'About', picUrl: 'https://example.com/p.jpg', url: 'https://example.com/a' },
    });

    // Assess
    expect(xml).toBe(
      `${HEAD}<MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount><Articles><item><Title><![CDATA[Title]]></Title><Description><![CDATA[About]]></Description><PicUrl><![CDATA[https://example.com/p.jpg]]></PicUrl><Url><![CDATA[https://example.com/a]]></Url></item></Articles></xml>`,
    );
  });

  it('keeps a CDATA terminator inside the content intact', () => {
    // Act
    const xml = roundTrip({ type: 'news', article: { title: 'a]]>b', url: 'https://example.com/' } });

    // Assess
    expect(xml).toContain('<Title><![CDATA[a]]]]><![CDATA[>b]]></Title>');
  });
});
