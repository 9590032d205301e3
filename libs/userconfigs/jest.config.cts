module.exports = {
  displayName: 'userconfigs',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/userconfigs',
};
