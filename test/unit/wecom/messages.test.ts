import { describe, expect, it } from 'vitest';
import { EXTERNAL_CONTACT_CHANGE_TYPES, parseSuitePush, parseWeComEnvelope } from '#shared/wecom/messages.ts';
import { WeChatXmlError } from '#shared/wechat/xml.ts';

const SUITE = 'ww4asffe99e54c0fxxxx';

describe('WeCom pushes: every callback parsed (WECOM.md §2, §5)', () => {
  it('reads the suite_ticket sample of the doc, stray space inside <InfoType> and all', () => {
    const xml = `<xml>\n<SuiteId><![CDATA[${SUITE}]]></SuiteId>\n<InfoType> <![CDATA[suite_ticket]]></InfoType>\n<TimeStamp>1403610513</TimeStamp>\n<SuiteTicket><![CDATA[asdfasfdasdfasdf]]></SuiteTicket>\n</xml>`;
    expect(parseSuitePush(xml)).toEqual({ infoType: 'suite_ticket', suiteId: SUITE, timeStamp: 1403610513, suiteTicket: 'asdfasfdasdfasdf' });
  });

  it('reads create_auth with its auth code and state', () => {
    const xml = `<xml><SuiteId><![CDATA[${SUITE}]]></SuiteId><AuthCode><![CDATA[AUTHCODE]]></AuthCode><InfoType><![CDATA[create_auth]]></InfoType><TimeStamp>1403610513</TimeStamp><State><![CDATA[123]]></State><ExtraInfo></ExtraInfo></xml>`;
    expect(parseSuitePush(xml)).toEqual({ infoType: 'create_auth', suiteId: SUITE, timeStamp: 1403610513, authCode: 'AUTHCODE', state: '123' });
  });

  it('reads change_auth and cancel_auth with the corp id kept case-sensitive', () => {
    const change = `<xml><SuiteId><![CDATA[${SUITE}]]></SuiteId><InfoType><![CDATA[change_auth]]></InfoType><TimeStamp>1403610513</TimeStamp><AuthCorpId><![CDATA[wxf8b4f85f3a794e77]]></AuthCorpId></xml>`;
    const cancel = `<xml><SuiteId><![CDATA[${SUITE}]]></SuiteId><InfoType><![CDATA[cancel_auth]]></InfoType><TimeStamp>1403610514</TimeStamp><AuthCorpId><![CDATA[wpAbCdEf]]></AuthCorpId></xml>`;
    expect(parseSuitePush(change)).toEqual({ infoType: 'change_auth', suiteId: SUITE, timeStamp: 1403610513, authCorpId: 'wxf8b4f85f3a794e77' });
    expect(parseSuitePush(cancel)).toEqual({ infoType: 'cancel_auth', suiteId: SUITE, timeStamp: 1403610514, authCorpId: 'wpAbCdEf' });
  });

  it('reads reset_permanent_code', () => {
    const xml = `<xml><SuiteId><![CDATA[dk4asffe9xxx4c0f4c]]></SuiteId><AuthCode><![CDATA[AUTHCODE]]></AuthCode><InfoType><![CDATA[reset_permanent_code]]></InfoType><TimeStamp>1403610513</TimeStamp></xml>`;
    expect(parseSuitePush(xml)).toMatchObject({ infoType: 'reset_permanent_code', authCode: 'AUTHCODE' });
  });

  const extraFields: Record<string, string> = {
    add_external_contact: '<State><![CDATA[teststate]]></State><WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode>',
    edit_external_contact: '',
    add_half_external_contact: '<State><![CDATA[teststate]]></State><WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode>',
    del_external_contact: '<Source><![CDATA[DELETE_BY_TRANSFER]]></Source>',
    del_follow_user: '',
    transfer_fail: '<FailReason><![CDATA[customer_refused]]></FailReason>',
  };
  const expectedExtra: Record<string, Record<string, string>> = {
    add_external_contact: { state: 'teststate', welcomeCode: 'WELCOMECODE' },
    edit_external_contact: {},
    add_half_external_contact: { state: 'teststate', welcomeCode: 'WELCOMECODE' },
    del_external_contact: { source: 'DELETE_BY_TRANSFER' },
    del_follow_user: {},
    transfer_fail: { failReason: 'customer_refused' },
  };

  it.each(EXTERNAL_CONTACT_CHANGE_TYPES)('reads change_external_contact with ChangeType %s and its own fields', (changeType) => {
    const xml = `<xml><SuiteId><![CDATA[${SUITE}]]></SuiteId><AuthCorpId><![CDATA[wxf8b4f85f3a794e77]]></AuthCorpId><InfoType><![CDATA[change_external_contact]]></InfoType><TimeStamp>1403610513</TimeStamp><ChangeType><![CDATA[${changeType}]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACAAA]]></ExternalUserID>${extraFields[changeType]}</xml>`;
    expect(parseSuitePush(xml)).toEqual({
      infoType: 'change_external_contact',
      suiteId: SUITE,
      timeStamp: 1403610513,
      authCorpId: 'wxf8b4f85f3a794e77',
      changeType,
      userId: 'zhangsan',
      externalUserId: 'woAJ2GCAAAXtWyujaWJHDDGi0mACAAA',
      ...expectedExtra[changeType],
    });
  });

  it('reads change_contact with its type-specific fields', () => {
    const xml = `<xml><SuiteId><![CDATA[${SUITE}]]></SuiteId><AuthCorpId><![CDATA[wxf8b4f85f3a794e77]]></AuthCorpId><InfoType><![CDATA[change_contact]]></InfoType><TimeStamp>1403610513</TimeStamp><ChangeType><![CDATA[update_user]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><NewUserID><![CDATA[zhangsan2]]></NewUserID></xml>`;
    expect(parseSuitePush(xml)).toEqual({
      infoType: 'change_contact',
      suiteId: SUITE,
      timeStamp: 1403610513,
      authCorpId: 'wxf8b4f85f3a794e77',
      changeType: 'update_user',
      fields: { UserID: 'zhangsan', NewUserID: 'zhangsan2' },
    });
  });

  it('reads the register_corp system event and keeps nothing of its contact-sync token', () => {
    const xml = `<xml>\n\t<ServiceCorpId><![CDATA[wwddddccc7775555aab]]></ServiceCorpId>\n\t<InfoType><![CDATA[register_corp]]></InfoType>\n\t<TimeStamp>1502682173</TimeStamp>\n\t<RegisterCode><![CDATA[pIKi3wRPNWCGF-pyP-YU5KWjDDD]]></RegisterCode>\n\t<AuthCorpId><![CDATA[wwddddccc7775555aaa]]></AuthCorpId>\n\t<ContactSync>\n\t\t<AccessToken><![CDATA[accesstoken000001]]></AccessToken>\n\t\t<ExpiresIn>1800</ExpiresIn>\n\t</ContactSync>\n\t<AuthUserInfo>\n\t\t<UserId><![CDATA[zhangshan]]></UserId>\n\t</AuthUserInfo>\n\t<State><![CDATA[state1]]></State>\n\t<TemplateId><![CDATA[tpl1test]]></TemplateId>\n</xml>`;
    const push = parseSuitePush(xml);
    expect(push).toEqual({
      infoType: 'register_corp',
      serviceCorpId: 'wwddddccc7775555aab',
      timeStamp: 1502682173,
      registerCode: 'pIKi3wRPNWCGF-pyP-YU5KWjDDD',
      authCorpId: 'wwddddccc7775555aaa',
      authUserId: 'zhangshan',
      state: 'state1',
      templateId: 'tpl1test',
    });
    expect(JSON.stringify(push)).not.toContain('accesstoken000001');
  });

  it('answers an InfoType it does not act on as other, not as an error', () => {
    const xml = `<xml><SuiteId><![CDATA[${SUITE}]]></SuiteId><InfoType><![CDATA[change_external_chat]]></InfoType><TimeStamp>1403610513</TimeStamp><ChatId><![CDATA[c1]]></ChatId></xml>`;
    expect(parseSuitePush(xml)).toEqual({ infoType: 'other', rawInfoType: 'change_external_chat', timeStamp: 1403610513 });
  });

  it('refuses a known InfoType without the field it needs', () => {
    const xml = `<xml><SuiteId><![CDATA[${SUITE}]]></SuiteId><InfoType><![CDATA[cancel_auth]]></InfoType><TimeStamp>1403610513</TimeStamp></xml>`;
    expect(() => parseSuitePush(xml)).toThrow(WeChatXmlError);
  });

  it('reads the envelope of a 指令回调 push with its empty AgentID', () => {
    const xml = `<xml><ToUserName><![CDATA[${SUITE}]]></ToUserName><Encrypt><![CDATA[abc=]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`;
    expect(parseWeComEnvelope(xml)).toEqual({ encrypt: 'abc=', toUserName: SUITE });
  });
});
