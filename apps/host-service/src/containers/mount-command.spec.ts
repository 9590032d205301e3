import { parseMountCommand } from './mount-command';

describe('parseMountCommand', () => {
  it('turns -v bind mounts into Binds', () => {
    expect(parseMountCommand('')).toEqual([]);
    expect(parseMountCommand('-v /a:/b  -v /c/d:/e:ro --volume /f:/g:rw')).toEqual([
      '/a:/b',
      '/c/d:/e:ro',
      '/f:/g:rw',
    ]);
  });

  it.each([
    ['--privileged', /not a -v bind mount/],
    ['-v', /missing/],
    ['-v vol:/data', /not absolute/],
    ['-v /a:data', /not absolute/],
    ['-v /a/../etc:/b', /'\.\.'/],
    ['-v /a:/b:rshared', /not ro or rw/],
    ['-v /a:/b:ro:z', /src:dst/],
    ['-v "/a":/b', /quotes/],
    ['-v /a:/b --device /dev/mem', /not a -v bind mount/],
  ])('refuses %j, saying what and why', (command, why) => {
    expect(() => parseMountCommand(command)).toThrow(why);
    expect(() => parseMountCommand(command)).toThrow(expect.objectContaining({ code: 'INVALID_MOUNT' }));
  });
});
