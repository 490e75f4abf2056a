// cluster-key-slot 1.1.1 ships no types: the hash slot (0..16383) Redis Cluster gives a key or a sharded channel.
declare module 'cluster-key-slot' {
  function generate(key: string): number;
  export default generate;
}
