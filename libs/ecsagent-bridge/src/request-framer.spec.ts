import { HeadParseError } from './http-head';
import { MAX_CREATE_BODY, RequestFramer, type FramerSink } from './request-framer';

/** Records what the framer decided, one readable line per call. */
function recorder(): { sink: FramerSink; events: string[] } {
  const events: string[] = [];
  const sink: FramerSink = {
    forward: (d) => events.push(`forward ${d.toString('latin1')}`),
    continueCreate: () => events.push('100-continue'),
    create: (head, target, body) =>
      events.push(
        `create ${head.method} ${head.target} v=${target.apiVersion ?? '-'} ${body.toString('latin1')}`,
      ),
  };
  return { sink, events };
}

const run = (chunks: string[]): { events: string[]; framer: RequestFramer } => {
  const framer = new RequestFramer();
  const { sink, events } = recorder();
  for (const c of chunks) framer.push(Buffer.from(c, 'latin1'), sink);
  return { events, framer };
};

const PING = 'GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n';
const CREATE = 'POST /v1.41/containers/create HTTP/1.1\r\nContent-Length: 2\r\n\r\n';

describe('RequestFramer', () => {
  it.each<{ name: string; chunks: string[]; events: string[]; state?: 'busy' | 'raw' }>([
    { name: 'a bodiless request', chunks: [PING], events: [`forward ${PING}`] },
    {
      name: 'a head split anywhere',
      chunks: ['GET /_ping HT', 'TP/1.1\r\nHost: d\r', '\n\r\n'],
      events: [`forward ${PING}`],
    },
    { name: 'two pipelined requests', chunks: [PING + PING], events: [`forward ${PING}`, `forward ${PING}`] },
    {
      name: 'a Content-Length body, verbatim and no further',
      chunks: ['POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nab', 'cde' + PING],
      events: [
        'forward POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\n',
        'forward ab',
        'forward cde',
        `forward ${PING}`,
      ],
    },
    {
      name: 'a chunked body with its framing',
      chunks: ['POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n'],
      events: [
        'forward POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n',
        'forward 2\r\nab\r\n0\r\n\r\n',
      ],
    },
    {
      name: 'a create, held for the hook',
      chunks: [CREATE + '{}'],
      events: ['create POST /v1.41/containers/create v=1.41 {}'],
      state: 'busy',
    },
    {
      name: 'a create, with what follows it waiting',
      chunks: [CREATE + '{}' + PING],
      events: ['create POST /v1.41/containers/create v=1.41 {}'],
      state: 'busy',
    },
    {
      name: 'a chunked create, decoded',
      chunks: [
        'POST /containers/create HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n1\r\n}\r\n0\r\n\r\n',
      ],
      events: ['create POST /containers/create v=- {}'],
      state: 'busy',
    },
    {
      name: 'Expect: 100-continue on a create',
      chunks: ['POST /containers/create HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n', '{}'],
      events: ['100-continue', 'create POST /containers/create v=- {}'],
      state: 'busy',
    },
    {
      name: 'an upgrade, then raw bytes',
      chunks: ['GET /x HTTP/1.1\r\nConnection: Upgrade\r\n\r\nAB', 'not http'],
      events: ['forward GET /x HTTP/1.1\r\nConnection: Upgrade\r\n\r\n', 'forward AB', 'forward not http'],
      state: 'raw',
    },
    {
      name: 'an attach, then raw bytes',
      chunks: ['POST /v1.41/containers/c1/attach HTTP/1.1\r\n\r\n', 'x'],
      events: ['forward POST /v1.41/containers/c1/attach HTTP/1.1\r\n\r\n', 'forward x'],
      state: 'raw',
    },
    {
      name: 'a detached exec start, then framing again',
      chunks: ['POST /exec/e1/start HTTP/1.1\r\nContent-Length: 15\r\n\r\n{"Detach":true}' + PING],
      events: [
        'forward POST /exec/e1/start HTTP/1.1\r\nContent-Length: 15\r\n\r\n',
        'forward {"Detach":true}',
        `forward ${PING}`,
      ],
    },
    {
      name: 'an attached exec start, then raw bytes',
      chunks: ['POST /exec/e1/start HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}' + 'stdin'],
      events: [
        'forward POST /exec/e1/start HTTP/1.1\r\nContent-Length: 2\r\n\r\n',
        'forward {}',
        'forward stdin',
      ],
      state: 'raw',
    },
  ])('frames $name', ({ chunks, events, state }) => {
    const r = run(chunks);
    expect(r.events).toEqual(events);
    expect(r.framer.busy).toBe(state === 'busy');
    expect(r.framer.raw).toBe(state === 'raw');
  });

  it.each<{ name: string; chunks: string[]; status: number | 'plain'; message: RegExp }>([
    { name: 'a bad request line', chunks: ['NOT HTTP\r\n\r\n'], status: 400, message: /bad request line/ },
    {
      name: 'a header without a colon',
      chunks: ['GET / HTTP/1.1\r\nnope\r\n\r\n'],
      status: 400,
      message: /bad header line/,
    },
    {
      name: 'both framings',
      chunks: ['POST /x HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'],
      status: 400,
      message: /both Transfer-Encoding and Content-Length/,
    },
    {
      name: 'a bad Content-Length',
      chunks: ['POST /x HTTP/1.1\r\nContent-Length: 1x\r\n\r\n'],
      status: 400,
      message: /bad Content-Length/,
    },
    {
      name: 'a create announced too big',
      chunks: [`POST /containers/create HTTP/1.1\r\nContent-Length: ${MAX_CREATE_BODY + 1}\r\n\r\n`],
      status: 413,
      message: /is over/,
    },
    {
      name: 'a head that never ends',
      chunks: ['GET / HTTP/1.1\r\n', 'X: '.padEnd(70_000, 'a')],
      status: 'plain',
      message: /request head over/,
    },
  ])('refuses $name', ({ chunks, status, message }) => {
    let caught: unknown;
    try {
      run(chunks);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toMatch(message);
    if (status === 'plain') expect(caught).not.toBeInstanceOf(HeadParseError);
    else expect((caught as HeadParseError).statusCode).toBe(status);
  });

  it('refuses a chunked create that grows past the limit', () => {
    const framer = new RequestFramer();
    const { sink } = recorder();
    framer.push(Buffer.from('POST /containers/create HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'), sink);
    const size = MAX_CREATE_BODY + 1;
    const chunk = Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), Buffer.alloc(size, 0x20)]);
    expect(() => framer.push(chunk, sink)).toThrow(expect.objectContaining({ statusCode: 413 }));
  });

  it('frames what waited behind a create once it is answered', () => {
    const framer = new RequestFramer();
    const { sink, events } = recorder();
    framer.push(Buffer.from(CREATE + '{}' + PING), sink);
    framer.push(Buffer.from(PING), sink);
    expect(events).toHaveLength(1);
    framer.resume();
    framer.push(Buffer.alloc(0), sink);
    expect(events.slice(1)).toEqual([`forward ${PING}`, `forward ${PING}`]);
    expect(framer.busy).toBe(false);
  });

  it('drops everything once closed', () => {
    const framer = new RequestFramer();
    const { sink, events } = recorder();
    framer.push(Buffer.from('GET /_ping HT'), sink);
    framer.close();
    framer.push(Buffer.from('TP/1.1\r\n\r\n' + PING), sink);
    expect(events).toEqual([]);
    expect(framer.closed).toBe(true);
  });
});
