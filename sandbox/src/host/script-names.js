// Names of the functions a script declares (or assigns) at its top level: only candidates, which the
// runtime probes with `typeof` inside the script's scope (runtime.js compile), so names in strings or in
// nested functions drop out. Worked out here once per worker for each script text, not in every isolate:
// compiling these expressions cost each new isolate a quarter of a millisecond.
//
// The text is untrusted and this runs on the worker's thread, so each pattern runs in linear time: a
// match starts only at the text's start, a line break or `;`; no two runs of whitespace compete for the
// same characters; a parameter list is at most 500 characters.
"use strict";

const NAME = "([A-Za-z_$][\\w$]*)";
const START = "(?:^|[\\n\\r;])[^\\S\\n\\r]*";
const PATTERNS = [
  new RegExp(`${START}(?:async\\s+)?function\\s*(?:\\*\\s*)?${NAME}\\s*\\(`, "g"),
  new RegExp(`${START}(?:var|let|const)\\s+${NAME}\\s*=\\s*(?:async\\s+)?(?:function\\b|\\([^)]{0,500}\\)\\s*=>|[A-Za-z_$][\\w$]*\\s*=>)`, "g"),
];
const CACHED = 1000;
const cache = new Map(); // source hash -> names, oldest first

function declaredNames(source, hash) {
  const known = cache.get(hash);
  if (known) return known;
  const names = new Set();
  for (const pattern of PATTERNS) for (const m of source.matchAll(pattern)) names.add(m[1]);
  const found = [...names];
  if (cache.size >= CACHED) cache.delete(cache.keys().next().value);
  cache.set(hash, found);
  return found;
}

module.exports = { declaredNames };
