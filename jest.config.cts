// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getJestProjectsAsync } = require('@nx/jest');

module.exports = async () => ({
  projects: await getJestProjectsAsync(),
});
