/**
 * Passive replies (被动回复, WECHAT.md §14.2): the XML the hub answers a push with, before it is
 * sealed (§1.6). `ToUserName` is the push's sender (the user's openid), `FromUserName` the account's
 * `gh_` name, `CreateTime` unix seconds; strings travel as CDATA. A news reply carries one article
 * (§14.3: one is what WeChat shows for a reply to a user's message, and it is always allowed).
 */
import { buildXml, cdata } from './xml.ts';

export type PassiveReply =
  | { type: 'text'; content: string }
  | { type: 'image'; mediaId: string }
  | { type: 'news'; article: { title: string; description?: string; picUrl?: string; url: string } };

export interface ReplyHeader {
  /** The push's `FromUserName`. */
  toUserName: string;
  /** The push's `ToUserName`. */
  fromUserName: string;
  /** Unix seconds. */
  createTime: number;
}

const element = (name: string, inner: string): string => `<${name}>${inner}</${name}>`;

export function buildPassiveReply(header: ReplyHeader, reply: PassiveReply): string {
  const head = { ToUserName: header.toUserName, FromUserName: header.fromUserName, CreateTime: header.createTime };
  switch (reply.type) {
    case 'text':
      return buildXml({ ...head, MsgType: 'text', Content: reply.content });
    case 'image':
      return withNested(buildXml({ ...head, MsgType: 'image' }), element('Image', element('MediaId', cdata(reply.mediaId))));
    case 'news': {
      const { title, description, picUrl, url } = reply.article;
      const item = [
        element('Title', cdata(title)),
        element('Description', cdata(description ?? '')),
        element('PicUrl', cdata(picUrl ?? '')),
        element('Url', cdata(url)),
      ].join('');
      return withNested(buildXml({ ...head, MsgType: 'news', ArticleCount: 1 }), element('Articles', element('item', item)));
    }
  }
}

/** Appends nested elements before `</xml>`. */
function withNested(flat: string, nested: string): string {
  return `${flat.slice(0, -'</xml>'.length)}${nested}</xml>`;
}
