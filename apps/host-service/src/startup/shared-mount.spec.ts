import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSharedMount, isSharedMount, mountContaining, parseMountInfo } from './shared-mount';

// Shaped like a container's /proc/self/mountinfo: / private, /srv shared, a path with a space.
const MOUNTINFO = [
  '27 1 0:25 / / rw,relatime - overlay overlay rw,lowerdir=/l',
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '40 27 8:1 /srv /srv rw,relatime shared:5 - ext4 /dev/sda1 rw',
  '41 40 8:1 /srv/a /srv/a\\040b rw,relatime shared:5 master:2 - ext4 /dev/sda1 rw',
  '',
].join('\n');

const logger = { info: () => undefined, warn: () => undefined };

describe('mountinfo', () => {
  const entries = parseMountInfo(MOUNTINFO);

  it('parses ids, unescaped mount points and optional fields', () => {
    expect(entries).toHaveLength(4);
    expect(entries[3]).toEqual({
      mountId: 41,
      parentId: 40,
      mountPoint: '/srv/a b',
      optionalFields: ['shared:5', 'master:2'],
    });
    expect(entries[0].optionalFields).toEqual([]);
  });

  it('finds the mount a path lives on', () => {
    expect(mountContaining('/fractal', entries)?.mountPoint).toBe('/');
    expect(mountContaining('/srv/fractal', entries)?.mountPoint).toBe('/srv');
    expect(mountContaining('/srv/a b/x', entries)?.mountPoint).toBe('/srv/a b');
    expect(mountContaining('/srvx', entries)?.mountPoint).toBe('/');
  });

  it('lets the latest mount on the same point win', () => {
    const stacked = parseMountInfo(`${MOUNTINFO}50 27 0:30 / /srv rw - tmpfs tmpfs rw\n`);
    expect(mountContaining('/srv/x', stacked)).toMatchObject({ mountId: 50, optionalFields: [] });
  });

  it('tells shared mounts from private ones', () => {
    expect(isSharedMount(entries[0])).toBe(false);
    expect(isSharedMount(entries[2])).toBe(true);
  });
});

describe('ensureSharedMount', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shared-mount-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('leaves a dir on a shared mount alone', async () => {
    const calls: string[] = [];
    const undo = await ensureSharedMount(dir, {
      readMountInfo: async () => `1 0 0:1 / / rw shared:1 - ext4 /dev/x rw\n`,
      run: async (cmd, args) => void calls.push([cmd, ...args].join(' ')),
      logger,
    });
    await undo();
    expect(calls).toEqual([]);
  });

  it('takes over the shared bind an earlier run left on the dir itself, and undoes it at exit', async () => {
    const calls: string[] = [];
    const real = await realpath(dir);
    const undo = await ensureSharedMount(dir, {
      readMountInfo: async () =>
        `1 0 0:1 / / rw - ext4 /dev/x rw\n7 1 0:1 ${real} ${real} rw shared:9 - ext4 /dev/x rw\n`,
      run: async (cmd, args) => void calls.push([cmd, ...args].join(' ')),
      logger,
    });
    expect(calls).toEqual([]);
    await undo();
    expect(calls).toEqual([`umount ${real}`]);
  });

  it('bind-mounts a dir on a private mount onto itself, shares it, and undoes that', async () => {
    const calls: string[] = [];
    const undo = await ensureSharedMount(dir, {
      readMountInfo: async () => MOUNTINFO,
      run: async (cmd, args) => void calls.push([cmd, ...args].join(' ')),
      logger,
    });
    expect(calls).toEqual([`mount --bind ${dir} ${dir}`, `mount --make-rshared ${dir}`]);
    await undo();
    expect(calls[2]).toBe(`umount ${dir}`);
  });

  it('undoes the bind mount when sharing it fails', async () => {
    const calls: string[] = [];
    const promise = ensureSharedMount(dir, {
      readMountInfo: async () => MOUNTINFO,
      run: async (cmd, args) => {
        calls.push([cmd, ...args].join(' '));
        if (args[0] === '--make-rshared') throw new Error('EPERM');
      },
      logger,
    });
    await expect(promise).rejects.toMatchObject({
      code: 'SHARED_MOUNT_FAILED',
      message: `cannot make ${dir} a shared mount: EPERM`,
    });
    expect(calls[2]).toBe(`umount ${dir}`);
  });
});
