/** ONNX nodes per population, from the SNN IR (the HW IR keeps ids only; clocks and relays are named after them). */
import type { SnnNetwork } from "../snn/network.js";

export function originsOf(net: SnnNetwork): Map<string, string[]> {
  return new Map(net.populations.map((p) => [p.id, p.origin.map((o) => `${o.name} (${o.op})`)]));
}
