import { createHash } from "node:crypto";

/** SHA-256 in hex: how files name each other (sidecars, lowerings, reports), targets and NIR weights are fingerprinted. */
export const sha256 = (bytes: Uint8Array | string): string => createHash("sha256").update(bytes).digest("hex");
