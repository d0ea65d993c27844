// kafkajs-snappy ships no typings: a KafkaJS codec factory (xerial-framed or raw snappy).
declare module 'kafkajs-snappy' {
  interface SnappyCodec {
    compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  }
  function SnappyCodec(): SnappyCodec;
  export = SnappyCodec;
}
