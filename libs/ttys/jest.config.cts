module.exports = {
  displayName: 'ttys',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/ttys',
};
