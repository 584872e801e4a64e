/** The SNN is exact when every argmax agrees and max |Δlogit| ≤ EXACT_TOLERANCE × max |logit| (float64 rounding). */
export const EXACT_TOLERANCE = 1e-9;
