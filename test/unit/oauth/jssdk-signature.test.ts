import { describe, expect, it } from 'vitest';
import { jsSdkSignature } from '#shared/domain/oauth/jssdk.ts';

// WECHAT.md §12.4, vector V9 (JS-SDK 附录1).
const V9 = {
  ticket: 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg',
  nonceStr: 'Wm3WZYTPz0wzccnW',
  timestamp: 1414587457,
};

describe('the JS-SDK signature (WECHAT.md §12.3)', () => {
  it('matches vector V9 for the page with a query', () => {
    // Act
    const signature = jsSdkSignature({ ...V9, url: 'http://mp.weixin.qq.com?params=value' });

    // Assess
    expect(signature).toBe('0f9de62fce790f9a083d5c99e95740ceb90c27ed');
  });

  it('matches the older text of vector V9 for the bare page', () => {
    // Act
    const signature = jsSdkSignature({ ...V9, url: 'http://mp.weixin.qq.com' });

    // Assess
    expect(signature).toBe('f4d90daf4b3bca3078ab155816175ba34c443a7b');
  });

  it('signs the page URL without its fragment', () => {
    // Act
    const signature = jsSdkSignature({ ...V9, url: 'http://mp.weixin.qq.com?params=value#/route' });

    // Assess
    expect(signature).toBe('0f9de62fce790f9a083d5c99e95740ceb90c27ed');
  });
});
