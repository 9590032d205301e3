// The workspace's path mapping for ts-node (kept under this name for the bench commands).
require('../../../tools/testing/register');
