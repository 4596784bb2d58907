/**
 * The API paths of web authorization and the JS-SDK ticket (WECHAT.md §11.5, §11.7, §12.2), for
 * `api.ts`'s table; the rules are `web-auth.ts`'s.
 */
import { wechatAssert } from './wechat-error.ts';
import type { SimWebAuth } from './web-auth.ts';
import type { TokenOwner } from './world.ts';

interface WebAuthRoute {
  token: 'none' | 'component' | 'authorizer';
  handle(ctx: { query: URLSearchParams; world: { webAuth: SimWebAuth }; owner: TokenOwner | undefined }): unknown;
}

export function webAuthApiRoutes(): Record<string, WebAuthRoute> {
  return {
    '/sns/oauth2/component/access_token': { token: 'component', handle: (ctx) => ctx.world.webAuth.exchange(ctx.query) },
    '/sns/userinfo': { token: 'none', handle: (ctx) => ctx.world.webAuth.userInfo(ctx.query) },
    '/cgi-bin/ticket/getticket': {
      token: 'authorizer',
      handle: (ctx) => {
        const owner = ctx.owner;
        wechatAssert(owner?.kind === 'authorizer', 48001);
        return ctx.world.webAuth.jsapiTicket(owner.account, ctx.query.get('type'));
      },
    },
  };
}
