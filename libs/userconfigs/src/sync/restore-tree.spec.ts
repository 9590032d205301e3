import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { collect, tempDir, writeConfigDir } from '../../test/craft';
import { packConfigArchive } from '../archive/config-archive';
import { silentLogger } from '../logger';
import { ProgressCounter } from './progress';
import { dropStaging, makeStaging, unpackAndSwap } from './restore-tree';
import * as treeSwap from './tree-swap';

describe('restore tree', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await tmp.cleanup();
  });

  it('counts the archive bytes it unpacks, and swaps the tree in', async () => {
    const archive = await collect(packConfigArchive(await writeConfigDir(tmp.path, 'src', 'v1'), 'T'));
    const dir = join(tmp.path, 'dst');
    const staging = await makeStaging({ token: 'T', dir });
    const counter = new ProgressCounter(silentLogger, {}, 'config restore', 60_000);
    // Chunks of 1 KB: the count must see every one, the unpack too.
    const chunks = Array.from({ length: Math.ceil(archive.length / 1024) }, (_, i) =>
      archive.subarray(i * 1024, (i + 1) * 1024),
    );
    await unpackAndSwap(Readable.from(chunks), counter, staging, 0, { token: 'T', dir });
    expect(counter.bytes).toBe(archive.length);
    expect(await readFile(join(dir, 'settings.ini'), 'utf8')).toBe('v1');
    await dropStaging(staging);
  });

  it('removes a staging dir of empty dirs with rmdir, without running rm', async () => {
    const remove = jest.spyOn(treeSwap, 'removeTree');
    const staging = await makeStaging({ token: 'T', dir: join(tmp.path, 'dst') });
    await mkdir(join(staging, 'tree-0'));
    await mkdir(join(staging, 'trash'));
    await dropStaging(staging);
    expect(await readdir(tmp.path)).toEqual([]);
    expect(remove).not.toHaveBeenCalled();
  });

  it('removes anything else with rm, never through a symlink', async () => {
    const remove = jest.spyOn(treeSwap, 'removeTree');
    const victim = join(tmp.path, 'victim');
    await mkdir(victim);
    await writeFile(join(victim, 'keep'), 'host file');
    const staging = await makeStaging({ token: 'T', dir: join(tmp.path, 'dst') });
    await mkdir(join(staging, 'tree-0'));
    await writeFile(join(staging, 'tree-0', 'partial'), 'a failed attempt');
    await mkdir(join(staging, 'trash'));
    await symlink(victim, join(staging, 'trash', '0'));
    await dropStaging(staging);
    expect(remove).toHaveBeenCalledTimes(1);
    expect(await readdir(tmp.path)).toEqual(['victim']);
    expect(await readFile(join(victim, 'keep'), 'utf8')).toBe('host file');
  });
});
