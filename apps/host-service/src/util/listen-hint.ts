/** What a failed `listen` means for the operator, and what to do about it. */
export function listenHint(
  err: NodeJS.ErrnoException,
  port: number,
  portVar: string,
  hostVar: string,
): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use (EADDRINUSE); another host service may still be running (\`ss -ltnp 'sport = :${port}'\` shows who), stop it or set ${portVar} to a free port`;
    case 'EADDRNOTAVAIL':
      return `the address is not on this host (EADDRNOTAVAIL); set ${hostVar} to one of its addresses`;
    case 'EACCES':
      return `permission denied (EACCES); ports below 1024 need root, or set ${portVar} higher`;
    default:
      return err.message;
  }
}
