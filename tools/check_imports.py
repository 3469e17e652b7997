#!/usr/bin/env python3
"""Every `import` of a target is declared in Package.swift.

Reads the manifest through `swift package dump-package`, then each target's Swift files
(Sources/<target> or Tests/<target>, or the target's own path): an imported module must be the
target's dependency — a target of this package or a product — or a module of the toolchain
(Foundation, Dispatch, Glibc, Synchronization, XCTest, Testing, …). Exits 1 naming each file and
module that is not; `make check-imports` runs it, and `make test` runs that first.
"""

import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLCHAIN = {
    "Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch", "Glibc", "Musl", "Darwin",
    "Synchronization", "XCTest", "Testing", "Observation", "RegexBuilder", "Distributed", "os", "_Concurrency",
    "Swift", "SwiftShims", "CoreFoundation", "_StringProcessing",
}
IMPORT = re.compile(r"^\s*(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+"
                    r"(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([A-Za-z_][A-Za-z0-9_]*)", re.M)


def declared(target):
    names = set()
    for dependency in target.get("dependencies", []):
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                names.add(dependency[kind][0])
    return names


def main():
    manifest = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    problems = []
    for target in manifest["targets"]:
        if target["type"] in ("system", "binary", "plugin", "macro"):
            continue
        folder = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", target["name"])
        allowed = declared(target) | TOOLCHAIN | {target["name"]}
        for directory, _, files in os.walk(os.path.join(ROOT, folder)):
            for file in sorted(files):
                if not file.endswith(".swift"):
                    continue
                path = os.path.join(directory, file)
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
                for module in sorted(set(IMPORT.findall(text)) - allowed):
                    problems.append(f"{os.path.relpath(path, ROOT)}: imports {module}, which {target['name']} does not declare")
    for problem in problems:
        print(problem)
    if problems:
        print(f"check_imports: {len(problems)} undeclared import(s)", file=sys.stderr)
        return 1
    print(f"check_imports: every import of {len(manifest['targets'])} targets is declared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
