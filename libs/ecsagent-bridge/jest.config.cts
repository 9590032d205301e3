module.exports = {
  displayName: 'ecsagent-bridge',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/ecsagent-bridge',
};
