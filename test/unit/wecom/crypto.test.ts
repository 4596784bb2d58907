import { describe, expect, it } from 'vitest';
import { receiveIdDigest, WeChatCryptoError, WeComCrypto } from '#shared/wecom/crypto.ts';

// WECOM.md §6. W1/W2: the official WeCom sample (sbzhu/weworkapi_python callback/Sample.py).
const W1 = {
  token: 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo',
  encodingAesKey: '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt',
  receiveId: 'ww1436e0e65a779aee',
  msgSignature: '012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb',
  timestamp: '1476416373',
  nonce: '47744683',
  echostr: 'fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==',
  plaintext: '1288432023552776189',
};

const W2 = {
  msgSignature: '0c3914025cb4b4d68103f6bfc8db550f79dcf48e',
  timestamp: '1476422779',
  nonce: '1597212914',
  encrypt:
    'Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+',
  plaintext:
    '<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>',
};

// W3/W4: the WeCom doc example (token QDG6eK).
const QDG = { token: 'QDG6eK', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', receiveId: 'wx5823bf96d3bd56c7' };
const W3 = {
  msgSignature: '477715d11cdb4164915debcba66cb864d751f3e6',
  timestamp: '1409659813',
  nonce: '1372623149',
  encrypt:
    'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
  plaintext:
    '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>',
};
const W4 = {
  rawQuery:
    'msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D',
  echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
  plaintext: '1616140317555161061',
};

// W5: ailingbot's test_encrypt.py.
const W5 = {
  token: 'jF9WQd6XtH7',
  encodingAesKey: '8tcbqHabYBnQ2N7ID8BXtkordA4b1MzossELoCPvK8z',
  timestamp: '1647328566',
  nonce: '1648278214',
  encrypt: '9eOdb3odwWMVTiGRTm+uiVrx3SGwzjGyq6oWu4b2tWC51YbHQasEVD9ZdS6Nx+XBxB2C/qxZ8bl8+qRBUb8CVg==',
  msgSignature: '0af7077e1d70aed01bf9a6f40b2b52a7536ec807',
  plaintext: '7205136330722672511',
  receiveId: 'ww54047ef57875c719',
};

// W6: synthetic suite_ticket push, ReceiveId = suite id.
const W6 = {
  receiveId: 'ww4asffe99e54c0fxxxx',
  random: Buffer.from('0123456789abcdef', 'ascii'),
  timestamp: '1403610513',
  nonce: '380320359',
  plaintext:
    '<xml><SuiteId><![CDATA[ww4asffe99e54c0fxxxx]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType><TimeStamp>1403610513</TimeStamp><SuiteTicket><![CDATA[asdfasfdasdfasdf]]></SuiteTicket></xml>',
  encrypt:
    'sKqRbbiSUnDhFHOvPjtUMc8d6yx4a/6nI6K3ydSsWPWu4vOoCc0O9FEBB+1OFCveV8iC/PW3MUyLoF2BogNhwAH6q6P5gNCcdx8K+y4iRRESAy1N5GMeB+vHyx0uSct6kid34EhaIsvVmcYWru7hUxUgLXne5nbAOMMyFzAfybg7h7bqqc0k0AhBRzR4JBh8Hs5pRIX2pcBeLUTzpUHA6OQciX9/YOywRGXTyrFg4esWVTUYL6NDIgP3TABbJ1tYZAPV5LTu3rn5IuVJUKbTcXwENo89kU3iZit5L5ZA5YgL9GjT0igpOstAcRwnxqImEBA/CB5M+WfruL56c7/5uA==',
  msgSignature: 'faba227e7299fcdf671f6d644a9232dbe0881c48',
};

describe('WeCom callback crypto: WECOM.md §6 vectors', () => {
  it('W1: the official URL check opens to its echo plaintext with the corp id as ReceiveId', () => {
    // Prepare
    const crypto = new WeComCrypto(W1);
    // Act
    const opened = crypto.openEcho(W1, [W1.receiveId]);
    // Assess
    expect(opened).toEqual({ message: W1.plaintext, receiveId: W1.receiveId, receiveIdAccepted: true });
  });

  it('W2: the official POST opens with a pad of 22 bytes (more than one AES block)', () => {
    const crypto = new WeComCrypto(W1);
    const opened = crypto.open(W2, [W1.receiveId]);
    expect(opened.message).toBe(W2.plaintext);
    expect(opened.receiveId).toBe(W1.receiveId);
  });

  it('W3: the doc example opens with a pad of 30 bytes', () => {
    const crypto = new WeComCrypto(QDG);
    const opened = crypto.open(W3, [QDG.receiveId]);
    expect(opened.message).toBe(W3.plaintext);
    expect(opened.receiveId).toBe(QDG.receiveId);
  });

  it('W4: the encrypted echostr opens to 1616140317555161061, also when read from the raw percent-encoded query', () => {
    const crypto = new WeComCrypto(QDG);
    const query = Object.fromEntries(W4.rawQuery.split('&').map((pair) => pair.split('=').map(decodeURIComponent) as [string, string]));
    const fromRaw = crypto.openEcho({ msgSignature: query.msg_signature!, timestamp: query.timestamp!, nonce: query.nonce!, echostr: query.echostr! }, [
      QDG.receiveId,
    ]);
    expect(query.echostr).toBe(W4.echostr);
    expect(fromRaw.message).toBe(W4.plaintext);
  });

  it('W5: ailingbot’s vector verifies and opens to its message and receive id', () => {
    const crypto = new WeComCrypto(W5);
    const opened = crypto.open(W5, [W5.receiveId]);
    expect(opened).toEqual({ message: W5.plaintext, receiveId: W5.receiveId, receiveIdAccepted: true });
  });

  it('W6: sealing the synthetic suite_ticket with its random prefix gives exactly the published ciphertext and signature', () => {
    const crypto = new WeComCrypto(QDG);
    const sealed = crypto.seal(W6.plaintext, { receiveId: W6.receiveId, timestamp: W6.timestamp, nonce: W6.nonce, random: W6.random });
    expect(sealed).toEqual({ encrypt: W6.encrypt, msgSignature: W6.msgSignature });
  });

  it('W6: the synthetic suite_ticket push opens with the suite id as ReceiveId', () => {
    const crypto = new WeComCrypto(QDG);
    const opened = crypto.open(W6, [W6.receiveId]);
    expect(opened).toEqual({ message: W6.plaintext, receiveId: W6.receiveId, receiveIdAccepted: true });
  });
});

describe('WeCom callback crypto: the ReceiveId policy (WECOM.md §1.3)', () => {
  it('opens a push whose ReceiveId is not among the accepted ids, and says so instead of refusing it', () => {
    const crypto = new WeComCrypto(QDG);
    const opened = crypto.open(W6, ['ww-provider-corp', 'ww-other-suite']);
    expect(opened.receiveIdAccepted).toBe(false);
    expect(opened.message).toBe(W6.plaintext);
  });

  it('accepts any of the listed ids (suite id, provider corpid, an installed corp)', () => {
    const crypto = new WeComCrypto(QDG);
    const opened = crypto.open(W3, ['ww-suite', QDG.receiveId, 'ww-installed-corp']);
    expect(opened.receiveIdAccepted).toBe(true);
  });

  it('refuses a push whose signature does not match, before decrypting', () => {
    const crypto = new WeComCrypto(QDG);
    const act = () => crypto.open({ ...W6, msgSignature: 'a'.repeat(40) }, [W6.receiveId]);
    expect(act).toThrow(WeChatCryptoError);
    expect(act).toThrow(/signature/);
  });

  it('refuses a push signed with another token', () => {
    const crypto = new WeComCrypto({ ...QDG, token: 'otherToken' });
    expect(() => crypto.open(W6, [W6.receiveId])).toThrow(WeChatCryptoError);
  });

  it('logs an unexpected ReceiveId by a 12-hex digest that does not contain the id', () => {
    const digest = receiveIdDigest('wwSecretCorpId123');
    expect(digest).toMatch(/^[0-9a-f]{12}$/);
    expect(digest).not.toContain('wwSecretCorpId123');
  });
});
