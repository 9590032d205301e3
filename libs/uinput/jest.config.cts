module.exports = {
  displayName: 'uinput',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/uinput',
};
