import { describe, expect, it } from 'vitest';
import { MessageCrypto } from '#shared/wechat/crypto.ts';
import { buildEncryptedReply, buildTextReply, parseAccountMessage, parseComponentPush, parseEnvelope } from '#shared/wechat/messages.ts';
import { parseFlatXml, WeChatXmlError, type XmlFailure } from '#shared/wechat/xml.ts';

function failureOf(act: () => unknown): XmlFailure | 'no error' | 'other error' {
  try {
    act();
    return 'no error';
  } catch (error) {
    return error instanceof WeChatXmlError ? error.reason : 'other error';
  }
}

describe('the encrypted envelope', () => {
  it('reads Encrypt and the AppId of an authorization-event push', () => {
    // Act
    const envelope = parseEnvelope('<xml>\n    <AppId><![CDATA[wx77ea274ef9f3e504]]></AppId>\n    <Encrypt><![CDATA[c2VjcmV0]]></Encrypt>\n</xml>');

    // Assess
    expect(envelope).toEqual({ encrypt: 'c2VjcmV0', appId: 'wx77ea274ef9f3e504' });
  });

  it('reads Encrypt and the ToUserName of a message push', () => {
    // Act
    const envelope = parseEnvelope('<xml><ToUserName><![CDATA[gh_3c884a361561]]></ToUserName><Encrypt><![CDATA[c2VjcmV0]]></Encrypt></xml>');

    // Assess
    expect(envelope).toEqual({ encrypt: 'c2VjcmV0', toUserName: 'gh_3c884a361561' });
  });

  it('ignores the plaintext siblings of compatibility mode', () => {
    // Act
    const envelope = parseEnvelope(
      '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[c2VjcmV0]]></Encrypt></xml>',
    );

    // Assess
    expect(envelope).toEqual({ encrypt: 'c2VjcmV0', toUserName: 'gh_10f6c3c3ac5a' });
  });

  it('refuses an envelope without Encrypt', () => {
    // Act
    const failure = failureOf(() => parseEnvelope('<xml><ToUserName><![CDATA[gh_3c884a361561]]></ToUserName></xml>'));

    // Assess
    expect(failure).toBe('malformed');
  });

  it('passes on the XML parser’s refusal of a DOCTYPE', () => {
    // Act
    const failure = failureOf(() => parseEnvelope('<!DOCTYPE xml [<!ENTITY e "x">]><xml><Encrypt>&e;</Encrypt></xml>'));

    // Assess
    expect(failure).toBe('doctype');
  });
});

describe('authorization-event pushes', () => {
  it('reads a component_verify_ticket push', () => {
    // Act
    const push = parseComponentPush(
      '<xml><AppId><![CDATA[wx77ea274ef9f3e504]]></AppId><CreateTime>1413192605</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@abc]]></ComponentVerifyTicket></xml>',
    );

    // Assess
    expect(push).toEqual({ infoType: 'component_verify_ticket', appId: 'wx77ea274ef9f3e504', createTime: 1413192605, ticket: 'ticket@@@abc' });
  });

  it('reads an authorized push whose code expiry is an absolute time, as captured in real traffic', () => {
    // Act
    const push = parseComponentPush(
      '<xml><AppId><![CDATA[wx77ea274ef9f3e504]]></AppId><CreateTime>1500000000</CreateTime><InfoType><![CDATA[authorized]]></InfoType><AuthorizerAppid><![CDATA[wx570bc396a51b8ff8]]></AuthorizerAppid><AuthorizationCode><![CDATA[queryauthcode@@@xyz]]></AuthorizationCode><AuthorizationCodeExpiredTime>1500003600</AuthorizationCodeExpiredTime><PreAuthCode><![CDATA[preauthcode@@@p]]></PreAuthCode></xml>',
    );

    // Assess
    expect(push).toEqual({
      infoType: 'authorized',
      appId: 'wx77ea274ef9f3e504',
      createTime: 1500000000,
      authorizerAppid: 'wx570bc396a51b8ff8',
      authorizationCode: 'queryauthcode@@@xyz',
      authorizationCodeExpiresAt: 1500003600,
      preAuthCode: 'preauthcode@@@p',
    });
  });

  it('reads a code expiry given as a lifetime in seconds, as the doc describes, relative to CreateTime', () => {
    // Act
    const push = parseComponentPush(
      '<xml><AppId><![CDATA[wx77ea274ef9f3e504]]></AppId><CreateTime>1500000000</CreateTime><InfoType><![CDATA[updateauthorized]]></InfoType><AuthorizerAppid><![CDATA[wx570bc396a51b8ff8]]></AuthorizerAppid><AuthorizationCode><![CDATA[queryauthcode@@@xyz]]></AuthorizationCode><AuthorizationCodeExpiredTime>3600</AuthorizationCodeExpiredTime></xml>',
    );

    // Assess
    expect(push).toEqual({
      infoType: 'updateauthorized',
      appId: 'wx77ea274ef9f3e504',
      createTime: 1500000000,
      authorizerAppid: 'wx570bc396a51b8ff8',
      authorizationCode: 'queryauthcode@@@xyz',
      authorizationCodeExpiresAt: 1500003600,
    });
  });

  it('reads an unauthorized push', () => {
    // Act
    const push = parseComponentPush(
      '<xml><AppId><![CDATA[wx77ea274ef9f3e504]]></AppId><CreateTime>1500000000</CreateTime><InfoType><![CDATA[unauthorized]]></InfoType><AuthorizerAppid><![CDATA[wxd101a85aa106f53e]]></AuthorizerAppid></xml>',
    );

    // Assess
    expect(push).toEqual({ infoType: 'unauthorized', appId: 'wx77ea274ef9f3e504', createTime: 1500000000, authorizerAppid: 'wxd101a85aa106f53e' });
  });

  it('reports an InfoType it does not handle as other, with its raw name', () => {
    // Act
    const push = parseComponentPush(
      '<xml><AppId><![CDATA[wx77ea274ef9f3e504]]></AppId><CreateTime>1500000000</CreateTime><InfoType><![CDATA[notify_third_fasteregister]]></InfoType><status>0</status></xml>',
    );

    // Assess
    expect(push).toEqual({ infoType: 'other', appId: 'wx77ea274ef9f3e504', createTime: 1500000000, rawInfoType: 'notify_third_fasteregister' });
  });

  it.each([
    ['a ticket push without its ticket', '<xml><AppId>wx1</AppId><CreateTime>1</CreateTime><InfoType>component_verify_ticket</InfoType></xml>'],
    [
      'an authorized push without its code',
      '<xml><AppId>wx1</AppId><CreateTime>1</CreateTime><InfoType>authorized</InfoType><AuthorizerAppid>wx2</AuthorizerAppid><AuthorizationCodeExpiredTime>3600</AuthorizationCodeExpiredTime></xml>',
    ],
    [
      'an authorized push without its code expiry',
      '<xml><AppId>wx1</AppId><CreateTime>1</CreateTime><InfoType>authorized</InfoType><AuthorizerAppid>wx2</AuthorizerAppid><AuthorizationCode>c</AuthorizationCode></xml>',
    ],
    ['an unauthorized push without the authorizer', '<xml><AppId>wx1</AppId><CreateTime>1</CreateTime><InfoType>unauthorized</InfoType></xml>'],
    ['a push without InfoType', '<xml><AppId>wx1</AppId><CreateTime>1</CreateTime></xml>'],
    ['a push without AppId', '<xml><CreateTime>1</CreateTime><InfoType>unauthorized</InfoType><AuthorizerAppid>wx2</AuthorizerAppid></xml>'],
    [
      'a push whose CreateTime is not a number',
      '<xml><AppId>wx1</AppId><CreateTime>soon</CreateTime><InfoType>unauthorized</InfoType><AuthorizerAppid>wx2</AuthorizerAppid></xml>',
    ],
  ])('refuses %s as malformed', (_, xml) => {
    // Act
    const failure = failureOf(() => parseComponentPush(xml));

    // Assess
    expect(failure).toBe('malformed');
  });
});

describe('messages and events of an authorized account', () => {
  it('reads a text message, keeping a MsgId beyond 2^53 exact', () => {
    // Act
    const message = parseAccountMessage(
      '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>',
    );

    // Assess
    expect(message).toEqual({
      kind: 'text',
      toUserName: 'gh_10f6c3c3ac5a',
      fromUserName: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs',
      createTime: 1409735668,
      content: 'abcdteT',
      msgId: '6054768590064713728',
    });
  });

  it('reads a plain subscribe event, leaving out its empty EventKey', () => {
    // Act
    const message = parseAccountMessage(
      '<xml><ToUserName><![CDATA[gh_3c884a361561]]></ToUserName><FromUserName><![CDATA[o-fan]]></FromUserName><CreateTime>1714112445</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[]]></EventKey></xml>',
    );

    // Assess
    expect(message).toEqual({ kind: 'event', toUserName: 'gh_3c884a361561', fromUserName: 'o-fan', createTime: 1714112445, event: 'subscribe' });
  });

  it('reads a subscribe through a parametric QR code with its scene and ticket', () => {
    // Act
    const message = parseAccountMessage(
      '<xml><ToUserName><![CDATA[gh_3c884a361561]]></ToUserName><FromUserName><![CDATA[o-fan]]></FromUserName><CreateTime>1714112445</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket></xml>',
    );

    // Assess
    expect(message).toEqual({
      kind: 'event',
      toUserName: 'gh_3c884a361561',
      fromUserName: 'o-fan',
      createTime: 1714112445,
      event: 'subscribe',
      eventKey: 'qrscene_123123',
      ticket: 'TICKET',
    });
  });

  it('reads a LOCATION event of the release test by its event name', () => {
    // Act
    const message = parseAccountMessage(
      '<xml><ToUserName><![CDATA[gh_3c884a361561]]></ToUserName><FromUserName><![CDATA[o-fan]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[LOCATION]]></Event><Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision></xml>',
    );

    // Assess
    expect(message).toEqual({ kind: 'event', toUserName: 'gh_3c884a361561', fromUserName: 'o-fan', createTime: 123456789, event: 'LOCATION' });
  });

  it('reports another message type as other, with its MsgType and MsgId', () => {
    // Act
    const message = parseAccountMessage(
      '<xml><ToUserName><![CDATA[gh_3c884a361561]]></ToUserName><FromUserName><![CDATA[o-fan]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://example.invalid/p.jpg]]></PicUrl><MediaId><![CDATA[media_id]]></MediaId><MsgId>1234567890123456</MsgId></xml>',
    );

    // Assess
    expect(message).toEqual({
      kind: 'other',
      toUserName: 'gh_3c884a361561',
      fromUserName: 'o-fan',
      createTime: 1348831860,
      msgType: 'image',
      msgId: '1234567890123456',
    });
  });

  it('reads a text message whose content is empty', () => {
    // Act
    const message = parseAccountMessage(
      '<xml><ToUserName>gh_1</ToUserName><FromUserName>o-1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content><![CDATA[]]></Content></xml>',
    );

    // Assess
    expect(message).toEqual({ kind: 'text', toUserName: 'gh_1', fromUserName: 'o-1', createTime: 1, content: '' });
  });

  it.each([
    [
      'a text message without Content',
      '<xml><ToUserName>gh_1</ToUserName><FromUserName>o-1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>',
    ],
    ['an event without Event', '<xml><ToUserName>gh_1</ToUserName><FromUserName>o-1</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType></xml>'],
    ['a message without FromUserName', '<xml><ToUserName>gh_1</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content></xml>'],
    ['a message without MsgType', '<xml><ToUserName>gh_1</ToUserName><FromUserName>o-1</FromUserName><CreateTime>1</CreateTime></xml>'],
    [
      'a message with a negative CreateTime',
      '<xml><ToUserName>gh_1</ToUserName><FromUserName>o-1</FromUserName><CreateTime>-1</CreateTime><MsgType>text</MsgType><Content>x</Content></xml>',
    ],
  ])('refuses %s as malformed', (_, xml) => {
    // Act
    const failure = failureOf(() => parseAccountMessage(xml));

    // Assess
    expect(failure).toBe('malformed');
  });
});

describe('replies', () => {
  it('builds a passive text reply the account-message parser reads back', () => {
    // Prepare
    const reply = { toUserName: 'o-fan', fromUserName: 'gh_3c884a361561', createTime: 1714112446, content: 'TESTCOMPONENT_MSG_TYPE_TEXT_callback' };

    // Act
    const xml = buildTextReply(reply);

    // Assess
    expect(parseAccountMessage(xml)).toEqual({ kind: 'text', ...reply });
  });

  it('writes the V1 encrypted reply with its four fields and a plain TimeStamp', () => {
    // Act
    const xml = buildEncryptedReply({
      encrypt: 'ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==',
      msgSignature: '1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1',
      timestamp: '1713424427',
      nonce: '415670741',
    });

    // Assess
    expect(xml).toBe(
      '<xml><Encrypt><![CDATA[ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==]]></Encrypt><MsgSignature><![CDATA[1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1]]></MsgSignature><TimeStamp>1713424427</TimeStamp><Nonce><![CDATA[415670741]]></Nonce></xml>',
    );
  });

  it('keeps a timestamp that is not a canonical number exactly as it was signed', () => {
    // Act
    const fields = parseFlatXml(buildEncryptedReply({ encrypt: 'e', msgSignature: 's', timestamp: '0017', nonce: 'n' }));

    // Assess
    expect(fields.TimeStamp).toBe('0017');
  });

  it('seals a text reply that WeChat can verify and open from the reply body alone', () => {
    // Prepare
    const options = { token: 'tok', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', appId: 'wxcomponent000001' };
    const hub = new MessageCrypto(options);
    const wechat = new MessageCrypto(options);
    const text = buildTextReply({ toUserName: 'o-fan', fromUserName: 'gh_3c884a361561', createTime: 1714112446, content: 'LOCATIONfrom_callback' });

    // Act
    const body = buildEncryptedReply(hub.seal(text, { timestamp: '1714112446', nonce: '415670741' }));

    // Assess
    const fields = parseFlatXml(body);
    const opened = wechat.open({ msgSignature: fields.MsgSignature!, timestamp: fields.TimeStamp!, nonce: fields.Nonce!, encrypt: fields.Encrypt! });
    expect(parseAccountMessage(opened.message)).toMatchObject({ kind: 'text', content: 'LOCATIONfrom_callback', toUserName: 'o-fan' });
  });
});
