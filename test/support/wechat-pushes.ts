/**
 * Every message and event type of WECHAT.md §13 as the decrypted XML WeChat pushes, with the fields
 * each carries (§13.1, §13.2): the message log and the bus must publish every one of them. `fields`
 * is what `WeChatPush.fields` must hold (the type-specific elements; nested ones as objects).
 */
export interface PushCase {
  name: string;
  msgType: string;
  event?: string;
  eventKey?: string;
  /** The XML between the common four elements' end and `</xml>`. */
  body: string;
  fields: Record<string, unknown>;
}

const cdata = (value: string) => `<![CDATA[${value}]]>`;

export function pushXml(c: { toUserName: string; openid: string; createTime: number; msgType: string; body: string }): string {
  return `<xml><ToUserName>${cdata(c.toUserName)}</ToUserName><FromUserName>${cdata(c.openid)}</FromUserName><CreateTime>${c.createTime}</CreateTime><MsgType>${cdata(c.msgType)}</MsgType>${c.body}</xml>`;
}

const msg = (name: string, body: string, fields: Record<string, unknown>): PushCase => ({ name, msgType: name, body, fields });
const evt = (event: string, eventKey: string | undefined, body: string, fields: Record<string, unknown>): PushCase => ({
  name: event,
  msgType: 'event',
  event,
  ...(eventKey ? { eventKey } : {}),
  body: `<Event>${cdata(event)}</Event>${eventKey === undefined ? '' : `<EventKey>${cdata(eventKey)}</EventKey>`}${body}`,
  fields,
});

export const section13: readonly PushCase[] = [
  msg('text', `<Content>${cdata('你好 hub')}</Content><MsgId>23456789012345678</MsgId><MsgDataId>2247483651</MsgDataId><Idx>1</Idx>`, {
    Content: '你好 hub',
    MsgId: '23456789012345678',
    MsgDataId: '2247483651',
    Idx: '1',
  }),
  msg('image', `<PicUrl>${cdata('http://mmbiz.qpic.cn/x')}</PicUrl><MediaId>${cdata('media_1')}</MediaId><MsgId>1000000000000000001</MsgId>`, {
    PicUrl: 'http://mmbiz.qpic.cn/x',
    MediaId: 'media_1',
    MsgId: '1000000000000000001',
  }),
  msg(
    'voice',
    `<MediaId>${cdata('media_v')}</MediaId><Format>${cdata('amr')}</Format><MediaId16K>${cdata('media_v16')}</MediaId16K><Recognition>${cdata('')}</Recognition><MsgId>1000000000000000002</MsgId>`,
    { MediaId: 'media_v', Format: 'amr', MediaId16K: 'media_v16', Recognition: '', MsgId: '1000000000000000002' },
  ),
  msg('video', `<MediaId>${cdata('media_video')}</MediaId><ThumbMediaId>${cdata('thumb_1')}</ThumbMediaId><MsgId>1000000000000000003</MsgId>`, {
    MediaId: 'media_video',
    ThumbMediaId: 'thumb_1',
    MsgId: '1000000000000000003',
  }),
  msg('shortvideo', `<MediaId>${cdata('media_sv')}</MediaId><ThumbMediaId>${cdata('thumb_2')}</ThumbMediaId><MsgId>1000000000000000004</MsgId>`, {
    MediaId: 'media_sv',
    ThumbMediaId: 'thumb_2',
    MsgId: '1000000000000000004',
  }),
  msg(
    'location',
    `<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label>${cdata('广州市天河区')}</Label><MsgId>1000000000000000005</MsgId>`,
    { Location_X: '23.134521', Location_Y: '113.358803', Scale: '20', Label: '广州市天河区', MsgId: '1000000000000000005' },
  ),
  msg(
    'link',
    `<Title>${cdata('标题')}</Title><Description>${cdata('描述')}</Description><Url>${cdata('https://example.com/a')}</Url><MsgId>1000000000000000006</MsgId>`,
    { Title: '标题', Description: '描述', Url: 'https://example.com/a', MsgId: '1000000000000000006' },
  ),
  evt('subscribe', 'qrscene_123123', `<Ticket>${cdata('TICKET')}</Ticket>`, { Ticket: 'TICKET' }),
  evt('unsubscribe', '', '', {}),
  evt('SCAN', '123123', `<Ticket>${cdata('TICKET2')}</Ticket>`, { Ticket: 'TICKET2' }),
  evt('LOCATION', undefined, `<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>`, {
    Latitude: '23.137466',
    Longitude: '113.352425',
    Precision: '119.385040',
  }),
  evt('CLICK', 'V1001_TODAY', '', {}),
  evt('VIEW', 'https://example.com/menu', `<MenuId>208379533</MenuId>`, { MenuId: '208379533' }),
  evt('view_miniprogram', 'pages/index/index', `<MenuId>208379534</MenuId>`, { MenuId: '208379534' }),
  evt('scancode_push', 'rselfmenu_0_1', `<ScanCodeInfo><ScanType>${cdata('qrcode')}</ScanType><ScanResult>${cdata('1')}</ScanResult></ScanCodeInfo>`, {
    ScanCodeInfo: { ScanType: 'qrcode', ScanResult: '1' },
  }),
  evt(
    'scancode_waitmsg',
    'rselfmenu_0_0',
    `<ScanCodeInfo><ScanType>${cdata('barcode')}</ScanType><ScanResult>${cdata('EAN_13,6901234567892')}</ScanResult></ScanCodeInfo>`,
    { ScanCodeInfo: { ScanType: 'barcode', ScanResult: 'EAN_13,6901234567892' } },
  ),
  evt(
    'pic_sysphoto',
    'rselfmenu_1_0',
    `<SendPicsInfo><Count>1</Count><PicList><item><PicMd5Sum>${cdata('1b5f7c23b5bf75682a53e7b6d163e185')}</PicMd5Sum></item></PicList></SendPicsInfo>`,
    {
      SendPicsInfo: { Count: '1', PicList: { item: { PicMd5Sum: '1b5f7c23b5bf75682a53e7b6d163e185' } } },
    },
  ),
  evt(
    'pic_photo_or_album',
    'rselfmenu_1_1',
    `<SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum>${cdata('aaa')}</PicMd5Sum></item><item><PicMd5Sum>${cdata('bbb')}</PicMd5Sum></item></PicList></SendPicsInfo>`,
    {
      SendPicsInfo: { Count: '2', PicList: { item: [{ PicMd5Sum: 'aaa' }, { PicMd5Sum: 'bbb' }] } },
    },
  ),
  evt('pic_weixin', 'rselfmenu_1_2', `<SendPicsInfo><Count>1</Count><PicList><item><PicMd5Sum>${cdata('ccc')}</PicMd5Sum></item></PicList></SendPicsInfo>`, {
    SendPicsInfo: { Count: '1', PicList: { item: { PicMd5Sum: 'ccc' } } },
  }),
  evt(
    'location_select',
    'rselfmenu_2_0',
    `<SendLocationInfo><Location_X>${cdata('23')}</Location_X><Location_Y>${cdata('113')}</Location_Y><Scale>${cdata('15')}</Scale><Label>${cdata(' 广州市海珠区')}</Label><Poiname>${cdata('')}</Poiname></SendLocationInfo>`,
    {
      SendLocationInfo: { Location_X: '23', Location_Y: '113', Scale: '15', Label: ' 广州市海珠区', Poiname: '' },
    },
  ),
  evt('TEMPLATESENDJOBFINISH', undefined, `<MsgID>200163836</MsgID><Status>${cdata('failed: system failed')}</Status>`, {
    MsgID: '200163836',
    Status: 'failed: system failed',
  }),
  evt(
    'MASSSENDJOBFINISH',
    undefined,
    `<MsgID>1000001625</MsgID><Status>${cdata('err(30003)')}</Status><TotalCount>0</TotalCount><FilterCount>0</FilterCount><SentCount>0</SentCount><ErrorCount>0</ErrorCount><CopyrightCheckResult><Count>0</Count><ResultList/><CheckState>2</CheckState></CopyrightCheckResult><ArticleUrlResult><Count>1</Count><ResultList><item><ArticleIdx>1</ArticleIdx><ArticleUrl>${cdata('https://mp.weixin.qq.com/s/x')}</ArticleUrl></item></ResultList></ArticleUrlResult>`,
    {
      MsgID: '1000001625',
      Status: 'err(30003)',
      TotalCount: '0',
      FilterCount: '0',
      SentCount: '0',
      ErrorCount: '0',
      CopyrightCheckResult: { Count: '0', ResultList: '', CheckState: '2' },
      ArticleUrlResult: { Count: '1', ResultList: { item: { ArticleIdx: '1', ArticleUrl: 'https://mp.weixin.qq.com/s/x' } } },
    },
  ),
  evt(
    'subscribe_msg_popup_event',
    undefined,
    `<SubscribeMsgPopupEvent><List><TemplateId>${cdata('T1')}</TemplateId><SubscribeStatusString>${cdata('accept')}</SubscribeStatusString><PopupScene>2</PopupScene></List><List><TemplateId>${cdata('T2')}</TemplateId><SubscribeStatusString>${cdata('reject')}</SubscribeStatusString><PopupScene>2</PopupScene></List></SubscribeMsgPopupEvent>`,
    {
      SubscribeMsgPopupEvent: {
        List: [
          { TemplateId: 'T1', SubscribeStatusString: 'accept', PopupScene: '2' },
          { TemplateId: 'T2', SubscribeStatusString: 'reject', PopupScene: '2' },
        ],
      },
    },
  ),
  evt(
    'subscribe_msg_change_event',
    undefined,
    `<SubscribeMsgChangeEvent><List><TemplateId>${cdata('T3')}</TemplateId><SubscribeStatusString>${cdata('reject')}</SubscribeStatusString></List></SubscribeMsgChangeEvent>`,
    {
      SubscribeMsgChangeEvent: { List: { TemplateId: 'T3', SubscribeStatusString: 'reject' } },
    },
  ),
  evt(
    'subscribe_msg_sent_event',
    undefined,
    `<SubscribeMsgSentEvent><List><TemplateId>${cdata('T4')}</TemplateId><MsgID>1700827132819554304</MsgID><ErrorCode>0</ErrorCode><ErrorStatus>${cdata('success')}</ErrorStatus></List></SubscribeMsgSentEvent>`,
    {
      SubscribeMsgSentEvent: { List: { TemplateId: 'T4', MsgID: '1700827132819554304', ErrorCode: '0', ErrorStatus: 'success' } },
    },
  ),
  evt('kf_create_session', undefined, `<KfAccount>${cdata('test1@test')}</KfAccount>`, { KfAccount: 'test1@test' }),
  evt('kf_close_session', undefined, `<KfAccount>${cdata('test1@test')}</KfAccount>`, { KfAccount: 'test1@test' }),
  evt('kf_switch_session', undefined, `<FromKfAccount>${cdata('a@test')}</FromKfAccount><ToKfAccount>${cdata('b@test')}</ToKfAccount>`, {
    FromKfAccount: 'a@test',
    ToKfAccount: 'b@test',
  }),
  evt('user_info_modified', undefined, `<OpenID>${cdata('o_user_1')}</OpenID><AppID>${cdata('wx_web_app')}</AppID><RevokeInfo>${cdata('1')}</RevokeInfo>`, {
    OpenID: 'o_user_1',
    AppID: 'wx_web_app',
    RevokeInfo: '1',
  }),
  evt(
    'user_authorization_revoke',
    undefined,
    `<OpenID>${cdata('o_user_2')}</OpenID><AppID>${cdata('wx_web_app')}</AppID><RevokeInfo>${cdata('301')}</RevokeInfo>`,
    { OpenID: 'o_user_2', AppID: 'wx_web_app', RevokeInfo: '301' },
  ),
  evt(
    'user_authorization_cancellation',
    undefined,
    `<OpenID>${cdata('o_user_3')}</OpenID><AppID>${cdata('wx_web_app')}</AppID><RevokeInfo>${cdata('1')}</RevokeInfo>`,
    { OpenID: 'o_user_3', AppID: 'wx_web_app', RevokeInfo: '1' },
  ),
];
