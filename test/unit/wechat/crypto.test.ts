import { createCipheriv, createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decryptMessage,
  deriveAesKey,
  encryptMessage,
  MessageCrypto,
  msgSignature,
  plainSignature,
  signaturesEqual,
  WeChatCryptoError,
  type CryptoFailure,
} from '#shared/wechat/crypto.ts';

// WECHAT.md §2 V1: the official message-push doc.
const V1 = {
  token: 'AAAAA',
  encodingAesKey: 'A'.repeat(43),
  appId: 'wxba5fad812f8e6fb9',
  encrypt:
    '+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04=',
  message:
    '{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY","CreateTime":1714112445,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}',
};

// WECHAT.md §2 V2: Tencent's WXBizMsgCrypt sample.
const V2 = {
  token: 'spamtest',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wx2c2769f8efd9abc2',
  timestamp: '1409735669',
  nonce: '1320562132',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  encrypt:
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
  message:
    '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>',
};

// WECHAT.md §2 V3: the official Java sample / WxJava, fixed random prefix.
const V3 = {
  token: 'pamtest',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wxb11529c136998cb6',
  random: Buffer.from('aaaabbbbccccdddd', 'latin1'),
  timestamp: '1409304348',
  nonce: 'xxxxxx',
};

/** AES-256-CBC without padding, for crafting frames the encrypter would never produce. */
function rawEncrypt(plain: Buffer, key: Buffer): string {
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function rawDecrypt(encrypt: string, key: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  return Buffer.concat([decipher.update(Buffer.from(encrypt, 'base64')), decipher.final()]);
}

function frame(o: { msgLen: number; body: Buffer; appId: string; padTo?: number }): Buffer {
  const header = Buffer.alloc(20, 0x61);
  header.writeUInt32BE(o.msgLen, 16);
  return Buffer.concat([header, o.body, Buffer.from(o.appId, 'latin1')]);
}

function pkcs7(plain: Buffer): Buffer {
  const pad = 32 - (plain.length % 32);
  return Buffer.concat([plain, Buffer.alloc(pad, pad)]);
}

function failureOf(act: () => unknown): CryptoFailure | 'no error' | 'other error' {
  try {
    act();
    return 'no error';
  } catch (error) {
    return error instanceof WeChatCryptoError ? error.reason : 'other error';
  }
}

describe('signatures (WECHAT.md §2)', () => {
  it('signs the V1 URL verification as the official doc does', () => {
    // Act
    const signature = plainSignature(V1.token, '1714036504', '1514711492');

    // Assess
    expect(signature).toBe('f464b24fc39322e44b38aa78f5edd27bd1441696');
  });

  it('signs the V1 plain-mode POST as the official doc does', () => {
    // Act
    const signature = plainSignature(V1.token, '1714037059', '486452656');

    // Assess
    expect(signature).toBe('899cf89e464efb63f54ddac96b0a0a235f53aa78');
  });

  it('gives the V1 secure-mode POST the plain signature of its query string', () => {
    // Act
    const signature = plainSignature(V1.token, '1714112445', '415670741');

    // Assess
    expect(signature).toBe('6c5c811b55cc85e0e1b54100749188c20beb3f5d');
  });

  it('gives the V1 secure-mode POST the msg_signature of its query string', () => {
    // Act
    const signature = msgSignature(V1.token, '1714112445', '415670741', V1.encrypt);

    // Assess
    expect(signature).toBe('046e02f8204d34f8ba5fa3b1db94908f3df2e9b3');
  });

  it('gives the V2 sample its msg_signature and its plain signature', () => {
    // Act
    const encrypted = msgSignature(V2.token, V2.timestamp, V2.nonce, V2.encrypt);
    const plain = plainSignature(V2.token, V2.timestamp, V2.nonce);

    // Assess
    expect([encrypted, plain]).toEqual([V2.msgSignature, '16120ec1b8dbb870f510d87ce6bc2463eae6ca1a']);
  });

  it('matches the wechat-crypto V8 signature', () => {
    // Act
    const signature = msgSignature('RMNlACHlV5ThzfRlVS4D4', 'timestamp', 'nonce', 'encrypt');

    // Assess
    expect(signature).toBe('8edac0945683c119ee71c9f6256d76c48aa08a96');
  });

  it('sorts its parts before hashing, so ("c","a","b") signs as sha1("abc")', () => {
    // Act
    const signature = plainSignature('c', 'a', 'b');

    // Assess
    expect(signature).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('compares equal signatures as equal', () => {
    // Act
    const equal = signaturesEqual('f464b24fc39322e44b38aa78f5edd27bd1441696', 'f464b24fc39322e44b38aa78f5edd27bd1441696');

    // Assess
    expect(equal).toBe(true);
  });

  it.each([
    ['one character differs', 'f464b24fc39322e44b38aa78f5edd27bd1441697'],
    ['it is shorter', 'f464b24fc39322e44b38aa78f5edd27bd144169'],
    ['it is longer', 'f464b24fc39322e44b38aa78f5edd27bd14416960'],
    ['it is empty', ''],
  ])('rejects a given signature when %s', (_, given) => {
    // Act
    const equal = signaturesEqual('f464b24fc39322e44b38aa78f5edd27bd1441696', given);

    // Assess
    expect(equal).toBe(false);
  });
});

describe('decrypting published vectors (WECHAT.md §2)', () => {
  it('decrypts the V1 secure-mode body to its JSON message and appid', () => {
    // Act
    const opened = decryptMessage(V1.encrypt, deriveAesKey(V1.encodingAesKey));

    // Assess
    expect(opened).toEqual({ message: V1.message, appId: V1.appId });
  });

  it('decrypts the V2 sample to its text message and appid', () => {
    // Act
    const opened = decryptMessage(V2.encrypt, deriveAesKey(V2.encodingAesKey));

    // Assess
    expect(opened).toEqual({ message: V2.message, appId: V2.appId });
  });

  it('opens the V2 sample through MessageCrypto with its query parameters', () => {
    // Prepare
    const crypto = new MessageCrypto({ token: V2.token, encodingAesKey: V2.encodingAesKey, appId: V2.appId });

    // Act
    const opened = crypto.open({ msgSignature: V2.msgSignature, timestamp: V2.timestamp, nonce: V2.nonce, encrypt: V2.encrypt });

    // Assess
    expect(opened).toEqual({ message: V2.message, key: 'current' });
  });

  it('verifies the V1 URL-verification signature', () => {
    // Prepare
    const crypto = new MessageCrypto({ token: V1.token, encodingAesKey: V1.encodingAesKey, appId: V1.appId });

    // Act
    const valid = crypto.verifyPlain({ signature: 'f464b24fc39322e44b38aa78f5edd27bd1441696', timestamp: '1714036504', nonce: '1514711492' });

    // Assess
    expect(valid).toBe(true);
  });

  it('refuses a URL verification whose signature was made with another token', () => {
    // Prepare
    const crypto = new MessageCrypto({ token: 'BBBBB', encodingAesKey: V1.encodingAesKey, appId: V1.appId });

    // Act
    const valid = crypto.verifyPlain({ signature: 'f464b24fc39322e44b38aa78f5edd27bd1441696', timestamp: '1714036504', nonce: '1514711492' });

    // Assess
    expect(valid).toBe(false);
  });
});

describe('encrypting published vectors (WECHAT.md §2)', () => {
  it('seals the V1 encrypted reply exactly as the official doc shows', () => {
    // Prepare
    const crypto = new MessageCrypto({ token: V1.token, encodingAesKey: V1.encodingAesKey, appId: V1.appId });

    // Act
    const sealed = crypto.seal('{"demo_resp":"good luck"}', {
      timestamp: '1713424427',
      nonce: '415670741',
      random: Buffer.from('707722b803182950', 'latin1'),
    });

    // Assess
    expect(sealed).toEqual({
      encrypt: 'ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==',
      msgSignature: '1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1',
      timestamp: '1713424427',
      nonce: '415670741',
    });
  });

  it('encrypts the V3 Chinese message, counting msg_len in bytes', () => {
    // Act
    const encrypt = encryptMessage('我是中文abcd123', deriveAesKey(V3.encodingAesKey), V3.appId, V3.random);

    // Assess
    expect(encrypt).toBe('jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==');
  });

  it('encrypts the V3 video reply with Chinese text', () => {
    // Prepare
    const message =
      '<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>';

    // Act
    const encrypt = encryptMessage(message, deriveAesKey(V3.encodingAesKey), V3.appId, V3.random);

    // Assess
    expect(encrypt).toBe(
      'jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb',
    );
  });

  it('signs the V3 Chinese ciphertext with the derived msg_signature', () => {
    // Prepare
    const crypto = new MessageCrypto({ token: V3.token, encodingAesKey: V3.encodingAesKey, appId: V3.appId });

    // Act
    const sealed = crypto.seal('我是中文abcd123', { timestamp: V3.timestamp, nonce: V3.nonce, random: V3.random });

    // Assess
    expect(sealed.msgSignature).toBe('82c962d39941aa48552f90ef55aa323dc620cc10');
  });

  it('pads a frame that is already a multiple of 32 bytes with a whole block of 0x20', () => {
    // Prepare: 16 random + 4 length + 26 message + 18 appid = 64 bytes.
    const key = deriveAesKey(V1.encodingAesKey);
    const message = 'x'.repeat(26);

    // Act
    const encrypt = encryptMessage(message, key, V1.appId);

    // Assess
    const padded = rawDecrypt(encrypt, key);
    expect(padded.length).toBe(96);
    expect(padded.subarray(64)).toEqual(Buffer.alloc(32, 0x20));
  });

  it('round-trips a multibyte message whose byte length differs from its character length', () => {
    // Prepare
    const key = deriveAesKey(V3.encodingAesKey);
    const message = '关注 👋 emoji ünïcödé';

    // Act
    const opened = decryptMessage(encryptMessage(message, key, V3.appId), key);

    // Assess
    expect(opened).toEqual({ message, appId: V3.appId });
  });

  it('draws a fresh random prefix for every message when none is given', () => {
    // Prepare
    const key = deriveAesKey(V1.encodingAesKey);

    // Act
    const first = encryptMessage('same', key, V1.appId);
    const second = encryptMessage('same', key, V1.appId);

    // Assess
    expect(first).not.toBe(second);
  });
});

describe('deriving the AES key', () => {
  it('turns 43 × "A" into 32 zero bytes', () => {
    // Act
    const key = deriveAesKey(V1.encodingAesKey);

    // Assess
    expect(key).toEqual(Buffer.alloc(32));
  });

  it.each([
    ['42 characters', 'A'.repeat(42)],
    ['44 characters', 'A'.repeat(44)],
    ['a "+" in it', `${'A'.repeat(42)}+`],
    ['a trailing "="', `${'A'.repeat(42)}=`],
    ['a space in it', `${'A'.repeat(21)} ${'A'.repeat(21)}`],
    ['nothing', ''],
  ])('refuses a key with %s', (_, encodingAesKey) => {
    // Act
    const failure = failureOf(() => deriveAesKey(encodingAesKey));

    // Assess
    expect(failure).toBe('bad_key');
  });

  it('refuses to build a MessageCrypto whose previous key is malformed', () => {
    // Act
    const failure = failureOf(() => new MessageCrypto({ token: 't', encodingAesKey: V1.encodingAesKey, previousEncodingAesKey: 'short', appId: V1.appId }));

    // Assess
    expect(failure).toBe('bad_key');
  });

  it('refuses to decrypt with a raw key that is not 32 bytes', () => {
    // Act
    const failure = failureOf(() => decryptMessage(V1.encrypt, Buffer.alloc(16)));

    // Assess
    expect(failure).toBe('bad_key');
  });
});

describe('rejecting malformed ciphertext', () => {
  const key = deriveAesKey(V1.encodingAesKey);

  it.each([
    ['a character outside the alphabet', `*${V1.encrypt.slice(1)}`],
    ['a line break inside', `${V1.encrypt.slice(0, 40)}\n${V1.encrypt.slice(40)}`],
    ['its padding removed', V1.encrypt.replace(/=+$/, '')],
    ['the URL-safe alphabet', V1.encrypt.replaceAll('+', '-').replaceAll('/', '_')],
    ['unused trailing bits set', `${V1.encrypt.slice(0, -2)}5=`],
  ])('refuses base64 with %s', (_, encrypt) => {
    // Act
    const failure = failureOf(() => decryptMessage(encrypt, key));

    // Assess
    expect(failure).toBe('bad_base64');
  });

  it.each([
    ['empty', ''],
    ['48 bytes long', Buffer.alloc(48, 1).toString('base64')],
    ['16 bytes long', Buffer.alloc(16, 1).toString('base64')],
  ])('refuses a ciphertext that is %s', (_, encrypt) => {
    // Act
    const failure = failureOf(() => decryptMessage(encrypt, key));

    // Assess
    expect(failure).toBe('bad_length');
  });

  it.each([
    ['ends in 0x00', 0],
    ['ends in 33', 33],
    ['ends in 0xff', 0xff],
  ])('refuses a plaintext whose pad byte %s', (_, last) => {
    // Prepare
    const plain = Buffer.concat([frame({ msgLen: 2, body: Buffer.from('hi'), appId: V1.appId }), Buffer.alloc(64)]).subarray(0, 64);
    plain[63] = last;

    // Act
    const failure = failureOf(() => decryptMessage(rawEncrypt(plain, key), key));

    // Assess
    expect(failure).toBe('bad_padding');
  });

  it('refuses padding whose bytes are not all equal to its length', () => {
    // Prepare
    const plain = pkcs7(frame({ msgLen: 2, body: Buffer.from('hi'), appId: V1.appId }));
    plain[plain.length - 2] = plain[plain.length - 1]! - 1;

    // Act
    const failure = failureOf(() => decryptMessage(rawEncrypt(plain, key), key));

    // Assess
    expect(failure).toBe('bad_padding');
  });

  it('refuses a msg_len that reaches past the end of the frame', () => {
    // Prepare
    const plain = pkcs7(frame({ msgLen: 1000, body: Buffer.from('hi'), appId: V1.appId }));

    // Act
    const failure = failureOf(() => decryptMessage(rawEncrypt(plain, key), key));

    // Assess
    expect(failure).toBe('bad_frame');
  });

  it('refuses a frame too short to hold the random prefix and msg_len', () => {
    // Prepare: 12 bytes of frame, then 20 bytes of padding.
    const plain = Buffer.concat([Buffer.alloc(12, 0x61), Buffer.alloc(20, 20)]);

    // Act
    const failure = failureOf(() => decryptMessage(rawEncrypt(plain, key), key));

    // Assess
    expect(failure).toBe('bad_frame');
  });

  it('refuses a message that is not valid UTF-8', () => {
    // Prepare
    const plain = pkcs7(frame({ msgLen: 2, body: Buffer.from([0xc3, 0x28]), appId: V1.appId }));

    // Act
    const failure = failureOf(() => decryptMessage(rawEncrypt(plain, key), key));

    // Assess
    expect(failure).toBe('bad_frame');
  });
});

describe('opening pushes with MessageCrypto', () => {
  const current = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const previous = 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut';
  const hub = new MessageCrypto({ token: 'tok', encodingAesKey: current, previousEncodingAesKey: previous, appId: 'wxcomponent000001' });
  const query = { timestamp: '1714112445', nonce: '415670741' };

  it('refuses a body whose msg_signature does not match', () => {
    // Prepare
    const sealed = hub.seal('<xml/>', query);

    // Act
    const failure = failureOf(() => hub.open({ ...query, encrypt: sealed.encrypt, msgSignature: '0'.repeat(40) }));

    // Assess
    expect(failure).toBe('bad_signature');
  });

  it('refuses a ciphertext altered after signing', () => {
    // Prepare
    const sealed = hub.seal('<xml/>', query);
    const altered = `${sealed.encrypt[0] === 'A' ? 'B' : 'A'}${sealed.encrypt.slice(1)}`;

    // Act
    const failure = failureOf(() => hub.open({ ...query, encrypt: altered, msgSignature: sealed.msgSignature }));

    // Assess
    expect(failure).toBe('bad_signature');
  });

  it('refuses a message sealed for another appid', () => {
    // Prepare
    const stranger = new MessageCrypto({ token: 'tok', encodingAesKey: current, appId: 'wxsomeoneelse0001' });
    const sealed = stranger.seal('<xml/>', query);

    // Act
    const failure = failureOf(() => hub.open({ ...query, encrypt: sealed.encrypt, msgSignature: sealed.msgSignature }));

    // Assess
    expect(failure).toBe('foreign_appid');
  });

  it('opens with the current key and says so', () => {
    // Prepare
    const sealed = hub.seal('<xml>now</xml>', query);

    // Act
    const opened = hub.open({ ...query, encrypt: sealed.encrypt, msgSignature: sealed.msgSignature });

    // Assess
    expect(opened).toEqual({ message: '<xml>now</xml>', key: 'current' });
  });

  it('falls back to the previous key during a rotation and says so', () => {
    // Prepare
    const beforeRotation = new MessageCrypto({ token: 'tok', encodingAesKey: previous, appId: 'wxcomponent000001' });
    const sealed = beforeRotation.seal('<xml>old</xml>', query);

    // Act
    const opened = hub.open({ ...query, encrypt: sealed.encrypt, msgSignature: sealed.msgSignature });

    // Assess
    expect(opened).toEqual({ message: '<xml>old</xml>', key: 'previous' });
  });

  it('seals a reply with the previous key that WeChat, still on that key, can open', () => {
    // Prepare
    const wechat = new MessageCrypto({ token: 'tok', encodingAesKey: previous, appId: 'wxcomponent000001' });

    // Act
    const sealed = hub.seal('<xml>reply</xml>', { ...query, key: 'previous' });

    // Assess
    expect(wechat.open({ ...query, encrypt: sealed.encrypt, msgSignature: sealed.msgSignature })).toEqual({ message: '<xml>reply</xml>', key: 'current' });
  });

  it('fails a message that neither key can open', () => {
    // Prepare
    const unrelated = new MessageCrypto({ token: 'tok', encodingAesKey: V1.encodingAesKey, appId: 'wxcomponent000001' });
    const sealed = unrelated.seal('<xml>lost</xml>', query);

    // Act
    const failure = failureOf(() => hub.open({ ...query, encrypt: sealed.encrypt, msgSignature: sealed.msgSignature }));

    // Assess
    expect(['bad_padding', 'bad_frame', 'foreign_appid']).toContain(failure);
  });

  it('keeps opening messages correctly after refusing ones it could not decrypt', () => {
    // Prepare
    const unrelated = new MessageCrypto({ token: 'tok', encodingAesKey: V1.encodingAesKey, appId: 'wxcomponent000001' });
    const lost = unrelated.seal('<xml>lost</xml>', query);
    const good = hub.seal('<xml>after</xml>', query);
    failureOf(() => hub.open({ ...query, encrypt: lost.encrypt, msgSignature: lost.msgSignature }));
    failureOf(() => hub.open({ ...query, encrypt: 'AAAA', msgSignature: msgSignature('tok', query.timestamp, query.nonce, 'AAAA') }));

    // Act
    const opened = hub.open({ ...query, encrypt: good.encrypt, msgSignature: good.msgSignature });

    // Assess
    expect(opened).toEqual({ message: '<xml>after</xml>', key: 'current' });
  });

  it('refuses to seal with a previous key it was not given', () => {
    // Prepare
    const single = new MessageCrypto({ token: 'tok', encodingAesKey: current, appId: 'wxcomponent000001' });

    // Act
    const act = () => single.seal('<xml/>', { ...query, key: 'previous' });

    // Assess
    expect(act).toThrow(/previous/);
  });

  it('round-trips any message from 0 bytes to 64 KB, multibyte included, through seal and open', () => {
    // Prepare
    const messages = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 16 * 1024, size: 'max' }),
      fc.string({ unit: 'grapheme', maxLength: 8 * 1024, size: 'max' }),
      fc.string({ unit: 'binary-ascii', maxLength: 64 * 1024, size: 'max' }),
      fc.constantFrom('', 'x'.repeat(64 * 1024), '中'.repeat(21845)),
    );
    const random = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes));

    // Act + Assess
    fc.assert(
      fc.property(messages, random, fc.boolean(), (message, prefix, usePrevious) => {
        const key = usePrevious ? 'previous' : 'current';
        const sealed = hub.seal(message, { ...query, key, random: prefix });
        const opened = hub.open({ msgSignature: sealed.msgSignature, timestamp: sealed.timestamp, nonce: sealed.nonce, encrypt: sealed.encrypt });
        expect(opened).toEqual({ message, key });
      }),
      { numRuns: 150 },
    );
    // 150 messages of up to 64 KB take about a second alone, many times that on a loaded machine: the
    // property is judged by its runs, not by vitest's 5 s default.
  }, 120_000);
});
