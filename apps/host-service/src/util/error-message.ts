/** The message of an Error, or the thrown value as a string (a rejection can carry anything). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
