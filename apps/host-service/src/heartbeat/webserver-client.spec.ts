import { STAND_IN_AUTH_TOKEN, startWebserverStandIn } from '../../test/webserver-stand-in';
import type { WebserverStandIn } from '../../test/webserver-stand-in';
import { WebserverClient } from './webserver-client';

describe('WebserverClient', () => {
  let web: WebserverStandIn;
  beforeEach(async () => {
    web = await startWebserverStandIn();
  });
  afterEach(() => web.close());

  const beat = {
    AuthToken: STAND_IN_AUTH_TOKEN,
    Timestamp: 't',
    HeartbeatNumber: 1,
    InstanceID: 'i-1',
    TotalRAMinKB: '1',
    FreeRAMinKB: '1',
    AvailRAMinKB: '1',
    IsDyingHeartbeat: false,
  };

  it('posts the handshake and returns the AuthToken', async () => {
    const client = new WebserverClient({ baseUrl: `${web.url}/` });
    const hs = { InstanceID: 'i-1', InstanceType: 't', Region: 'r', AWSAmiID: 'a' };
    await expect(client.handshake(hs)).resolves.toBe(STAND_IN_AUTH_TOKEN);
    expect(web.handshakes).toEqual([{ path: '/host_service/auth', body: hs }]);
  });

  it('posts heartbeats and reports a refused one with its status', async () => {
    const client = new WebserverClient({ baseUrl: web.url });
    await client.heartbeat(beat);
    expect(web.heartbeats).toEqual([{ path: '/host_service/heartbeat', body: beat }]);
    web.failHeartbeatsWith = 403;
    await expect(client.heartbeat(beat)).rejects.toThrow(
      `POST ${web.url}/host_service/heartbeat answered 403`,
    );
  });

  it('gives up after its timeout', async () => {
    const client = new WebserverClient({
      baseUrl: 'http://127.0.0.1:9',
      timeoutMs: 50,
      fetch: (_url, init) =>
        new Promise((_, reject) =>
          init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
    });
    await expect(client.heartbeat(beat)).rejects.toThrow(
      'POST http://127.0.0.1:9/host_service/heartbeat failed: aborted',
    );
  });
});
