import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS } from './settings';
import { README_END, README_START, renderSettingsTable, withSettingsSection } from './settings-doc';

const README = join(__dirname, '..', '..', '..', '..', 'README.md');

describe('README settings section', () => {
  const readme = readFileSync(README, 'utf8');
  const generated = withSettingsSection(readme, renderSettingsTable(SETTINGS));

  if (process.env.UPDATE_SETTINGS_DOC === '1') {
    it('is rewritten from SETTINGS (UPDATE_SETTINGS_DOC=1)', () => {
      writeFileSync(README, generated);
    });
    return;
  }

  it('matches the one generated from SETTINGS (run `npx nx run host-service:settings-doc` to update)', () => {
    expect(readme).toBe(generated);
  });

  it('replaces only the text between the markers, and notices a changed setting', () => {
    const doc = `# x\n${README_START}\nold\n${README_END}\nafter\n`;
    const table = renderSettingsTable([{ name: 'A', defaultText: '1', description: 'a | b' }]);
    expect(withSettingsSection(doc, table)).toBe(
      `# x\n${README_START}\n\n| variable | default | meaning |\n| -------- | ------- | ------- |\n` +
        `| \`A\`      | 1       | a \\| b  |\n\n${README_END}\nafter\n`,
    );
    expect(renderSettingsTable([{ name: 'A', defaultText: '2', description: 'a' }])).not.toBe(table);
    expect(() => withSettingsSection('# no markers\n', table)).toThrow(/lacks the/);
  });
});
