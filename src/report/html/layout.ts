/**
 * The page's shared geometry: the network diagram and the spike raster use the same width, label column and time
 * scale, so a layer's window in the diagram sits exactly above its spikes in the raster.
 */
import { linear, type Scale } from "./scale.js";

export const WIDTH = 960;
/** Left column for population names. */
export const LABEL_WIDTH = 230;
export const RIGHT_PAD = 24;

/** Colors by population kind (also used by the legend and the CSS). */
export const KIND_COLOR: Record<string, string> = {
  input: "#7a8694",
  spiking: "#2f6fb0",
  gate: "#1a9a8a",
  readout: "#8a4fb0",
};
export const CYCLE_COLOR = "#e07a1f";
export const BAD_COLOR = "#c8322d";

/** Time (input windows) → x, for [0, tEnd]. */
export function timeScale(tEnd: number): Scale {
  return linear([0, tEnd > 0 ? tEnd : 1], [LABEL_WIDTH, WIDTH - RIGHT_PAD]);
}
