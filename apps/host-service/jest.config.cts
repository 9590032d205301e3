module.exports = {
  displayName: 'host-service',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/host-service',
};
