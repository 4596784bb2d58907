/**
 * The component token, read from the table once and reused for a short while by a process that
 * makes many component calls in a burst (the scheduled refresh: one `api_authorizer_token` per due
 * account). Reuse is safe: the stored token is renewed well before it expires, and WeChat honours
 * the previous one for ~5 minutes after a renewal. A token WeChat rejects is forgotten at once.
 */
import type { TokenSource } from '#shared/wechat/api-types.ts';
import { systemClock, type Clock } from '#shared/domain/tokens/clock.ts';

export class ReusedComponentToken implements TokenSource {
  private reused: { token: string; until: number } | undefined;
  private reading: Promise<string> | undefined;

  constructor(
    private readonly source: TokenSource,
    private readonly reuseMs = 60_000,
    private readonly clock: Clock = systemClock,
  ) {}

  async current(): Promise<string> {
    if (this.reused && this.clock.now() < this.reused.until) return this.reused.token;
    // Callers that arrive together share one read.
    this.reading ??= this.source
      .current()
      .then((token) => {
        this.reused = { token, until: this.clock.now() + this.reuseMs };
        return token;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  async expire(used: string): Promise<void> {
    if (this.reused?.token === used) this.reused = undefined;
    await this.source.expire(used);
  }
}
