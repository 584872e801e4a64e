/** Constant nodes: value (tensor), value_float(s), value_int(s). */
import { constFromList } from "../attributes.js";
import { decodeTensor } from "../decode.js";
import type { OpHandler } from "./types.js";

export const constant: OpHandler = (n) => {
  const a = n.attrs;
  const t = a.tensor("value");
  let tensor;
  if (t) tensor = decodeTensor(t, `the value of Constant node '${n.name}'`, n.ctx.src);
  else if (a.has("value_float")) tensor = constFromList([a.float("value_float", 0)], true, "FLOAT");
  else if (a.has("value_floats")) tensor = constFromList(a.floats("value_floats")!, false, "FLOAT");
  else if (a.has("value_int")) tensor = constFromList([a.int("value_int", 0)], true, "INT64");
  else if (a.has("value_ints")) tensor = constFromList(a.ints("value_ints")!, false, "INT64");
  else return n.fail(`its value is given as ${a.names().join(", ") || "nothing"}; spikec reads value, value_float(s) and value_int(s)`);
  n.bind(0, { kind: "constant", tensor });
};
