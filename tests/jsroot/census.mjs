// node census.mjs FILE.root [--no-values]
//
// Everything JSROOT sees in a ROOT file, as one JSON object on stdout, for comparing a file with
// what baler writes back (bench/root_census.py):
//   "keys":    [{"path", "class", "cycle", "title"}, ...] every key of every directory
//   "objects": {"path;cycle": {"class", "digest"} | {"class", "error"}} every key that is
//              neither a directory nor a tree: the SHA-256 of JSROOT's JSON of the object
//   "trees":   {"path;cycle": {"class", "entries", "branches": {NAME: {"type", "title",
//              "leaves", "subbranches", "digest"}}, "unread": {NAME: why}}} every TTree (its
//              top-level branches, each with the digest of its values as dump.mjs writes them)
//              and RNTuple (its top-level fields in "branches")
// A key JSROOT cannot read gets "error"; the exit status is 0 whenever the file opens.
// --no-values: branches without digests (JSROOT 7.11 aborts the whole process on some branches
// it cannot decode; the census then compares the structure alone).
import { createHash } from 'node:crypto';
import { openFile } from 'jsroot/io';
import { json, errorText, branchType, dumpTree, dumpRNTuple } from './dump.mjs';

const digest = text => createHash('sha256').update(text).digest('hex');
let withValues = true;

// JSON of an object JSROOT read: BigInt as digits, an object met again as its first path.
function objectText(obj) {
  const seen = new Map();
  const walk = (v, path) => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return { $ref: seen.get(v) };
    seen.set(v, path);
    if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v, (x, i) => walk(x, `${path}/${i}`));
    const o = {};
    for (const k of Object.keys(v)) o[k] = walk(v[k], `${path}/${k}`);
    return o;
  };
  return JSON.stringify(walk(obj, ''));
}

function countBranches(br) {
  let n = 0;
  for (const b of br.fBranches?.arr ?? []) n += 1 + countBranches(b);
  return n;
}

async function describeTree(obj, name) {
  const isNtuple = obj._typename === 'ROOT::RNTuple' || obj._typename === 'ROOT::Experimental::RNTuple';
  if (withValues) {
    try {
      return await describeTreeWith(obj, name, isNtuple, true);
    } catch (e) {  // JSROOT cannot read the values of this tree: its structure alone
      const out = await describeTreeWith(obj, name, isNtuple, false);
      out.values_error = errorText(e);
      return out;
    }
  }
  return describeTreeWith(obj, name, isNtuple, withValues);
}

async function describeTreeWith(obj, name, isNtuple, withValues) {
  if (!withValues && !isNtuple) {  // the structure alone: every top-level branch
    const out = { class: obj._typename, entries: Number(obj.fEntries), branches: {}, unread: {} };
    for (const b of obj.fBranches?.arr ?? [])
      out.branches[b.fName] = { type: branchType(b), title: b.fTitle, leaves: (b.fLeaves?.arr ?? []).map(l => l.fName),
                                subbranches: countBranches(b), digest: null };
    return out;
  }
  const d = isNtuple ? await dumpRNTuple(obj, name, withValues ? [] : ['\u0000none']) : await dumpTree(obj, []);
  const values = isNtuple ? d.fields : d.branches;
  // A TTree branch with fewer values than entries was not read by JSROOT (dump.mjs read it alone
  // too): it has no digest, and its structure is compared.
  if (!isNtuple)
    for (const n of Object.keys(values))
      if (Array.isArray(values[n]) && values[n].length !== Number(d.entries)) delete values[n];
  const out = { class: obj._typename, entries: d.entries, branches: {}, unread: d.unread };
  const byName = new Map((obj.fBranches?.arr ?? []).map(b => [b.fName, b]));
  for (const n of Object.keys(d.types)) {
    const br = byName.get(n);
    out.branches[n] = {
      type: d.types[n],
      title: d.titles?.[n] ?? '',
      leaves: d.leaves?.[n] ?? [],
      subbranches: br ? countBranches(br) : 0,
      digest: n in values ? digest(json(values[n])) : null,
    };
  }
  return out;
}

async function walk(file, dir, prefix, out, depth) {
  if (depth > 32) throw new Error(`directories nested deeper than 32 at '${prefix}'`);
  for (const k of dir.fKeys) {
    const path = prefix + k.fName;
    out.keys.push({ path, class: k.fClassName, cycle: k.fCycle, title: k.fTitle });
    const id = `${path};${k.fCycle}`;
    try {
      if (k.fClassName === 'TDirectory' || k.fClassName === 'TDirectoryFile') {
        const sub = await file.readDirectory(path, k.fCycle);
        await walk(file, sub, path + '/', out, depth + 1);
        continue;
      }
      const obj = await file.readObject(path, k.fCycle);
      if (!obj) throw new Error('JSROOT returned nothing');
      if (obj.fBranches || obj._typename === 'ROOT::RNTuple' || obj._typename === 'ROOT::Experimental::RNTuple') {
        out.trees[id] = await describeTree(obj, path);
        continue;
      }
      out.objects[id] = { class: k.fClassName, digest: digest(objectText(obj)) };
    } catch (e) {
      const what = { class: k.fClassName, error: errorText(e) };
      if (/^(TTree|TNtuple|TNtupleD|ROOT::.*RNTuple)$/.test(k.fClassName)) out.trees[id] = what;
      else out.objects[id] = what;
    }
  }
}

async function main() {
  const [name, flag] = process.argv.slice(2);
  withValues = flag !== '--no-values';
  if (!name) {
    process.stderr.write('usage: node census.mjs FILE.root\n');
    return 2;
  }
  const file = await openFile(name);
  const out = { keys: [], objects: {}, trees: {} };
  await walk(file, file, '', out, 0);
  process.stdout.write(JSON.stringify(out) + '\n');
  return 0;
}

main().then(rc => { process.exitCode = rc; }, e => {
  process.stderr.write(`census.mjs: ${errorText(e)}\n`);
  process.exitCode = 1;
});
