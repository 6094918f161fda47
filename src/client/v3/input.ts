// The request shape each wrapper accepts: a deep-partial message (64-bit fields may be given as
// bigint, number or decimal string), completed with proto3 defaults by the generated fromPartial.
export type Input<M extends { fromPartial(object: never): unknown }> = Parameters<
  M["fromPartial"]
>[0];
