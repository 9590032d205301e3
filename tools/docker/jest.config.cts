module.exports = {
  displayName: 'docker-harness',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
