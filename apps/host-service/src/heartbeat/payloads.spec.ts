import { formatGoTime, handshakeRequest, heartbeatRequest } from './payloads';

describe('payloads', () => {
  it('builds the handshake with the webserver field names', () => {
    expect(
      handshakeRequest({
        instanceId: 'i-1',
        instanceType: 'g4dn.xlarge',
        region: 'us-east-1',
        amiId: 'ami-1',
      }),
    ).toEqual({
      InstanceID: 'i-1',
      InstanceType: 'g4dn.xlarge',
      Region: 'us-east-1',
      AWSAmiID: 'ami-1',
    });
  });

  it('builds a heartbeat with exactly the webserver fields and JSON types', () => {
    const body = heartbeatRequest({
      authToken: 'tok',
      now: new Date('2021-03-04T05:06:07.120Z'),
      number: 3,
      instanceId: 'i-1',
      mem: { totalKb: '100', freeKb: '20', availKb: '50' },
      dying: false,
    });
    expect(JSON.parse(JSON.stringify(body))).toEqual({
      AuthToken: 'tok',
      Timestamp: '2021-03-04 05:06:07.12 +0000 UTC',
      HeartbeatNumber: 3,
      InstanceID: 'i-1',
      TotalRAMinKB: '100',
      FreeRAMinKB: '20',
      AvailRAMinKB: '50',
      IsDyingHeartbeat: false,
    });
  });

  it('adds IsDraining: true only while the host drains', () => {
    const base = {
      authToken: 'tok',
      now: new Date(0),
      number: 1,
      instanceId: 'i-1',
      mem: { totalKb: '1', freeKb: '1', availKb: '1' },
      dying: false,
    };
    expect(heartbeatRequest({ ...base, draining: true }).IsDraining).toBe(true);
    expect('IsDraining' in heartbeatRequest({ ...base, draining: false })).toBe(false);
    expect('IsDraining' in heartbeatRequest(base)).toBe(false);
  });

  it("formats time like Go's time.Time.String in UTC", () => {
    expect(formatGoTime(new Date('2021-12-31T23:59:59.000Z'))).toBe('2021-12-31 23:59:59 +0000 UTC');
    expect(formatGoTime(new Date('2021-01-02T03:04:05.007Z'))).toBe('2021-01-02 03:04:05.007 +0000 UTC');
  });
});
