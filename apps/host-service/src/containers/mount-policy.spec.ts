import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MountPolicy, withMountPolicy } from './mount-policy';

describe('MountPolicy', () => {
  let root: string;
  let allowed: string;
  let policy: MountPolicy;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'mount-policy-'));
    allowed = join(root, 'allowed');
    await mkdir(join(allowed, 'build'), { recursive: true });
    await mkdir(join(root, 'outside'));
    await mkdir(join(root, 'fractal'));
    await symlink('/etc', join(allowed, 'to-etc'));
    await symlink(join(root, 'outside'), join(allowed, 'to-outside'));
    await symlink(join(allowed, 'build'), join(root, 'outside', 'to-build'));
    await writeFile(join(allowed, 'file'), 'x');
    policy = new MountPolicy({
      allowedRoots: [allowed],
      ownDirs: [{ name: 'FRACTAL_DIR', path: join(root, 'fractal') }],
    });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('accepts sources under an allowed root, rewritten to their real path', async () => {
    await expect(policy.check('')).resolves.toBe('');
    await expect(policy.check(`-v ${allowed}/build:/b:ro --volume ${allowed}/file:/f`)).resolves.toBe(
      `-v ${allowed}/build:/b:ro -v ${allowed}/file:/f`,
    );
    // A symlink outside that leads into a root is judged where it leads.
    await expect(policy.check(`-v ${root}/outside/to-build:/b`)).resolves.toBe(`-v ${allowed}/build:/b`);
  });

  it.each([
    ['/', /\/ is or contains \/, which is always refused/],
    ['/etc', /\/etc is or contains \/etc/],
    ['/var', /contains \/var\/run|contains \/var\/lib\/docker/],
    ['/proc/self', /\/proc/],
  ])('always refuses %s, naming the rule', async (src, rule) => {
    await expect(policy.check(`-v ${src}:/x`)).rejects.toThrow(rule);
  });

  it('follows symlinks before judging', async () => {
    await expect(policy.check(`-v ${allowed}/to-etc:/x`)).rejects.toThrow(
      /really \/etc\) is or contains \/etc/,
    );
    await expect(policy.check(`-v ${allowed}/to-outside:/x`)).rejects.toThrow(
      /is not under MOUNT_ALLOWED_ROOTS/,
    );
  });

  it('refuses its own dirs, missing paths, and everything when no root is allowed', async () => {
    await expect(policy.check(`-v ${root}:/x`)).rejects.toThrow(/contains FRACTAL_DIR/);
    await expect(policy.check(`-v ${allowed}/nope:/x`)).rejects.toThrow(/does not exist/);
    const closed = new MountPolicy({ allowedRoots: [], ownDirs: [] });
    await expect(closed.check(`-v ${allowed}/build:/x`)).rejects.toThrow(/MOUNT_ALLOWED_ROOTS is empty/);
    await expect(closed.check(`-v ${allowed}/build:/x`)).rejects.toMatchObject({ code: 'INVALID_MOUNT' });
  });

  it('puts the policy in front of the manager', async () => {
    const seen: string[] = [];
    const manager = {
      spinUp: async (req: { mountCommand: string }) => {
        seen.push(req.mountCommand);
        return 'id';
      },
      setStartValues: async () => undefined,
      setConfigToken: async () => undefined,
    };
    const guarded = withMountPolicy(manager as never, policy);
    await expect(
      guarded.spinUp({ appName: 'a', appImage: 'i', mountCommand: '-v /etc:/x', protocolTimeout: 1 }),
    ).rejects.toThrow(/always refused/);
    await guarded.spinUp({
      appName: 'a',
      appImage: 'i',
      mountCommand: `-v ${allowed}/build:/b`,
      protocolTimeout: 1,
    });
    expect(seen).toEqual([`-v ${allowed}/build:/b`]);
  });
});
