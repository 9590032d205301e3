import { startImdsStandIn } from '../../test/imds-stand-in';
import type { ImdsStandIn } from '../../test/imds-stand-in';
import { ImdsClient } from './imds-client';
import { localInstanceFacts } from './instance-facts';

describe('ImdsClient', () => {
  let imds: ImdsStandIn;
  beforeEach(async () => {
    imds = await startImdsStandIn();
  });
  afterEach(() => imds.close());

  it('reads the instance facts with an IMDSv2 session token', async () => {
    const client = new ImdsClient({ endpoint: `${imds.url}/` });
    await expect(client.instanceFacts()).resolves.toEqual({
      instanceId: 'i-0123456789abcdef0',
      instanceType: 'g4dn.xlarge',
      region: 'us-east-1',
      amiId: 'ami-0abcdef1234567890',
    });
    expect(imds.requests[0]).toBe('PUT /latest/api/token -');
    expect(imds.requests.slice(1).sort()).toEqual([
      'GET /latest/meta-data/ami-id stand-in-token',
      'GET /latest/meta-data/instance-id stand-in-token',
      'GET /latest/meta-data/instance-type stand-in-token',
      'GET /latest/meta-data/placement/region stand-in-token',
    ]);
  });

  it('memoizes the facts once fetched', async () => {
    const client = new ImdsClient({ endpoint: imds.url });
    const first = await client.instanceFacts();
    imds.failWith = 500;
    await expect(client.instanceFacts()).resolves.toBe(first);
    expect(imds.requests).toHaveLength(5);
  });

  it('names the endpoint when it fails, and tries again on the next call', async () => {
    const client = new ImdsClient({ endpoint: imds.url });
    imds.failWith = 503;
    await expect(client.instanceFacts()).rejects.toMatchObject({
      code: 'IMDS_UNAVAILABLE',
      message: expect.stringContaining(
        `instance metadata service at ${imds.url}: PUT /latest/api/token answered 503`,
      ),
    });
    imds.failWith = null;
    await expect(client.instanceFacts()).resolves.toMatchObject({ region: 'us-east-1' });
  });

  it('fails within its timeout when nothing answers', async () => {
    await imds.close();
    const client = new ImdsClient({ endpoint: imds.url, timeoutMs: 500 });
    await expect(client.instanceFacts()).rejects.toThrow(
      `instance metadata service at ${imds.url}: PUT /latest/api/token failed`,
    );
    imds = await startImdsStandIn();
  });

  it('has local stand-in values for localdev', () => {
    expect(localInstanceFacts('box')).toEqual({
      instanceId: 'localdev-box',
      instanceType: 'localdev',
      region: 'localdev',
      amiId: 'localdev',
    });
  });

  it('reads single items for polling: null on 404, one token reused', async () => {
    const client = new ImdsClient({ endpoint: imds.url });
    await expect(client.read('spot/instance-action')).resolves.toBeNull();
    imds.metadata['spot/instance-action'] = '{"action":"stop"}';
    await expect(client.read('spot/instance-action')).resolves.toBe('{"action":"stop"}');
    expect(imds.requests.filter((r) => r.startsWith('PUT'))).toHaveLength(1);
    imds.failWith = 500;
    await expect(client.read('spot/instance-action')).rejects.toThrow(/answered 500/);
  });
});
