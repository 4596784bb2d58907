/**
 * A tiny WeChat stand-in on 127.0.0.1 for the client's tests: each request is recorded and answered
 * by the test's `answer` function (status, body, optional delay).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface Answer {
  status?: number;
  /** An object is sent as JSON, a string as is. */
  body: unknown;
  delayMs?: number;
}

export interface FakeWeChat {
  base: string;
  requests: SeenRequest[];
  answer: (request: SeenRequest, index: number) => Answer;
  close(): Promise<void>;
}

export async function startFakeWeChat(): Promise<FakeWeChat> {
  const fake: FakeWeChat = {
    base: '',
    requests: [],
    answer: () => ({ body: { errcode: 0, errmsg: 'ok' } }),
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString('utf8');
      const seen: SeenRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body: text ? JSON.parse(text) : undefined };
      fake.requests.push(seen);
      const answer = fake.answer(seen, fake.requests.length - 1);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
        res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
