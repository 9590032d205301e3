import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_FLAGS, missingNodeFlags } from './node-flags';

const REPO = join(__dirname, '..', '..', '..', '..');

/** The words of the script's last `exec` line (the command that becomes the daemon). */
function execWords(script: string): string[] {
  const lines = readFileSync(join(REPO, script), 'utf8').split('\n');
  const exec = lines.filter((line) => line.startsWith('exec ')).pop();
  if (!exec) throw new Error(`${script} has no exec line`);
  const vars = Object.fromEntries(
    lines
      .map((line) => /^(\w+)=(?:"([^"$]*)"|(\S+))$/.exec(line))
      .filter((m) => m !== null)
      .map((m) => [m[1], m[2] ?? m[3]]),
  );
  // An unquoted `$var` splits into words, as sh does.
  return exec
    .split(/\s+/)
    .flatMap((word) => (/^\$(\w+)$/.test(word) ? (vars[word.slice(1)] ?? word).split(/\s+/) : [word]));
}

describe('NODE_FLAGS', () => {
  it.each(['tools/release/files/host-service', 'tools/run-localdev.sh'])(
    '%s starts node with every one of them, before the script',
    (script) => {
      const words = execWords(script);
      // The script node runs: main.js itself, or the launcher's "$main".
      const main = words.findIndex((w) => /main\.js"?$|^"\$main"$/.test(w));
      expect(main).toBeGreaterThan(0);
      for (const flag of NODE_FLAGS) {
        const at = words.indexOf(flag);
        expect(at).toBeGreaterThan(0);
        expect(at).toBeLessThan(main);
      }
    },
  );

  it('names the flags a process was started without', () => {
    expect(missingNodeFlags([])).toEqual([...NODE_FLAGS]);
    expect(missingNodeFlags(['--enable-source-maps', ...NODE_FLAGS])).toEqual([]);
  });
});
