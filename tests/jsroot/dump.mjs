// node dump.mjs FILE.root OBJECT [NAME ...]
// node dump.mjs FILE.root --list
//
// Reads one TTree (also TNtuple) or RNTuple with JSROOT, an independent reader of ROOT files,
// and prints it as one JSON object on stdout:
//   --list:  {"keys": [{"name", "class", "cycle"}, ...]}: the file's top-level keys
//   TTree:   {"class", "name", "title", "entries", "branches": {NAME: [one value per entry]},
//             "types": {NAME: "float32[3]", ...}, "unread": {NAME: reason}, "notes": [...]}
//             "titles": {NAME: "Jet_Px[NJet]/F"}, "leaves": {NAME: ["Jet_Px", ...]} (leaf names)
//   RNTuple: the same with "fields" instead of "branches" ("types" holds the field's declared
//            type name, "(untyped collection)" / "(untyped record)" for the importer's), plus
//            "members": {COLLECTION: {MEMBER: type}} for a collection of a record, and
//            "projections": {NAME: {"source": top-level field, "type": type}} for projected
//            fields (aliases of another field's columns: cardinalities such as nMuon, RVec views).
// NAMEs restrict the output to those top-level branches or fields (default: all of them).
//
// Values: a scalar is a number (bool: true/false); a fixed-size array, a jagged (counted)
// array or a collection is an array per entry; a string is a string; a leaf list or a record
// is an object. Integers are written with all their digits: JSROOT returns 64-bit integers
// beyond 2^53 as BigInt and they are printed as plain JSON integers, so a reader with exact
// integers (Python's json) gets them exactly; a JavaScript JSON.parse would round them.
// Floats are written in the shortest form that reads back to the same double (float32 values
// are exact doubles), NaN and infinities as the tokens NaN, Infinity, -Infinity (Python's
// json reads them), negative zero as -0.0.
//
// A branch or field that JSROOT fails to read is left out of "branches"/"fields" and listed
// in "unread" with JSROOT's error; the exit status is 0 as long as the file and the object
// could be read. Run it from the folder where npm installed jsroot (the test copies it there).
import { pathToFileURL } from 'node:url';
import { openFile } from 'jsroot/io';
import { TSelector, treeProcess } from 'jsroot/tree';
import { readHeaderFooter, rntupleProcess } from 'jsroot/rntuple';

// ---- JSON writing (exact numbers) ----
function num(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0.0';
  return JSON.stringify(v);
}

function json(v) {
  switch (typeof v) {
    case 'number': return num(v);
    case 'bigint': return v.toString();
    case 'boolean': return v ? 'true' : 'false';
    case 'string': return JSON.stringify(v);
    case 'undefined': return 'null';
    default: break;
  }
  if (v === null) return 'null';
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const parts = new Array(v.length);
    for (let i = 0; i < v.length; ++i) parts[i] = json(v[i]);
    return '[' + parts.join(',') + ']';
  }
  const parts = [];
  for (const k of Object.keys(v)) {
    if (k === '_typename') continue;  // JSROOT's class tag on records
    parts.push(JSON.stringify(k) + ':' + json(v[k]));
  }
  return '{' + parts.join(',') + '}';
}

// A value JSROOT hands to the selector may be reused for the next entry: keep a deep copy.
function copy(v) {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v, copy);
  const o = {};
  for (const k of Object.keys(v)) o[k] = copy(v[k]);
  return o;
}

function errorText(e) {
  return String(e?.message ?? e).split('\n')[0].slice(0, 300);
}

// Runs process(selector) over the given names; a name whose reading throws is dropped (and
// reported) after trying each name alone on the first entry.
async function readAll(names, process, unread) {
  const run = async (list, args) => {
    const sel = new TSelector();
    const values = {};
    for (const n of list) {
      sel.addBranch(n, n);
      values[n] = [];
    }
    sel.Process = function () {
      for (const n of list) values[n].push(copy(this.tgtobj[n]));
    };
    await process(sel, args);
    return values;
  };
  if (!names.length) return {};
  try {
    return await run(names);
  } catch (e) {
    const good = [];
    for (const n of names) {
      try {
        await run([n], { numentries: 1 });
        good.push(n);
      } catch (e1) {
        unread[n] = 'JSROOT: ' + errorText(e1);
      }
    }
    if (good.length === names.length) throw e;  // fails only together: not a per-name problem
    return good.length ? run(good) : {};
  }
}

// ---- TTree ----
const leafTypes = {
  TLeafO: ['bool', 'bool'], TLeafB: ['int8', 'uint8'], TLeafS: ['int16', 'uint16'],
  TLeafI: ['int32', 'uint32'], TLeafL: ['int64', 'uint64'], TLeafG: ['int64', 'uint64'],
  TLeafF: ['float32', 'float32'], TLeafD: ['float64', 'float64'], TLeafC: ['string', 'string'],
};

function leafType(leaf) {
  const t = leafTypes[leaf._typename];
  let s = t ? t[leaf.fIsUnsigned ? 1 : 0] : leaf._typename;
  if (leaf.fLeafCount) s += `[${leaf.fLeafCount.fName}]`;
  else if (leaf.fLen > 1 && leaf._typename !== 'TLeafC') s += `[${leaf.fLen}]`;
  return s;
}

function branchType(br) {
  const leaves = br.fLeaves?.arr ?? [];
  if (br._typename !== 'TBranch') return br.fClassName ? `${br._typename} ${br.fClassName}` : br._typename;
  if (leaves.length === 1) return leafType(leaves[0]);
  return '{' + leaves.map(l => `${l.fName}: ${leafType(l)}`).join(', ') + '}';
}

// JSROOT reads a fixed array of signed char (TLeafB, `char x[3]`) as a C string: the bytes up
// to the first zero. Turn it back into the int8 values it holds (shorter than the array when a
// zero byte stopped it).
function charArrayFix(br) {
  const leaves = br.fLeaves?.arr ?? [];
  if (leaves.length !== 1) return null;
  const l = leaves[0];
  if (l._typename !== 'TLeafB' || l.fIsUnsigned || l.fLeafCount || l.fLen <= 1) return null;
  return s => (typeof s === 'string' ? Array.from(s, c => ((c.charCodeAt(0) & 0xff) << 24) >> 24) : s);
}

async function dumpTree(tree, wanted) {
  const out = { class: tree._typename, name: tree.fName, title: tree.fTitle,
                entries: Number(tree.fEntries),
                branches: {}, types: {}, unread: {}, notes: [] };
  const all = tree.fBranches.arr;
  const byName = new Map(all.map(b => [b.fName, b]));
  for (const n of wanted) if (!byName.has(n)) out.unread[n] = 'no such branch';
  const list = (wanted.length ? wanted.filter(n => byName.has(n)) : all.map(b => b.fName));
  out.titles = {};
  out.leaves = {};
  for (const n of list) {
    const br = byName.get(n);
    out.types[n] = branchType(br);
    out.titles[n] = br.fTitle;
    out.leaves[n] = (br.fLeaves?.arr ?? []).map(l => l.fName);
  }
  const values = await readAll(list, (sel, args) => treeProcess(tree, sel, args), out.unread);
  // JSROOT reads the branches together: one it cannot read (baskets written without entry
  // offsets) leaves every branch short. Such a branch is read again alone.
  if (list.length > 1)
    for (const n of list)
      if (n in values && values[n].length !== out.entries) {
        const alone = await readAll([n], (sel, args) => treeProcess(tree, sel, args), {});
        if (n in alone && alone[n].length === out.entries) values[n] = alone[n];
      }
  for (const n of list) {
    if (!(n in values)) continue;
    const fix = charArrayFix(byName.get(n));
    if (fix) {
      values[n] = values[n].map(fix);
      out.notes.push(`${n}: JSROOT reads a signed char array as a C string (stops at a zero byte)`);
    }
    if (values[n].length !== out.entries)
      out.notes.push(`${n}: JSROOT gave ${values[n].length} values for ${out.entries} entries`);
    out.branches[n] = values[n];
  }
  return out;
}

// ---- RNTuple ----
// ROOT's RNTupleImporter writes each TTree collection as an untyped collection (`_collection0`,
// structural role "collection", empty type name) of an untyped record (`_0`, role "record",
// empty type name) whose members are the leaves (Muon_pt, ...). JSROOT 7.11.2 picks its reader
// by type name, so it cannot decode these as stored. We relabel them in JSROOT's field
// descriptors, names only (no column, no data and no other field changes): the collection as
// `std::vector<...>` (JSROOT then reads its offset column as a collection, as it does for any
// std::vector) and the record as a class (a type name and a non-zero checksum, which JSROOT uses
// only to recognise a class made of sub-fields), so that JSROOT's own code decodes every value.
// Each entry of such a collection is then an array of {member: value} objects.
function relabelUntyped(builder, out) {
  let collections = 0, records = 0;
  const untyped = new Map();
  builder.fieldDescriptors.forEach((f, i) => {
    if (f.typeName || (f.sourceFieldId !== null && f.sourceFieldId !== undefined)) return;
    const childs = builder.findChildFields(f), columns = builder.findColumns(f);
    if (f.structRole === 1 && childs.length === 1 && columns.length === 1) {
      untyped.set(f, '(untyped collection)');
      f.typeName = 'std::vector<untyped>';
      ++collections;
    } else if (f.structRole === 2 && childs.length && !columns.length) {
      untyped.set(f, '(untyped record)');
      f.typeName = 'untyped_record';
      f.checksum = 1;
      ++records;
    }
  });
  if (collections || records) {
    out.notes.push(`${collections} untyped collections relabelled std::vector and ` +
                   `${records} untyped records relabelled as a class in JSROOT's field ` +
                   'descriptors (names only), ' +
                   'so that JSROOT decodes them');
  }
  return untyped;
}

async function dumpRNTuple(tuple, name, wanted) {
  const builder = await readHeaderFooter(tuple);
  if (!builder) throw new Error('cannot read the RNTuple header and footer');
  const out = { class: tuple._typename, name, entries: 0,
                fields: {}, types: {}, members: {}, projections: {}, unread: {}, notes: [] };
  for (const s of builder.clusterSummaries) out.entries += Number(s.numEntries);
  const fds = builder.fieldDescriptors;
  const top = fds.filter((f, i) => f.parentFieldId === i);
  const byName = new Map(top.map(f => [f.fieldName, f]));
  const declared = new Map(fds.map(f => [f, f.typeName]));
  // ROOT::VecOps::RVec<T> is stored exactly as std::vector<T> (RNTuple binary format), but
  // JSROOT only recognises the std:: names; read it as the collection it is.
  let rvecs = 0;
  for (const f of fds) {
    if (f.typeName.startsWith('ROOT::VecOps::RVec<') && f.sourceFieldId === null) {
      f.typeName = 'std::vector<' + f.typeName.slice('ROOT::VecOps::RVec<'.length);
      ++rvecs;
    }
  }
  if (rvecs) out.notes.push(`${rvecs} ROOT::VecOps::RVec fields read as the std::vector they are on disk`);
  const untyped = relabelUntyped(builder, out);
  const typeOf = f => untyped.get(f) ?? declared.get(f);
  // The top-level field that holds a (possibly nested) field.
  const topOf = f => {
    for (let i = fds.indexOf(f); ; i = fds[i].parentFieldId)
      if (fds[i].parentFieldId === i) return fds[i];
  };
  for (const n of wanted) if (!byName.has(n)) out.unread[n] = 'no such top-level field';
  const names = [];
  for (const n of (wanted.length ? wanted.filter(x => byName.has(x)) : [...byName.keys()])) {
    const f = byName.get(n);
    out.types[n] = typeOf(f);
    if (f.sourceFieldId !== null && f.sourceFieldId !== undefined) {
      out.projections[n] = { source: topOf(fds[f.sourceFieldId]).fieldName, type: declared.get(f) };
      continue;
    }
    if (builder.findField(n) !== f) {  // JSROOT looks fields up by name, first match
      out.unread[n] = 'JSROOT would read another field of the same name';
      continue;
    }
    if (!f.typeName) {  // JSROOT would hand back the collection's offsets as values
      out.unread[n] = 'untyped field JSROOT cannot read';
      continue;
    }
    const childs = builder.findChildFields(f);
    if (f.structRole === 1 && childs.length === 1) {  // a collection: its record's members
      const rec = builder.findChildFields(childs[0]);
      if (childs[0].structRole === 2 && rec.length)
        out.members[n] = Object.fromEntries(rec.map(m => [m.fieldName, typeOf(m)]));
    }
    names.push(n);
  }
  const values = await readAll(names, (sel, args) => rntupleProcess(tuple, sel, args), out.unread);
  for (const n of names) {
    if (!(n in values)) continue;
    if (values[n].length !== out.entries)
      out.notes.push(`${n}: JSROOT gave ${values[n].length} values for ${out.entries} entries`);
    out.fields[n] = values[n];
  }
  return out;
}

// ---- main ----
function writeOut(out) {
  const parts = [];
  for (const [k, v] of Object.entries(out)) {
    if (k === 'branches' || k === 'fields') {
      const cols = Object.entries(v).map(([n, vals]) => '\n  ' + JSON.stringify(n) + ': ' + json(vals));
      parts.push(JSON.stringify(k) + ': {' + cols.join(',') + '\n}');
    } else {
      parts.push(JSON.stringify(k) + ': ' + JSON.stringify(v));
    }
  }
  process.stdout.write('{' + parts.join(',\n') + '}\n');
}

async function main() {
  const [file, object, ...wanted] = process.argv.slice(2);
  if (!file || !object) {
    process.stderr.write('usage: node dump.mjs FILE.root OBJECT [BRANCH-OR-FIELD ...] | --list\n');
    return 2;
  }
  const f = await openFile(file);
  if (object === '--list') {
    const keys = f.fKeys.map(k => ({ name: k.fName, class: k.fClassName, cycle: k.fCycle }));
    process.stdout.write(JSON.stringify({ keys }) + '\n');
    return 0;
  }
  const obj = await f.readObject(object);
  if (!obj) throw new Error(`no object '${object}' in ${file}`);
  let out;
  if (obj._typename === 'ROOT::RNTuple' || obj._typename === 'ROOT::Experimental::RNTuple')
    out = await dumpRNTuple(obj, object, wanted);
  else if (obj.fBranches)
    out = await dumpTree(obj, wanted);
  else
    throw new Error(`'${object}' is a ${obj._typename}, neither a TTree nor an RNTuple`);
  writeOut(out);
  return 0;
}

export { json, errorText, branchType, dumpTree, dumpRNTuple };

// Run as a program (not when census.mjs imports the functions above).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(rc => { process.exitCode = rc; }, e => {
    process.stderr.write(`dump.mjs: ${errorText(e)}\n`);
    process.exitCode = 1;
  });
}
