// A `setupFiles` entry of the `integration-redis-cluster` jest project: the cluster-mode hubs then
// run on the local Redis Cluster (REDIS_CLUSTER_NODES) instead of the single Redis.
process.env.HUB_TEST_REDIS = 'cluster';

export {};
