import { createBodyReader } from './body-reader';
import { parseRequestHead, headerHasToken, serializeRequestHead } from './http-head';
import { matchCreate } from './create-route';

function feed(
  reader: ReturnType<typeof createBodyReader>,
  input: string,
  step: number,
): { used: number; payload: string } {
  const buf = Buffer.from(input, 'latin1');
  let used = 0;
  let payload = '';
  for (let i = 0; i < buf.length && !reader.done; i += step) {
    const part = buf.subarray(i, Math.min(i + step, buf.length));
    used += reader.consume(part, (d) => (payload += d.toString('latin1')));
  }
  return { used, payload };
}

describe('createBodyReader', () => {
  it('stops a Content-Length body at its length', () => {
    const r = createBodyReader('5', undefined);
    const { used, payload } = feed(r, 'helloGET / HTTP/1.1', 100);
    expect([used, payload, r.done]).toEqual([5, 'hello', true]);
  });

  it('is done at once without a length', () => {
    expect(createBodyReader(undefined, undefined).done).toBe(true);
  });

  it.each([1, 3, 1000])('finds the end of a chunked body fed %i bytes at a time', (step) => {
    const body = '3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: 1\r\n\r\n';
    const r = createBodyReader(undefined, 'chunked');
    const { used, payload } = feed(r, `${body}NEXT`, step);
    expect([used, payload, r.done]).toEqual([body.length, 'abc0123456789', true]);
  });

  it('rejects bad framing', () => {
    expect(() => createBodyReader('12x', undefined)).toThrow(/Content-Length/);
    expect(() => createBodyReader(undefined, 'chunked').consume(Buffer.from('zz\r\n'))).toThrow(/chunk size/);
  });
});

describe('request heads and the create route', () => {
  it('parses and re-serializes a head', () => {
    const raw =
      'POST /v1.41/exec/x/start HTTP/1.1\r\nHost: docker\r\nConnection: keep-alive, Upgrade\r\n\r\n';
    const head = parseRequestHead(Buffer.from(raw));
    expect(head.method).toBe('POST');
    expect(headerHasToken(head, 'connection', 'upgrade')).toBe(true);
    expect(serializeRequestHead(head).toString()).toBe(raw);
    expect(() => parseRequestHead(Buffer.from('garbage\r\n\r\n'))).toThrow(/request line/);
  });

  it.each([
    ['POST', '/containers/create', {}],
    ['POST', '/v1.41/containers/create?name=abc', { apiVersion: '1.41', name: 'abc' }],
    ['POST', '/v1/containers/create?name=', { apiVersion: '1' }],
    ['GET', '/containers/create', null],
    ['POST', '/containers/createx', null],
    ['POST', '/v1.41/containers/abc/start', null],
  ])('%s %s -> %j', (method, target, expected) => {
    expect(matchCreate(method, target)).toEqual(expected);
  });
});
