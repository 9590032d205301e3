import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ABS, BTN, BUS, EV, LAYOUT, OPEN_FLAGS, REL, SOCKET, SYN, UI } from './constants';
import { encodeScmRights } from './encoding';
import { KEY } from './key-codes';

/** C expression -> the value the TypeScript side uses for it. */
function expectations(): [string, number][] {
  const prefixed = (prefix: string, table: Record<string, number>): [string, number][] =>
    Object.entries(table).map(([name, value]) => [`${prefix}_${name}`, value]);
  return [
    ...prefixed('EV', EV),
    ...prefixed('SYN', SYN),
    ...prefixed('KEY', KEY),
    ...prefixed('BTN', BTN),
    ...prefixed('REL', REL),
    ...prefixed('ABS', ABS),
    ...prefixed('BUS', BUS),
    ['UI_DEV_CREATE', UI.DEV_CREATE],
    ['UI_DEV_DESTROY', UI.DEV_DESTROY],
    ['UI_SET_EVBIT', UI.SET_EVBIT],
    ['UI_SET_KEYBIT', UI.SET_KEYBIT],
    ['UI_SET_RELBIT', UI.SET_RELBIT],
    ['UI_SET_ABSBIT', UI.SET_ABSBIT],
    ['UI_GET_SYSNAME(64)', UI.GET_SYSNAME(64)],
    ['UI_GET_SYSNAME(16)', UI.GET_SYSNAME(16)],
    ...Object.entries(OPEN_FLAGS),
    ...Object.entries(SOCKET),
    ['sizeof(struct input_event)', LAYOUT.INPUT_EVENT_SIZE],
    ['offsetof(struct input_event, type)', LAYOUT.INPUT_EVENT_TYPE_OFFSET],
    ['offsetof(struct input_event, code)', LAYOUT.INPUT_EVENT_TYPE_OFFSET + 2],
    ['offsetof(struct input_event, value)', LAYOUT.INPUT_EVENT_TYPE_OFFSET + 4],
    ['UINPUT_MAX_NAME_SIZE', LAYOUT.UINPUT_MAX_NAME_SIZE],
    ['ABS_CNT', LAYOUT.ABS_CNT],
    ['sizeof(struct uinput_user_dev)', LAYOUT.UINPUT_USER_DEV_SIZE],
    ['offsetof(struct uinput_user_dev, id)', LAYOUT.USER_DEV_ID_OFFSET],
    ['offsetof(struct uinput_user_dev, ff_effects_max)', LAYOUT.USER_DEV_FF_EFFECTS_MAX_OFFSET],
    ['offsetof(struct uinput_user_dev, absmax)', LAYOUT.USER_DEV_ABSMAX_OFFSET],
    ['offsetof(struct uinput_user_dev, absmin)', LAYOUT.USER_DEV_ABSMIN_OFFSET],
    ['offsetof(struct uinput_user_dev, absfuzz)', LAYOUT.USER_DEV_ABSFUZZ_OFFSET],
    ['sizeof(struct input_id)', 8],
    ['sizeof(struct msghdr)', LAYOUT.MSGHDR_SIZE],
    ['CMSG_LEN(0)', LAYOUT.CMSG_HEADER_SIZE],
    ['CMSG_LEN(3 * sizeof(int))', encodeScmRights([1, 2, 3]).readUInt32LE(0)],
    ['CMSG_SPACE(3 * sizeof(int))', encodeScmRights([1, 2, 3]).length],
    ['CMSG_SPACE(1 * sizeof(int))', encodeScmRights([1]).length],
  ];
}

describe('kernel ABI probe (gcc against /usr/include/linux)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'uinput-probe-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('matches every constant, ioctl number and struct layout the library uses', () => {
    const expected = expectations();
    const lines = expected.map(([expr], i) => `  printf("%d %lld\\n", ${i}, (long long)(${expr}));`);
    const source = [
      '#define _GNU_SOURCE',
      '#include <fcntl.h>',
      '#include <stddef.h>',
      '#include <stdio.h>',
      '#include <sys/socket.h>',
      '#include <linux/input.h>',
      '#include <linux/uinput.h>',
      'int main(void) {',
      ...lines,
      '  return 0;',
      '}',
    ].join('\n');
    writeFileSync(join(dir, 'probe.c'), source);
    execFileSync('gcc', ['-Wall', '-Werror', '-o', join(dir, 'probe'), join(dir, 'probe.c')], {
      stdio: 'pipe',
    });
    const output = execFileSync(join(dir, 'probe'), { encoding: 'utf8' });
    const actual = output
      .trim()
      .split('\n')
      .map((line) => line.split(' ').map(Number));
    const mismatches = actual
      .filter(([i, value]) => expected[i][1] !== value)
      .map(([i, value]) => `${expected[i][0]}: C says ${value}, TypeScript has ${expected[i][1]}`);
    expect(mismatches).toEqual([]);
    expect(actual).toHaveLength(expected.length);
    expect(expected.length).toBeGreaterThan(242 + 40);
  });
});
