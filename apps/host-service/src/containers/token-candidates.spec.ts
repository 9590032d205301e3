import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { configObjectKey } from '@fractal/userconfigs';
import { createHarness, spinReq, token, until, values } from '../../test/harness';
import type { Harness } from '../../test/harness';

const ready = (dir: string) =>
  stat(join(dir, '.ready')).then(
    () => true,
    () => false,
  );

/** Issue 10's token rules: the first token must not win on the unauthenticated endpoint. */
describe('config token candidates', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
    await h.manager.start();
  });
  afterEach(() => h.close());

  it('keeps tokens until the start values arrive, then accepts the one that matches', async () => {
    const id = await h.manager.spinUp(spinReq);
    const entry = h.manager.byDockerId(id);
    const port = entry?.hostPort ?? 0;
    // An attacker who guessed the port sends first, twice; the real client third.
    await h.manager.setConfigToken({ ...token(port, 'attacker'), configEncryptionToken: 'evil' });
    await h.manager.setConfigToken({
      ...token(port),
      userId: 'someone-else',
      configEncryptionToken: 'evil2',
    });
    await h.manager.setConfigToken(token(port));
    expect(await ready(entry?.dirs.resources ?? '')).toBe(false);
    await h.manager.setStartValues(values(port));
    expect(await ready(entry?.dirs.resources ?? '')).toBe(true);
    expect(h.manager.byHostPort(port)?.token?.configEncryptionToken).toBe('tok');
    expect(h.memory.lines.some((l) => String(l['msg']).includes('token dropped') && l['dropped'] === 2)).toBe(
      true,
    );
    h.docker.kill(id);
    await until(() => h.manager.size() === 0);
    await until(async () => (await h.leftovers()).length === 0);
    expect(h.store.objects.has(configObjectKey({ userId: 'user-1', appName: 'test-app' }))).toBe(true);
  });

  it('holds at most 4 candidates; a fifth is refused with a clear error', async () => {
    const id = await h.manager.spinUp(spinReq);
    const port = h.manager.byDockerId(id)?.hostPort ?? 0;
    for (let i = 0; i < 4; i += 1) await h.manager.setConfigToken(token(port, `s${i}`));
    await expect(h.manager.setConfigToken(token(port))).rejects.toMatchObject({
      code: 'TOKEN_REFUSED',
      message: expect.stringContaining('already holds 4 config tokens'),
    });
  });

  it('after the start values, refuses a token that does not match (406) and still takes the right one', async () => {
    const id = await h.manager.spinUp(spinReq);
    const entry = h.manager.byDockerId(id);
    const port = entry?.hostPort ?? 0;
    await h.manager.setStartValues(values(port));
    await expect(h.manager.setConfigToken(token(port, 'wrong'))).rejects.toMatchObject({
      code: 'TOKEN_REFUSED',
    });
    await expect(h.manager.setConfigToken({ ...token(port), userId: 'user-2' })).rejects.toMatchObject({
      code: 'TOKEN_REFUSED',
    });
    expect(await ready(entry?.dirs.resources ?? '')).toBe(false);
    await h.manager.setConfigToken(token(port));
    expect(await ready(entry?.dirs.resources ?? '')).toBe(true);
    await expect(h.manager.setConfigToken(token(port))).rejects.toMatchObject({ code: 'ALREADY_SET' });
  });
});
