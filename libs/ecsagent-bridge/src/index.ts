export const placeholder = 'ecsagent-bridge';
