#!/usr/bin/env python3
"""A flame graph (SVG) from `perf record -g` data, with Swift names demangled.

Runs `perf script` on the data file, folds every sample's call stack (root first), demangles the
frames with `swift demangle --simplified`, and draws one box per frame: width = share of samples,
root at the bottom. Hovering a box shows its name and share (an SVG <title>). Standard library only.

Usage: flamegraph.py PERF_DATA OUTPUT.svg [--title TEXT] [--thread NAME] [--min-percent 0.2]
"""

import argparse
import collections
import html
import re
import shutil
import subprocess
import sys

FRAME = re.compile(r"^\s*[0-9a-f]+\s+(.+?)\s+\((.*)\)\s*$")


def folded_stacks(perf_data, thread=None):
    """Counts of stacks, each a tuple of raw frame names from root to leaf."""
    script = subprocess.run(["perf", "script", "-i", perf_data, "-F", "comm,tid,ip,sym,dso"],
                            capture_output=True, text=True, errors="replace", check=True).stdout
    stacks = collections.Counter()
    comm, frames = None, []

    def flush():
        if comm is not None and frames and (thread is None or comm == thread):
            stacks[tuple(reversed(frames))] += 1

    for line in script.splitlines():
        if not line.strip():
            flush()
            comm, frames = None, []
            continue
        match = FRAME.match(line)
        if match and comm is not None:
            symbol, dso = match.group(1), match.group(2)
            if symbol == "[unknown]":
                symbol = f"[{dso.rsplit('/', 1)[-1]}]"
            frames.append(re.sub(r"\+0x[0-9a-f]+$", "", symbol))
        elif not line.startswith((" ", "\t")):
            flush()
            comm, frames = line.split()[0], []
    flush()
    return stacks


def demangled(names):
    """Swift's demangler over every distinct name, in one call."""
    swift = shutil.which("swift")
    if not swift or not names:
        return {name: name for name in names}
    ordered = sorted(names)
    output = subprocess.run([swift, "demangle", "--simplified", "--compact"], input="\n".join(ordered) + "\n",
                            capture_output=True, text=True, errors="replace").stdout.splitlines()
    if len(output) != len(ordered):
        return {name: name for name in names}
    return {name: (short if len(short) < 160 else short[:157] + "…") for name, short in zip(ordered, output)}


def tree(stacks):
    root = {"name": "all", "count": 0, "children": {}}
    for stack, count in stacks.items():
        root["count"] += count
        node = root
        for frame in stack:
            node = node["children"].setdefault(frame, {"name": frame, "count": 0, "children": {}})
            node["count"] += count
    return root


def colour(name):
    seed = sum(ord(character) for character in name)
    if name.startswith("[") or "kernel" in name:
        return f"rgb({200 + seed % 40},{120 + seed % 60},{60 + seed % 40})"
    return f"rgb({220 + seed % 30},{100 + seed % 110},{30 + seed % 50})"


def svg(root, title, min_percent, width=1600, row=17):
    boxes = []
    depth_max = 0
    total = root["count"] or 1

    def walk(node, x, depth):
        nonlocal depth_max
        share = node["count"] / total
        if share * 100 < min_percent:
            return
        depth_max = max(depth_max, depth)
        boxes.append((x, depth, share, node["name"], node["count"]))
        offset = x
        for child in sorted(node["children"].values(), key=lambda child: child["name"]):
            walk(child, offset, depth + 1)
            offset += child["count"] / total

    walk(root, 0.0, 0)
    height = (depth_max + 1) * row + 50
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="monospace" font-size="11">',
             f'<rect width="100%" height="100%" fill="#fdfdf8"/>',
             f'<text x="10" y="20" font-size="15">{html.escape(title)} ({total} samples)</text>']
    for x, depth, share, name, count in boxes:
        left, box_width = 10 + x * (width - 20), share * (width - 20)
        top = height - (depth + 1) * row - 10
        label = html.escape(name)
        parts.append(f'<g><title>{label} — {count} samples, {share * 100:.2f}%</title>'
                     f'<rect x="{left:.1f}" y="{top}" width="{max(box_width - 0.5, 0.5):.1f}" height="{row - 1}" fill="{colour(name)}"/>')
        characters = int(box_width / 6.6)
        if characters >= 4:
            text = name if len(name) <= characters else name[:characters - 1] + "…"
            parts.append(f'<text x="{left + 2:.1f}" y="{top + row - 5}">{html.escape(text)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("perf_data")
    parser.add_argument("output")
    parser.add_argument("--title", default="strata-server")
    parser.add_argument("--thread", help="only samples of this thread name (perf's comm)")
    parser.add_argument("--min-percent", type=float, default=0.2, help="leave out boxes under this share")
    parser.add_argument("--top", type=int, default=25, help="also print the functions with the most samples (self + children)")
    args = parser.parse_args()
    raw = folded_stacks(args.perf_data, args.thread)
    names = demangled({frame for stack in raw for frame in stack})
    stacks = collections.Counter()
    for stack, count in raw.items():
        stacks[tuple(names[frame] for frame in stack)] += count
    root = tree(stacks)
    with open(args.output, "w") as handle:
        handle.write(svg(root, args.title, args.min_percent))
    inclusive = collections.Counter()
    for stack, count in stacks.items():
        for frame in set(stack):
            inclusive[frame] += count
    total = root["count"] or 1
    print(f"{total} samples; the frames on the most stacks:")
    for name, count in inclusive.most_common(args.top):
        print(f"  {count / total * 100:5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
