import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createHarness, spinReq, token, values } from '../../test/harness';
import type { Harness } from '../../test/harness';

describe('a failed .ready write', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('is retried when the client sends the same token again, instead of ALREADY_SET forever', async () => {
    h = await createHarness();
    await h.manager.start();
    const id = await h.manager.spinUp(spinReq);
    const view = h.manager.byDockerId(id);
    const port = view?.hostPort ?? 0;
    const ready = join(view?.dirs.resources ?? '', '.ready');
    await mkdir(join(ready, 'blocker'), { recursive: true }); // a rename onto it fails
    await h.manager.setStartValues(values(port));
    await expect(h.manager.setConfigToken(token(port))).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringContaining('send the request again to retry'),
    });
    await rm(ready, { recursive: true });
    await h.manager.setConfigToken(token(port));
    expect((await stat(ready)).isFile()).toBe(true);
    expect(h.store.gets).toBe(1); // the restore is not run twice
    await expect(h.manager.setConfigToken(token(port))).rejects.toMatchObject({ code: 'ALREADY_SET' });
  });
});
