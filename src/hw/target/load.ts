/**
 * Reads a target description (targets/<id>.xml or any path): parse the XML with fast-xml-parser, validate the
 * object it makes against schemas/target.schema.json (ajv, JSON Schema 2020-12), check the rules a schema cannot
 * state (min ≤ max, mantissas that fit their bits), and convert it to a typed `Target`.
 *
 * Parser contract (the schema is written against it): attributes come out without a prefix; attribute values
 * that look like numbers become numbers and "true"/"false" become booleans, except the free-text attributes
 * in TEXT_ATTRIBUTES; elements that may repeat are always arrays (REPEATED_ELEMENTS); comments are dropped.
 */
import { notRegularFile } from "../../io/regular-file.js";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { InputError } from "../../util/errors.js";
import type {
  Confidence,
  CoreClass,
  EnergyCoefficient,
  IntRange,
  MemoryModel,
  NeuronKind,
  Provenance,
  SignMode,
  Target,
  WeightRange,
} from "./target.js";

/** Attributes that always stay strings (free text, names, references). */
const TEXT_ATTRIBUTES = new Set(["src", "note", "unit", "confidence", "ref", "key", "name", "vendor", "id", "kind", "form", "mode", "register", "net"]);
/** Elements that may repeat, by their dotted path: always parsed as arrays. */
const REPEATED_ELEMENTS = new Set([
  "target.sources.source",
  "target.coreClass",
  "target.coreClass.memoryModel.budget",
  "target.synapse.weightRange",
  "target.energy.coefficient",
  "target.energy.example",
]);
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function makeParser(): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    ignoreDeclaration: true,
    ignorePiTags: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    attributeValueProcessor: (name: string, value: string) => {
      if (TEXT_ATTRIBUTES.has(name)) return value;
      // 1e400 reads as Infinity: left a string, so the schema refuses it as not a number.
      if (NUMBER.test(value) && Number.isFinite(Number(value))) return Number(value);
      if (value === "true" || value === "false") return value === "true";
      return value;
    },
    isArray: (_tag: string, jPath: unknown, _leaf: boolean, isAttribute: boolean) =>
      !isAttribute && typeof jPath === "string" && REPEATED_ELEMENTS.has(jPath),
  });
}

/** The package root (holding package.json, targets/ and schemas/), found from this module: works from src/ and dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && existsSync(join(dir, "targets"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`spikec package root not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

const targetsDir = (): string => join(packageRoot(), "targets");

let validator: ValidateFunction | null = null;
function schemaValidator(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(readFileSync(join(packageRoot(), "schemas", "target.schema.json"), "utf8")) as object;
    validator = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
  }
  return validator;
}

/** Ids of the bundled targets (targets/*.xml), sorted. */
export function bundledTargetIds(): string[] {
  return readdirSync(targetsDir())
    .filter((f) => f.endsWith(".xml"))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** Every bundled target, loaded and validated. */
export function listTargets(): Target[] {
  return bundledTargetIds().map((id) => loadTarget(id));
}

/** Whether the target was read from the bundled targets/ folder (then its id finds it again). */
export function isBundledTarget(target: Target): boolean {
  return resolve(target.file) === join(targetsDir(), `${target.id}.xml`);
}

/** A bundled id ("loihi2") or a path to an XML file ("chips/mychip.xml"). */
export function loadTarget(idOrPath: string): Target {
  const looksLikePath = idOrPath.includes("/") || idOrPath.includes("\\") || idOrPath.endsWith(".xml");
  const file = looksLikePath ? resolve(idOrPath) : join(targetsDir(), `${idOrPath}.xml`);
  if (!existsSync(file)) {
    throw new InputError(
      looksLikePath ? `target file ${file} does not exist` : `unknown target '${idOrPath}'`,
      `use one of the bundled targets (${bundledTargetIds().join(", ")}) or a path to a target XML file`,
    );
  }
  let xml: string;
  try {
    const what = notRegularFile(statSync(file));
    if (what !== null) throw new InputError(`target file ${file} is ${what}, not a target XML file`, `pass the path of a target XML file, or a bundled target id (${bundledTargetIds().join(", ")})`);
    xml = readFileSync(file, "utf8");
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read target file ${file}: ${(e as Error).message}`, "check the path and that the file is readable");
  }
  return parseTarget(xml, file);
}

/** Parses, validates and converts the text of a target XML file; `file` is used in messages. */
export function parseTarget(xml: string, file: string): Target {
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) {
    const { msg, line, col } = wellFormed.err;
    // The validator gives no column for some errors (an empty file); print only what it knows.
    const where = col === undefined ? `${file}:${line}` : `${file}:${line}:${col}`;
    throw new InputError(`${where}: not well-formed XML: ${msg}${xml.trim() === "" ? " (the file is empty)" : ""}`, "fix the XML syntax (an editor with XML checking helps)");
  }
  let doc: unknown;
  try {
    doc = makeParser().parse(xml);
  } catch (e) {
    // The parser refuses what it will not expand (external entities, among others): not a crash, a bad file.
    throw new InputError(`${file}: ${(e as Error).message} (rule: target files are plain XML without external entities)`, "remove the DOCTYPE's entity declarations and write the values in place");
  }
  const validate = schemaValidator();
  if (!validate(doc)) throw schemaError(file, doc, validate.errors ?? []);
  return new TargetReader(file, (doc as { target: Node }).target).read();
}

// ---------------------------------------------------------------------------------------------------------------
// Error messages: JSON pointer → XML element path.

/** "/target/coreClass/0/maxNeurons/value" → { element: "target/coreClass[1]/maxNeurons", attribute: "value" }. */
function xmlLocation(doc: unknown, pointer: string): { element: string; attribute: string | null } {
  const parts = pointer.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  const element: string[] = [];
  let node: unknown = doc;
  let attribute: string | null = null;
  for (const part of parts) {
    const next: unknown = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
    if (Array.isArray(node)) {
      element[element.length - 1] += `[${Number(part) + 1}]`;
    } else if (next !== null && typeof next === "object") {
      element.push(part);
    } else {
      attribute = part;
    }
    node = next;
  }
  return { element: element.join("/"), attribute };
}

const ATTRIBUTE_NAMES = new Set([...TEXT_ATTRIBUTES, "value", "min", "max", "step", "kMin", "kMax", "jMin", "jMax", "ids"]);

function describeSchemaError(doc: unknown, e: ErrorObject): string {
  const { element, attribute } = xmlLocation(doc, e.instancePath);
  const where = attribute ? `<${element}> attribute '${attribute}'` : `<${element}>`;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required": {
      const missing = String(params.missingProperty);
      return ATTRIBUTE_NAMES.has(missing)
        ? `${where}: attribute '${missing}' is missing (rule: required)`
        : `${where}: element <${missing}> is missing (rule: required)`;
    }
    case "additionalProperties":
      return `${where}: unknown element or attribute '${String(params.additionalProperty)}' (rule: no additional properties)`;
    case "enum":
      return `${where}: ${e.message} ${JSON.stringify(params.allowedValues)} (rule: enum)`;
    case "type": {
      // An element written twice reaches the schema as a list of both.
      const value = e.instancePath.split("/").slice(1).reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
      if (Array.isArray(value) && params.type === "object") return `${where}: the element appears ${value.length} times (rule: once)`;
      return `${where}: ${e.message ?? "invalid"} (rule: type)`;
    }
    default:
      return `${where}: ${e.message ?? "invalid"} (rule: ${e.keyword})`;
  }
}

function schemaError(file: string, doc: unknown, errors: ErrorObject[]): InputError {
  // if/then and anyOf add a summary error after the specific ones; the specific ones say more.
  const useful = errors.filter((e) => e.keyword !== "if" && e.keyword !== "anyOf");
  const lines = [...new Set((useful.length > 0 ? useful : errors).map((e) => describeSchemaError(doc, e)))];
  const shown = lines.slice(0, 6).map((l) => `  ${l}`);
  if (lines.length > 6) shown.push(`  … and ${lines.length - 6} more`);
  return new InputError(
    `target file ${file} does not match schemas/target.schema.json:\n${shown.join("\n")}`,
    "compare with a bundled target (targets/loihi1.xml) and the schema; every leaf needs value (or min/max), src and confidence",
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Conversion of the validated object to a Target, collecting provenance on the way.

type Node = Record<string, unknown>;

class TargetReader {
  private readonly provenance: Record<string, Provenance> = {};

  constructor(
    private readonly file: string,
    private readonly root: Node,
  ) {}

  private fail(element: string, rule: string): never {
    throw new InputError(
      `target file ${this.file}: <target/${element}>: ${rule}`,
      "fix the value in the target file; docs/targets.md describes every element, and each bundled file gives its numbers' sources (src=…)",
    );
  }

  private node(path: string): Node | undefined {
    let n: unknown = this.root;
    for (const p of path.split(".")) n = n !== null && typeof n === "object" ? (n as Node)[p] : undefined;
    return n === undefined ? undefined : (n as Node);
  }

  /** Keys declared in <sources>, which every part of a `src` attribute starts with. */
  private declared: Set<string> | null = null;

  private record(key: string, n: Node): void {
    this.declared ??= new Set(((this.node("sources")?.source as Node[] | undefined) ?? []).map((s) => String(s.key)));
    const src = String(n.src);
    for (const part of src.split(";")) {
      const cited = /^\s*([A-Za-z0-9_-]+)/.exec(part)?.[1];
      if (cited === undefined || !this.declared.has(cited))
        throw new InputError(
          `target file ${this.file}: <target/${key.replace(/\.(\d+)/g, (_, i: string) => `[${Number(i) + 1}]`).replace(/\./g, "/")}>: src "${src}": "${part.trim()}" ` +
            `does not start with a key declared in <sources> (declared: ${[...this.declared].join(", ") || "none"}) (rule: src cites a source)`,
          'start each ;-separated part of src with a source key, and declare new sources as <source key="…" ref="repository @ commit, or a document"/>',
        );
    }
    const p: Provenance = { src, confidence: n.confidence as Confidence };
    if (typeof n.note === "string") p.note = n.note;
    this.provenance[key] = p;
  }

  /** A leaf's value (schema-checked type), recording its provenance under `key` (default: its path). */
  private leaf<T>(path: string, key = path): T | null {
    const n = this.node(path);
    if (!n) return null;
    this.record(key, n);
    return n.value as T;
  }

  private num(path: string): number {
    const v = this.leaf<number>(path);
    if (v === null) this.fail(path.replace(/\./g, "/"), "element is missing (rule: required)");
    return v;
  }

  private optNum(path: string): number | null {
    return this.leaf<number>(path);
  }

  private text<T extends string>(path: string): T {
    return String(this.leaf<string>(path) ?? "") as T;
  }

  private tokens(path: string): string[] {
    const v = this.leaf<string | number>(path);
    return v === null ? [] : String(v).split(/\s+/).filter((s) => s.length > 0);
  }

  private ints(n: Node, key: string): number[] {
    this.record(key, n);
    return String(n.value).split(/\s+/).map(Number);
  }

  private range(path: string): IntRange | null {
    const n = this.node(path);
    if (!n) return null;
    this.record(path, n);
    const r = { min: n.min as number, max: n.max as number };
    if (r.min > r.max) this.fail(path.replace(/\./g, "/"), `min ${r.min} > max ${r.max} (rule: min ≤ max)`);
    return r;
  }

  read(): Target {
    const r = this.root;
    const sources: Record<string, string> = {};
    for (const s of (this.node("sources")?.source as Node[]) ?? []) sources[String(s.key)] = String(s.ref);

    const coreClasses = (r.coreClass as Node[]).map((_, i) => this.coreClass(i));
    const state = {
      uBits: this.num("neuron.state.uBits"),
      vBits: this.num("neuron.state.vBits"),
      qBits: this.optNum("neuron.state.qBits"),
      uOverflow: this.text<"wrap" | "saturate">("neuron.state.uOverflow"),
      qOverflow: this.leaf<"wrap" | "saturate">("neuron.state.qOverflow"),
    };
    const threshold = {
      mantissaBits: this.num("neuron.threshold.mantissaBits"),
      mantissaMin: this.num("neuron.threshold.mantissaMin"),
      mantissaMax: this.num("neuron.threshold.mantissaMax"),
      shift: this.num("neuron.threshold.shift"),
      compare: this.text<"gt" | "ge">("neuron.threshold.compare"),
    };
    const vLimit = 2 ** (state.vBits - 1) - 1;
    if (threshold.mantissaMax >= 2 ** threshold.mantissaBits)
      this.fail("neuron/threshold/mantissaMax", `${threshold.mantissaMax} does not fit ${threshold.mantissaBits} bits (rule: mantissaMax < 2^mantissaBits)`);
    if (threshold.mantissaMin > threshold.mantissaMax)
      this.fail("neuron/threshold/mantissaMin", `${threshold.mantissaMin} > mantissaMax ${threshold.mantissaMax} (rule: min ≤ max)`);
    if (threshold.mantissaMax * 2 ** threshold.shift > vLimit)
      this.fail("neuron/threshold/mantissaMax", `mantissaMax << shift exceeds the ${state.vBits}-bit v register (rule: threshold fits v)`);
    const bias = {
      mantissaBits: this.num("neuron.bias.mantissaBits"),
      mantissaMax: this.num("neuron.bias.mantissaMax"),
      expMin: this.num("neuron.bias.expMin"),
      expMax: this.num("neuron.bias.expMax"),
      entersState: this.text<"u" | "v">("neuron.bias.entersState"),
    };
    if (bias.mantissaMax >= 2 ** (bias.mantissaBits - 1))
      this.fail("neuron/bias/mantissaMax", `${bias.mantissaMax} does not fit a signed ${bias.mantissaBits}-bit field (rule: mantissaMax < 2^(mantissaBits−1))`);
    if (bias.expMin > bias.expMax) this.fail("neuron/bias/expMin", `expMin ${bias.expMin} > expMax ${bias.expMax} (rule: min ≤ max)`);

    const models = this.tokens("neuron.models") as NeuronKind[];
    const programmable = this.leaf<boolean>("neuron.programmable") === true;
    if (models.includes("two-phase-b1") && !programmable)
      this.fail("neuron/models", "two-phase-b1 needs a programmable neuron (rule: programmable = true)");

    const usable = this.num("chip.usableCoresPerChip");
    const cores = this.num("chip.coresPerChip");
    if (usable > cores) this.fail("chip/usableCoresPerChip", `${usable} > coresPerChip ${cores} (rule: usable ≤ total)`);
    this.checkCoreClasses(coreClasses, cores);

    return {
      id: String(r.id),
      name: String(r.name),
      vendor: String(r.vendor),
      file: this.file,
      sources,
      timing: {
        mode: this.text("timing.mode"),
        synapticLatency: this.num("timing.synapticLatency"),
        resetInterval: this.text("timing.resetInterval"),
      },
      chip: { coresPerChip: cores, usableCoresPerChip: usable, maxChips: this.optNum("chip.maxChips"), embeddedCpus: this.optNum("chip.embeddedCpus") },
      coreClasses,
      neuron: {
        models,
        programmable,
        psp: this.text("neuron.psp"),
        state,
        decay: {
          bits: this.num("neuron.decay.bits"),
          unity: this.num("neuron.decay.unity"),
          offsetU: this.num("neuron.decay.offsetU"),
          offsetV: this.num("neuron.decay.offsetV"),
          rounding: this.text("neuron.decay.rounding"),
        },
        threshold,
        bias,
        vmaxChoices: this.vmaxChoices(vLimit),
        vminChoices: this.vminChoices(vLimit),
        reset: this.text("neuron.reset"),
        refractory: this.range("neuron.refractory"),
        maxSpikesPerTick: this.num("neuron.maxSpikesPerTick"),
        singleSpikeMechanisms: this.tokens("neuron.singleSpikeMechanisms"),
      },
      synapse: this.synapse(),
      energy: this.energy(),
      provenance: this.provenance,
    };
  }

  /**
   * The placer gives every core the same budgets: one class covering every core. Several classes (heterogeneous
   * cores, as Speck's) are refused rather than placed with the first class's budgets.
   */
  private checkCoreClasses(classes: CoreClass[], cores: number): void {
    if (classes.length > 1)
      this.fail(
        "coreClass[2]",
        `${classes.length} core classes; spikec places every core with the same budgets and does not place heterogeneous cores yet (rule: one coreClass, ids="all")`,
      );
    const ids = classes[0]!.ids;
    if (ids === "all") return;
    const bad = ids.find((x) => !Number.isInteger(x) || x < 0 || x >= cores);
    if (bad !== undefined) this.fail("coreClass[1]", `ids lists core ${bad}, not a core id of a ${cores}-core chip (rule: 0 ≤ id < coresPerChip)`);
    if (new Set(ids).size !== cores)
      this.fail("coreClass[1]", `ids lists ${new Set(ids).size} of the chip's ${cores} cores; the only class must cover every core (rule: ids="all" or every id 0..${cores - 1})`);
  }

  private coreClass(i: number): CoreClass {
    const at = (name: string) => `coreClass.${i}.${name}`;
    const n = (name: string) => this.leaf<number>(at(name));
    const ids = (this.root.coreClass as Node[])[i]!.ids;
    const maxNeurons = n("maxNeurons");
    if (maxNeurons === null) this.fail(`coreClass[${i + 1}]/maxNeurons`, "element is missing (rule: required)");
    return {
      ids: ids === "all" ? "all" : String(ids).split(/\s+/).map(Number),
      maxNeurons,
      maxInputAxons: n("maxInputAxons"),
      maxOutputAxonSlots: n("maxOutputAxonSlots"),
      maxNeuronGroups: n("maxNeuronGroups"),
      profiles: { compartment: n("profiles.compartment"), threshold: n("profiles.threshold"), synapseFormat: n("profiles.synapseFormat") },
      sharedPerCore: this.tokens(at("sharedPerCore")),
      updateGroupSize: n("updateGroupSize"),
      memoryModel: this.memoryModel(i),
    };
  }

  private memoryModel(i: number): MemoryModel {
    const path = `coreClass.${i}.memoryModel`;
    const m = this.node(path)!;
    this.record(path, m);
    if (m.kind === "lava-units") {
      const budgets: Record<string, number> = {};
      for (const b of m.budget as Node[]) {
        budgets[String(b.register)] = b.value as number;
        this.record(`${path}.budget.${String(b.register)}`, b);
      }
      const opt = (name: string) => this.leaf<number>(`${path}.${name}`);
      return { kind: "lava-units", budgets, unitBits: opt("unitBits"), entriesPerBlock: opt("entriesPerBlock"), blockHeaderBits: opt("blockHeaderBits") };
    }
    const n = (name: string) => this.leaf<number>(`${path}.${name}`) as number;
    return {
      kind: "loihi1-synmem",
      totalBits: n("totalBits"),
      wordBits: n("wordBits"),
      entriesPerBlock: n("entriesPerBlock"),
      blockHeaderBits: n("blockHeaderBits"),
      weightBitsCodes: this.ints(m.weightBitsCodes as Node, `${path}.weightBitsCodes`),
      idxBitsCodes: this.ints(m.idxBitsCodes as Node, `${path}.idxBitsCodes`),
      tagBitsMax: n("tagBitsMax"),
      delayBitsMax: n("delayBitsMax"),
      learningAxonIdsPerInput: n("learningAxonIdsPerInput"),
      pop32OutputSlots: n("pop32OutputSlots"),
      popCompartmentBaseMax: n("popCompartmentBaseMax"),
      pop16BaseMultiple: n("pop16BaseMultiple"),
      pop16AtomBitsMax: n("pop16AtomBitsMax"),
      delayRingSlots: this.leaf<number>(`${path}.delayRingSlots`),
    };
  }

  private vmaxChoices(vLimit: number): number[] {
    const n = this.node("neuron.vmax")!;
    this.record("neuron.vmax", n);
    let choices: number[];
    if (n.form === "fixed") choices = [n.value as number];
    else {
      const [k0, k1] = [n.kMin as number, n.kMax as number];
      if (k0 > k1) this.fail("neuron/vmax", `kMin ${k0} > kMax ${k1} (rule: min ≤ max)`);
      choices = [];
      for (let k = k0; k <= k1; k++) choices.push(2 ** (9 + 2 * k) - 1);
    }
    if (choices[choices.length - 1]! > vLimit) this.fail("neuron/vmax", `${choices[choices.length - 1]} exceeds the v register's ${vLimit} (rule: vmax fits v)`);
    return choices;
  }

  private vminChoices(vLimit: number): number[] {
    const n = this.node("neuron.vmin")!;
    this.record("neuron.vmin", n);
    let choices: number[];
    if (n.form === "fixed") choices = [n.value as number];
    else {
      const [j0, j1] = [n.jMin as number, n.jMax as number];
      if (j0 > j1) this.fail("neuron/vmin", `jMin ${j0} > jMax ${j1} (rule: min ≤ max)`);
      choices = [];
      for (let j = j0; j <= j1; j++) choices.push(0 - (2 ** j - 1)); // 0 − …, not −(…): no −0 for j = 0
    }
    if (choices[choices.length - 1]! < -vLimit) this.fail("neuron/vmin", `${choices[choices.length - 1]} is below the v register's −${vLimit} (rule: vmin fits v)`);
    return choices;
  }

  private synapse(): Target["synapse"] {
    const signModes = this.tokens("synapse.signModes") as SignMode[];
    const weightRanges: Partial<Record<SignMode, WeightRange>> = {};
    ((this.node("synapse")!.weightRange as Node[]) ?? []).forEach((w, i) => {
      const mode = w.mode as SignMode;
      this.record(`synapse.weightRanges.${mode}`, w);
      if ((w.min as number) > (w.max as number)) this.fail(`synapse/weightRange[${i + 1}]`, `min ${String(w.min)} > max ${String(w.max)} (rule: min ≤ max)`);
      weightRanges[mode] = { min: w.min as number, max: w.max as number, step: w.step as number };
    });
    for (const mode of signModes) if (!weightRanges[mode]) this.fail("synapse/signModes", `sign mode '${mode}' has no <weightRange mode="${mode}"> (rule: every sign mode has a range)`);
    return {
      weightBits: this.num("synapse.weightBits"),
      signModes,
      weightRanges,
      weightExponent: this.range("synapse.weightExponent"),
      weightShift: this.num("synapse.weightShift"),
      perSynapseClip: this.optNum("synapse.perSynapseClip"),
      delay: this.range("synapse.delay"),
      gradedSpikeBits: this.num("synapse.gradedSpikeBits"),
    };
  }

  private energy(): EnergyCoefficient[] {
    const coefficients = (this.node("energy")?.coefficient as Node[] | undefined) ?? [];
    return coefficients.map((c) => {
      this.record(`energy.${String(c.name)}`, c);
      return { name: String(c.name), value: c.value as number, unit: String(c.unit) };
    });
  }
}
