export * from './aliyun-python-sdk.ts';
export * from './dingtalk-server.ts';
export * from './ecs-metadata-server.ts';
export * from './eventbridge-server.ts';
export * from './http-peer.ts';
export * from './postgres.ts';
export * from './sls-server.ts';
