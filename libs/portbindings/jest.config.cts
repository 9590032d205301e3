module.exports = {
  displayName: 'portbindings',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/portbindings',
};
