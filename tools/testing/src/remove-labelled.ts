import type Dockerode from 'dockerode';

/** Force-removes every container carrying `label` (`key=value`); cleanup never throws. */
export async function removeLabelled(docker: Dockerode, label: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [label] } }).catch(() => []);
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

/** Force-removes the containers `ids`, one after another; cleanup never throws. */
export async function removeContainers(docker: Dockerode, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => undefined);
  }
}
