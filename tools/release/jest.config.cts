module.exports = {
  displayName: 'release',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/tools/release',
};
