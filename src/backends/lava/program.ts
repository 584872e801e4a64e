/**
 * LavaPlan → DIR/lava/network.py (text) and the arrays it loads (DIR/lava/*.npy). The program's command line is a
 * contract (docs/formats.md, "Lava program"):
 *   python3 network.py --input X.npy --output LOGITS.npy [--spikes SPIKES.npz] [--limit N]
 * Layout of the text, one statement per line so that tools (and our tests) can read it back:
 *   NAME = TickSource(...)      # input 'POP'            (the TTFS input; ticks set per sample)
 *   NAME = RingBuffer(data=raster("NAME", n))  # clock 'POP'
 *   NAME = LIF(shape=(n,), vth=…, du=…, dv=…, bias_mant=arr("NAME_bias_mant"), …, name="POP")
 *   NAME = Dense|Sparse|DelayDense|DelaySparse(weights=…("NAME", nT, nS), [delays=d | delays=delays("NAME", nT, nS, d), ]weight_exp=e, num_weight_bits=8, sign_mode=SignMode.S, name="GROUP")
 *   SRC.s_out.connect(NAME.s_in); NAME.a_out.connect(DST.a_in)
 */
import type { LavaConnection, LavaLif, LavaPlan, LavaSource } from "./plan.js";

/** A numbered array the program loads: DIR/lava/<name>.npy. */
export interface LavaArray {
  name: string;
  shape: number[];
  data: ArrayLike<number>;
  dtype: "<i8" | "<f8";
}

export interface LavaProgram {
  /** network.py */
  text: string;
  arrays: LavaArray[];
}

const py = (s: string): string => JSON.stringify(s); // a JSON string is a valid Python string literal

/** The clock's spikes as an (n, ticks) 0/1 raster, the layout of lava.proc.io.source.RingBuffer. */
function clockRaster(s: LavaSource, ticks: number): Int32Array {
  const r = new Int32Array(s.size * ticks);
  const sch = s.schedule!;
  for (let i = 0; i < s.size; i++)
    for (let k = sch.offsets[i]!; k < sch.offsets[i + 1]!; k++) {
      const t = sch.ticks[k]!;
      if (t >= 0 && t < ticks) r[i * ticks + t] = 1;
    }
  return r;
}

function lifLine(p: LavaLif): string {
  return (
    `${p.name} = LIF(shape=(${p.size},), vth=${p.vth}, du=${p.du}, dv=${p.dv}, bias_mant=arr("${p.name}_bias_mant"), ` +
    `bias_exp=arr("${p.name}_bias_exp"), u=arr("${p.name}_u"), v=arr("${p.name}_v"), name=${py(p.population)})`
  );
}

function connectionLine(c: LavaConnection): string {
  const build = c.process === "Dense" || c.process === "DelayDense" ? "dense" : "sparse";
  // DelaySparse gets its delays with the weights' sparsity: Lava expands an int to a full (nT, nS) matrix and then
  // rebuilds its delay-weight matrix from every entry each step (seconds per step and ~1 GB for a 4704² latch).
  const delays =
    c.process === "DelaySparse" ? `delays=delays("${c.name}", ${c.nTarget}, ${c.nSource}, ${c.delay}), ` : c.process === "DelayDense" ? `delays=${c.delay}, ` : "";
  return (
    `${c.name} = ${c.process}(weights=${build}("${c.name}", ${c.nTarget}, ${c.nSource}), ${delays}weight_exp=${c.weightExp}, ` +
    `num_weight_bits=8, sign_mode=SignMode.${c.signMode}, name=${py(c.group)})`
  );
}

export function lavaProgram(plan: LavaPlan, header: { generator: string; source: string; cpuCheck?: string }): LavaProgram {
  const arrays: LavaArray[] = [];
  const i64 = (name: string, shape: number[], data: ArrayLike<number>) => arrays.push({ name, shape, data, dtype: "<i8" });
  const lines: string[] = [];
  const inputs = plan.neurons.filter((n): n is LavaSource => n.kind === "source" && n.role === "input");
  for (const n of plan.neurons) {
    if (n.kind === "source" && n.role === "input") {
      lines.push(`${n.name} = TickSource(size=${n.size}, period=TICKS, name=${py(n.population)})  # input ${py(n.population)}`);
    } else if (n.kind === "source") {
      i64(`${n.name}_raster`, [n.size, plan.ticks], clockRaster(n, plan.ticks));
      lines.push(`${n.name} = RingBuffer(data=arr("${n.name}_raster"))  # clock ${py(n.population)}`);
    } else {
      i64(`${n.name}_bias_mant`, [n.size], n.biasMant);
      i64(`${n.name}_bias_exp`, [n.size], n.biasExp);
      i64(`${n.name}_u`, [n.size], n.u);
      i64(`${n.name}_v`, [n.size], n.v);
      lines.push(lifLine(n));
    }
  }
  for (const c of plan.connections) {
    i64(`${c.name}_pre`, [c.pre.length], c.pre);
    i64(`${c.name}_post`, [c.post.length], c.post);
    i64(`${c.name}_w`, [c.weight.length], c.weight);
    lines.push(connectionLine(c));
    lines.push(`${c.sourceName}.s_out.connect(${c.name}.s_in); ${c.name}.a_out.connect(${c.targetName}.a_in)`);
  }
  const readouts = plan.readouts.map((r, k) => {
    if (r.offset) arrays.push({ name: `readout${k}_offset`, shape: [r.offset.length], data: r.offset, dtype: "<f8" });
    return `    (${py(r.population)}, ${r.name}, ${r.tick}, ${r.scale}, ${r.offset ? `arr("readout${k}_offset")` : "None"}, ${r.relu ? "True" : "False"}),`;
  });
  const encodings = inputs.map((s) => `(${s.name}, "${s.name}")`);
  const lifs = plan.neurons.filter((n): n is LavaLif => n.kind === "lif").map((n) => `(${n.name}, "${n.name}")`);
  const clocks = plan.neurons.filter((n): n is LavaSource => n.kind === "source" && n.role === "clock").map((n) => `"${n.name}"`);
  const warning = plan.cpuInexact.length
    ? [
        `# WARNING: ${plan.cpuInexact.length} connection process(es) have weight_exp < 0 with odd mantissas (${plan.cpuInexact.reduce((a, c) => a + c.synapses, 0)} synapses).`,
        `# Loihi applies the exponent per synapse (w * 2^(6 + weight_exp)); Lava's CPU models shift each step's summed`,
        `# input right (flooring), so on the CPU their contributions are rounded down to multiples of 64 and the`,
        `# spike ticks can differ from spikec's cycle simulator. See docs/formats.md, "Lava program".`,
        ...(header.cpuCheck ? [`# Measured by spikec at compile time: ${header.cpuCheck}.`] : []),
      ]
    : [];
  const text = PROGRAM.replace("@@HEADER@@", () => [`# Generated by ${header.generator} from ${header.source} (target ${plan.target}). Do not edit: re-run spikec compile --emit lava.`, ...warning].join("\n"))
    .replace("@@TICKS@@", () => String(plan.ticks))
    .replace("@@INEXACT@@", () => String(plan.cpuInexact.length))
    .replace("@@CPU_CHECK@@", () => JSON.stringify(header.cpuCheck ?? ""))
    .replace("@@ENCODING@@", () => JSON.stringify(inputs.map((s) => ({ population: s.population, size: s.size, shape: s.shape, ...s.encoding }))))
    .replace("@@NETWORK@@", () => lines.map((l) => `    ${l}`).join("\n"))
    .replace("@@INPUTS@@", () => encodings.join(", "))
    .replace("@@CLOCKS@@", () => clocks.join(", "))
    .replace("@@LIFS@@", () => lifs.join(", "))
    .replace("@@READOUTS@@", () => readouts.join("\n"))
    .replace("@@CONNECTIONS@@", () => plan.connections.map((c) => c.name).join(", "))
    .replace("@@POPULATIONS@@", () => plan.neurons.map((n) => `(${py(n.population)}, "${n.name}")`).join(", "));
  return { text, arrays };
}

/**
 * The program. Its input encoding replicates src/hw/io.ts encodeTick bit for bit (float64 arithmetic, JavaScript's
 * Math.round = floor + (fraction ≥ 0.5)); tests check the formula against ours.
 */
const PROGRAM = String.raw`#!/usr/bin/env python3
@@HEADER@@
"""A TTFS spiking network as Lava processes, run with Lava's bit-accurate fixed-point CPU models.

    python3 network.py --input X.npy --output LOGITS.npy [--spikes SPIKES.npz] [--limit N]

X.npy: float32/float64/uint8 [N, ...input shape] (as spikec simulate). LOGITS.npy: float64 [N, classes] of the
last readout. SPIKES.npz: per population "<name>/sample", "<name>/neuron", "<name>/tick" (every spike, sample-major)
plus "populations" (names in order). On Python 3.11, a lava_py311_shim module on PYTHONPATH is imported first
(Lava pins Python < 3.11; the shim, not part of spikec, patches its dataclasses).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

try:  # Lava pins Python < 3.11; the shim (if present) patches its dataclasses for 3.11
    import lava_py311_shim  # noqa: F401
except ImportError:
    pass

from scipy.sparse import csr_matrix
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var
from lava.magma.core.resources import CPU
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.dense.process import Dense, DelayDense
from lava.proc.io.source import RingBuffer
from lava.proc.lif.process import LIF
from lava.proc.sparse.process import Sparse, DelaySparse
from lava.utils.weightutils import SignMode

HERE = os.path.dirname(os.path.abspath(__file__))
TICKS = @@TICKS@@  # steps per sample; tick t of a sample is Lava time step k*TICKS + t + 1
CPU_INEXACT_PROCESSES = @@INEXACT@@
CPU_CHECK = @@CPU_CHECK@@  # what spikec measured for a CPU run at compile time ("" if not measured)
INPUT_ENCODING = json.loads(r"""@@ENCODING@@""")  # per input population, src/hw/network.ts HwInputEncoding
MAX_SPIKES_LOGGED = 4  # per neuron and sample


def arr(name):
    return np.load(os.path.join(HERE, name + ".npy"))


def raster(name, n):
    return arr(name).astype(np.int32).reshape(n, TICKS)


def dense(name, n_target, n_source):
    w = np.zeros((n_target, n_source), dtype=np.int32)
    w[arr(name + "_post"), arr(name + "_pre")] = arr(name + "_w")
    return w


def sparse(name, n_target, n_source):
    return csr_matrix((arr(name + "_w").astype(np.int32), (arr(name + "_post"), arr(name + "_pre"))), shape=(n_target, n_source))


def delays(name, n_target, n_source, d):
    return csr_matrix((np.full(arr(name + "_w").shape[0], d, dtype=int), (arr(name + "_post"), arr(name + "_pre"))), shape=(n_target, n_source))


class TickSource(AbstractProcess):
    """Single-spike source: neuron i fires at tick ticks[i] of every period-step sample (-1 = never)."""

    def __init__(self, *, size, period, name=None):
        super().__init__(size=size, period=period, name=name)
        self.ticks = Var(shape=(size,), init=-np.ones(size, dtype=np.int32))
        self.s_out = OutPort(shape=(size,))


@implements(proc=TickSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyTickSourceModel(PyLoihiProcessModel):
    ticks: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)

    def run_spk(self):
        t = (self.time_step - 1) % self.proc_params["period"]
        self.s_out.send(self.ticks == t)


class SpikeLog(AbstractProcess):
    """Records the first MAX_SPIKES_LOGGED spike ticks of each neuron per sample (cleared at tick 0)."""

    def __init__(self, *, size, period, depth):
        super().__init__(size=size, period=period, depth=depth)
        self.a_in = InPort(shape=(size,))
        self.ticks = Var(shape=(size, depth), init=-np.ones((size, depth), dtype=np.int32))
        self.count = Var(shape=(size,), init=np.zeros(size, dtype=np.int32))


@implements(proc=SpikeLog, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PySpikeLogModel(PyLoihiProcessModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, bool, precision=1)
    ticks: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    count: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)

    def run_spk(self):
        s = self.a_in.recv().astype(bool)
        t = (self.time_step - 1) % self.proc_params["period"]
        if t == 0:
            self.ticks[:] = -1
            self.count[:] = 0
        idx = np.flatnonzero(s)
        room = idx[self.count[idx] < self.ticks.shape[1]]
        self.ticks[room, self.count[room]] = t
        self.count[idx] += 1


def build():
    """The network: neuron processes, then each connection process and its two connect() calls."""
@@NETWORK@@
    inputs = [@@INPUTS@@]
    clocks = [@@CLOCKS@@]
    lifs = [@@LIFS@@]
    readouts = [  # (population, LIF, tick, scale, offset, relu): logits = scale * v(at the end of tick) + offset, then max(·, 0) if relu
@@READOUTS@@
    ]
    connections = [@@CONNECTIONS@@]
    populations = [@@POPULATIONS@@]
    return inputs, clocks, lifs, readouts, connections, populations


def encode_ticks(x, low, high, first_tick, ticks_per_window, rounding, silent_at_low):
    """spikec's TTFS input encoding (src/hw/io.ts encodeTick), in float64: -1 = no spike."""
    xh = (np.asarray(x, dtype=np.float64) - low) / (high - low)
    xh = np.where(xh > 0, xh, 0.0)  # NaN -> 0
    xh = np.where(xh > 1, 1.0, xh)
    t = (1 - xh) * ticks_per_window
    fl = np.floor(t)
    r = fl if rounding == "floor" else fl + ((t - fl) >= 0.5)  # JavaScript Math.round
    out = first_tick + r.astype(np.int64)
    if silent_at_low:
        out = np.where(xh == 0, -1, out)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run the network in Lava (bit-accurate fixed-point CPU models)")
    ap.add_argument("--input", required=True, help="inputs .npy [N, ...input shape]")
    ap.add_argument("--output", required=True, help="logits .npy (float64 [N, classes])")
    ap.add_argument("--spikes", help="also write every spike tick per population (.npz)")
    ap.add_argument("--limit", type=int, help="only the first N samples")
    args = ap.parse_args(argv)
    if CPU_INEXACT_PROCESSES:
        print(f"warning: {CPU_INEXACT_PROCESSES} connection process(es) have weight_exp < 0 with odd mantissas; Lava's CPU models "
              "floor their summed input, so results can differ from spikec's cycle simulator (see the header)"
              + (f"; {CPU_CHECK}" if CPU_CHECK else ""), file=sys.stderr)
    x = np.load(args.input)
    # As spikec simulate reads inputs: [N, ...input shape] (one input population), finite values.
    sizes = [e["size"] for e in INPUT_ENCODING]
    expected = tuple(INPUT_ENCODING[0]["shape"]) if len(INPUT_ENCODING) == 1 else None
    if expected is not None and tuple(x.shape[1:]) != expected:
        sys.exit(f"{args.input} has shape {list(x.shape)}, but the network expects [N, {', '.join(map(str, expected))}]")
    per_sample = int(np.prod(x.shape[1:]))
    if per_sample != sum(sizes):
        sys.exit(f"{args.input}: a sample has {per_sample} values, but the network's inputs take {sum(sizes)}")
    if not np.isfinite(x).all():
        sys.exit(f"{args.input} contains NaN or infinite values; replace them (e.g. numpy.nan_to_num) and save it again")
    n = x.shape[0] if args.limit is None else min(args.limit, x.shape[0])
    x = x.reshape(x.shape[0], per_sample)

    inputs, clocks, lifs, readouts, connections, populations = build()
    logs = {}
    if args.spikes:
        for lif, name in lifs:
            logs[name] = SpikeLog(size=lif.a_in.shape[0], period=TICKS, depth=MAX_SPIKES_LOGGED)
            lif.s_out.connect(logs[name].a_in)
    initial = [(lif, arr(name + "_u"), arr(name + "_v")) for lif, name in lifs]
    run_cfg = Loihi2SimCfg(select_tag="fixed_pt")
    stops = sorted({r[2] + 1 for r in readouts} | {TICKS})
    last = readouts[-1]
    logits = np.zeros((n, last[1].v.shape[0]))
    spikes = {name: ([], [], []) for _, name in populations}
    runner = inputs[0][0] if inputs else lifs[0][0]
    started = False
    t0 = time.time()
    for k in range(n):
        at = 0
        for (src, name), e in zip(inputs, INPUT_ENCODING):
            ticks = encode_ticks(x[k, at:at + e["size"]], e["low"], e["high"], e["firstTick"], e["ticksPerWindow"], e["rounding"], e["silentAtLow"])
            at += e["size"]
            if started:
                src.ticks.set(ticks.astype(np.int32))
            else:
                src.ticks.init = ticks.astype(np.int32)
            if args.spikes:
                fired = np.flatnonzero(ticks >= 0)
                record(spikes[name], k, fired, ticks[fired])
        for name in clocks if args.spikes else []:
            neuron, tick = np.nonzero(raster(name + "_raster", arr(name + "_raster").shape[0]))
            record(spikes[name], k, neuron, tick)
        if started:  # a new sample: initial u, v and empty synaptic buffers
            for lif, u0, v0 in initial:
                lif.u.set(u0)
                lif.v.set(v0)
            for c in connections:
                c.a_buff.set(np.zeros(c.a_buff.shape, dtype=np.int32))
        done = 0
        for stop in stops:
            runner.run(condition=RunSteps(num_steps=stop - done), run_cfg=run_cfg)
            started = True
            done = stop
            if last[2] + 1 == stop:
                v = last[1].v.get()
                logits[k] = last[3] * v + (last[4] if last[4] is not None else 0)
                if last[5]:
                    logits[k] = np.maximum(logits[k], 0)
        for lif, name in lifs if args.spikes else []:
            log = logs[name]
            ticks, count = log.ticks.get().astype(np.int64), log.count.get().astype(np.int64)
            if count.max(initial=0) > MAX_SPIKES_LOGGED:
                print(f"warning: {name} sample {k}: a neuron spiked {count.max()} times; only {MAX_SPIKES_LOGGED} logged", file=sys.stderr)
            for j in range(ticks.shape[1]):
                fired = np.flatnonzero(count > j)
                record(spikes[name], k, fired, ticks[fired, j])
        print(f"sample {k + 1}/{n}: {time.time() - t0:.1f} s", file=sys.stderr, flush=True)
    if started:
        runner.stop()
    elapsed = time.time() - t0
    np.save(args.output, logits)
    if args.spikes:
        out = {"populations": np.array([p for p, _ in populations])}
        for p, name in populations:
            s, i, t = (np.concatenate(a) if a else np.zeros(0, dtype=np.int64) for a in spikes[name])
            order = np.lexsort((i, t, s))  # by sample, then tick, then neuron
            out[p + "/sample"], out[p + "/neuron"], out[p + "/tick"] = s[order], i[order], t[order]
        np.savez(args.spikes, **out)
    print(json.dumps({"samples": n, "ticks": TICKS, "seconds": elapsed, "msPerSample": 1000 * elapsed / max(n, 1)}))


def record(acc, k, neurons, ticks):
    acc[0].append(np.full(len(neurons), k, dtype=np.int64))
    acc[1].append(np.asarray(neurons, dtype=np.int64))
    acc[2].append(np.asarray(ticks, dtype=np.int64))


if __name__ == "__main__":
    main()
`;
