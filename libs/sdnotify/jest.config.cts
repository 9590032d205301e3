module.exports = {
  displayName: 'sdnotify',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/sdnotify',
};
