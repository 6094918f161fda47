// The part of hpack.js (no bundled types) that h2-authority.ts uses.
declare module "hpack.js" {
  interface HpackDecoder {
    push(chunk: Buffer): void;
    /** Decodes one string literal (Huffman or raw) and returns its bytes. */
    decodeStr(): number[] | Buffer;
  }
  const hpack: { decoder: { create(): HpackDecoder } };
  export default hpack;
}
