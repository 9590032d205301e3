import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateHookError } from '@fractal/ecsagent-bridge';
import { createHarness } from '../../test/harness';
import type { Harness } from '../../test/harness';
import { appNameFromImage, createFractalCreateHook } from './fractal-create-hook';

describe('createFractalCreateHook', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
    await h.manager.start();
  });
  afterEach(() => h.close());

  const body = () => ({
    Image: 'fractal/browsers-chrome:v1',
    Labels: { task: 't1' },
    HostConfig: {
      PortBindings: {
        '32262/tcp': [{ HostPort: '0' }],
        '32263/udp': [{ HostPort: '' }],
        '32273/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }],
      },
      Binds: ['/fractal/%%FRACTAL_ID_PLACEHOLDER%%/containerResourceMappings:/fractal/resourceMappings:ro'],
      Mounts: [
        { Type: 'bind', Source: '/fractal/temp/%%FRACTAL_ID_PLACEHOLDER%%/sockets', Target: '/tmp/sockets' },
      ],
      Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }],
    },
  });

  it('rewrites ports, placeholders, devices and labels, and registers the container on success', async () => {
    const hook = createFractalCreateHook({ manager: h.manager, logger: h.memory.logger });
    const plan = await hook.beforeCreate({ body: body() });
    const fractalId = plan.body.Labels?.['fractal.id'] ?? '';
    expect(plan.body.Labels).toEqual({
      task: 't1',
      'fractal.id': fractalId,
      'fractal.app': 'browsers-chrome',
      'fractal.dir': h.fractalDir,
    });
    const pb = plan.body.HostConfig?.PortBindings ?? {};
    const hostPort = Number(pb['32262/tcp'][0].HostPort);
    expect(h.ports.isAllocated(hostPort, 'tcp')).toBe(true);
    expect(Number(pb['32263/udp'][0].HostPort)).toBeGreaterThanOrEqual(40000);
    expect(pb['32273/tcp'][0].HostIp).toBe('127.0.0.1');
    expect(plan.body.HostConfig?.Binds?.[0]).toBe(
      `/fractal/${fractalId}/containerResourceMappings:/fractal/resourceMappings:ro`,
    );
    expect(plan.body.HostConfig?.Mounts?.[0].Source).toBe(`/fractal/temp/${fractalId}/sockets`);
    expect(plan.body.HostConfig?.Devices).toHaveLength(4);
    const entry = h.manager.byFractalId(fractalId);
    expect(await readFile(join(entry?.dirs.resources ?? '', 'hostPort_for_my_32262_tcp'), 'utf8')).toBe(
      String(hostPort),
    );
    await plan.onOutcome({ ok: true, id: 'd0cker1d' });
    expect(h.manager.byDockerId('d0cker1d')?.fractalId).toBe(fractalId);
    expect(h.manager.byHostPort(hostPort)?.appName).toBe('browsers-chrome');
  });

  it('gives everything back when Docker refuses the create', async () => {
    const hook = createFractalCreateHook({ manager: h.manager, logger: h.memory.logger });
    const plan = await hook.beforeCreate({ body: body() });
    await plan.onOutcome({ ok: false, statusCode: 404, message: 'No such image' });
    expect([
      h.manager.size(),
      h.ports.inUse('tcp'),
      h.ports.inUse('udp'),
      h.ttys.inUse(),
      h.devicesMade.length - h.devicesClosed,
    ]).toEqual([0, 0, 0, 0, 0]);
    expect(await h.leftovers()).toEqual([]);
  });

  it('refuses with a Docker-style error when resources cannot be reserved', async () => {
    const hook = createFractalCreateHook({ manager: h.manager, logger: h.memory.logger });
    const bad = body();
    bad.HostConfig.PortBindings['32262/tcp'] = [{ HostPort: '80' }];
    await expect(hook.beforeCreate({ body: bad })).rejects.toBeInstanceOf(CreateHookError);
    expect(await h.leftovers()).toEqual([]);
  });

  it.each<[string, Record<string, unknown>]>([
    ['HostConfig null', { HostConfig: null }],
    ['HostConfig a string', { HostConfig: 'x' }],
    ['PortBindings null', { HostConfig: { PortBindings: null } }],
    ['a binding list null', { HostConfig: { PortBindings: { '32262/tcp': null } } }],
    ['Binds a string', { HostConfig: { Binds: '/a:/b' } }],
    ['Binds holding a number', { HostConfig: { Binds: [7] } }],
    ['Mounts holding null', { HostConfig: { Mounts: [null] } }],
    ['a Mount Source a number', { HostConfig: { Mounts: [{ Type: 'bind', Source: 7, Target: '/t' }] } }],
    ['Devices an object', { HostConfig: { Devices: { a: 1 } } }],
    ['Labels null', { Labels: null }],
  ])('neither crashes nor leaks on a body with %s', async (_, over) => {
    const hook = createFractalCreateHook({ manager: h.manager, logger: h.memory.logger });
    const odd = { Image: 'fractal/browsers-chrome:v1', ...over } as never;
    const plan = await hook.beforeCreate({ body: odd }).catch((err: unknown) => err);
    if (plan instanceof Error) {
      expect(plan).toBeInstanceOf(CreateHookError);
    } else {
      // Docker would refuse such a body: the refusal must free what was reserved.
      await (plan as Awaited<ReturnType<typeof hook.beforeCreate>>).onOutcome({
        ok: false,
        statusCode: 400,
        message: 'bad body',
      });
    }
    expect([
      h.manager.size(),
      h.ports.inUse('tcp'),
      h.ttys.inUse(),
      h.devicesMade.length - h.devicesClosed,
    ]).toEqual([0, 0, 0, 0]);
    expect(await h.leftovers()).toEqual([]);
  });

  it('takes the app name from fractal/<app>:<tag>', () => {
    expect(appNameFromImage('123.dkr.ecr.us-east-1.amazonaws.com/fractal/browsers-chrome:abc')).toBe(
      'browsers-chrome',
    );
    expect(appNameFromImage('fractal/x@sha256:00')).toBe('x');
  });
});
