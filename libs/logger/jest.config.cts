module.exports = {
  displayName: 'logger',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/logger',
};
