#!/usr/bin/env python3
"""Mutation fuzzer for the quarry CLI (run it against an ASan/UBSan build).

    make check-asan            # or any build-asan/quarry
    python3 tests/fuzz/fuzz.py [--quarry build-asan/quarry] [--seconds 60] [--seed N]

Each round takes a seed file (golden pipelines, gazetteer lists, JSONL/CSV
inputs, texts), mutates it (bit flips, truncation, NULs, cut UTF-8, repeated
chunks, deep nesting, huge lines) and runs the matching command in a scratch
folder. A finding is: a sanitizer report, a signal, a time-out, an exit
status other than 0/1/2, exit 2 without a message, or a message without a
position or a hint. Findings are copied to --findings (default
/tmp/quarry-fuzz-findings) with the command that reproduces them; the exit status is the number
of findings (capped at 100). Runs are short: this is a smoke test, not a
campaign.
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SAN = re.compile(rb"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                 rb"AddressSanitizer:DEADLYSIGNAL|UndefinedBehaviorSanitizer")


def read(p):
    with open(p, "rb") as f:
        return f.read()


def mutate(rng, data):
    """One to four random edits of data (bytes)."""
    for _ in range(rng.randint(1, 4)):
        n = len(data)
        op = rng.randrange(12)
        i = rng.randrange(n + 1) if n else 0
        if op == 0 and n:                                   # flip a bit
            b = bytearray(data); j = rng.randrange(n); b[j] ^= 1 << rng.randrange(8); data = bytes(b)
        elif op == 1:                                       # truncate
            data = data[:i]
        elif op == 2:                                       # NUL
            data = data[:i] + b"\0" + data[i:]
        elif op == 3:                                       # cut UTF-8 / stray bytes
            data = data[:i] + rng.choice([b"\xe2\x82", b"\xff", b"\xc3", b"\xf0\x9f\x98", b"\xed\xa0\x80"]) + data[i:]
        elif op == 4 and n:                                 # repeat a chunk
            j = rng.randrange(n); k = min(n, j + rng.randint(1, 64))
            data = data[:k] + data[j:k] * rng.randint(2, 200) + data[k:]
        elif op == 5 and n:                                 # delete a chunk
            j = rng.randrange(n); data = data[:j] + data[j + rng.randint(1, 32):]
        elif op == 6:                                       # syntax characters
            data = data[:i] + rng.choice([b"{", b"}", b"[", b"]", b":", b"\"", b"'", b",", b"\n",
                                          b"\t", b"\\", b"*a", b"&a ", b"- ", b"${", b"${x}", b"#",
                                          b"\r", b"|", b">", b'"\\0"', b"\n---\n", b"\n...\n",
                                          b"!!binary ", b"<<: "]) + data[i:]
        elif op == 7:                                       # deep nesting
            d = rng.choice([100, 1000, 20000])
            data = data[:i] + rng.choice([b"[" * d, b"{a: " * d, b"(" * d]) + data[i:]
        elif op == 8:                                       # huge line
            data = data[:i] + b"x" * rng.choice([70000, 1 << 20]) + data[i:]
        elif op == 9 and n:                                 # swap two lines
            lines = data.split(b"\n")
            if len(lines) > 1:
                a, b2 = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[a], lines[b2] = lines[b2], lines[a]
                data = b"\n".join(lines)
        elif op == 10:                                      # odd numbers
            data = data[:i] + rng.choice([b"-1", b"0", b"99999999999999999999", b"1e308", b"nan",
                                          b"-0", b"0x10", b"true", b"null", b"~"]) + data[i:]
        elif op == 11 and n:                                # indentation change
            lines = data.split(b"\n"); j = rng.randrange(len(lines))
            lines[j] = (b" " * rng.randint(0, 9)) + lines[j].lstrip(b" ")
            data = b"\n".join(lines)
    return data


def golden_cases():
    out = []
    gdir = os.path.join(ROOT, "tests", "golden")
    for name in sorted(os.listdir(gdir)):
        d = os.path.join(gdir, name)
        if name in ("news",) or not os.path.isfile(os.path.join(d, "pipeline.yaml")):
            continue
        cmd = "run pipeline.yaml --quiet"
        if os.path.isfile(os.path.join(d, "cmd")):
            cmd = read(os.path.join(d, "cmd")).decode().strip()
        if os.path.isfile(os.path.join(d, "env")) or "$" in cmd:
            continue
        out.append((d, cmd.split()))
    return out


class Fuzzer:
    def __init__(self, quarry, scratch, findings, timeout):
        self.q, self.scratch, self.findings, self.timeout = quarry, scratch, findings, timeout
        self.found = 0
        self.runs = 0
        self.seen = set()
        self.rcs = {}
        self.messages = {}

    def run(self, cwd, args, stdin=None, what=""):
        self.runs += 1
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1"
        try:
            p = subprocess.run([self.q] + args, cwd=cwd, input=stdin, capture_output=True,
                               timeout=self.timeout, env=env)
        except subprocess.TimeoutExpired:
            return self.report(cwd, args, "time-out after %ds" % self.timeout, b"", what)
        err = p.stderr
        if SAN.search(err):
            return self.report(cwd, args, "sanitizer report", err, what)
        if p.returncode < 0 or p.returncode >= 128:
            return self.report(cwd, args, "signal / exit %d" % p.returncode, err, what)
        if p.returncode not in (0, 1, 2):
            return self.report(cwd, args, "exit status %d" % p.returncode, err, what)
        if p.returncode == 2 and not err.strip():
            return self.report(cwd, args, "exit 2 without a message", err, what)
        self.rcs[p.returncode] = self.rcs.get(p.returncode, 0) + 1
        for line in err.splitlines():
            if line.startswith(b"quarry: read ") or line.startswith(b"  ") or b" MB in " in line:
                continue
            shape = re.sub(rb"\d+", b"N", re.sub(rb"'[^']*'|\"[^\"]*\"", b"'_'", line))[:160]
            self.messages.setdefault(shape, line[:300])
        return p

    def report(self, cwd, args, why, err, what):
        key = (why, re.sub(rb"0x[0-9a-f]+|==\d+==|\d+", b"", err)[:600])
        if key in self.seen:
            return None
        self.seen.add(key)
        self.found += 1
        dest = os.path.join(self.findings, "%03d" % self.found)
        shutil.copytree(cwd, dest, dirs_exist_ok=True)
        with open(os.path.join(dest, "REPRO"), "w") as f:
            f.write("# %s (%s)\ncd %s && %s %s\n\n" % (why, what, dest, self.q, " ".join(args)))
            f.write(err.decode("utf-8", "replace")[:20000])
        print("fuzz: FINDING %d: %s: %s %s" % (self.found, why, what, " ".join(args)), file=sys.stderr)
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quarry", default=os.path.join(ROOT, "build-asan", "quarry"))
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--timeout", type=int, default=30)
    ap.add_argument("--messages", help="write one example of each distinct error message here")
    ap.add_argument("--findings", default=os.path.join(tempfile.gettempdir(), "quarry-fuzz-findings"))
    a = ap.parse_args()
    if not os.access(a.quarry, os.X_OK):
        sys.exit("fuzz: no quarry binary at %s; run 'make check-asan' first or pass --quarry" % a.quarry)
    rng = random.Random(a.seed)
    findings = a.findings
    os.makedirs(findings, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="quarry-fuzz.")
    fz = Fuzzer(os.path.abspath(a.quarry), scratch, findings, a.timeout)
    cases = golden_cases()
    gaz = [os.path.join(ROOT, "samples", "gazetteers", f) for f in ("countries.tsv", "titles.txt")]
    gaz.append(os.path.join(ROOT, "tests", "golden", "entities", "countries.tsv"))
    texts = [os.path.join(ROOT, "samples", "news", f) for f in sorted(os.listdir(os.path.join(ROOT, "samples", "news")))
             if f.endswith(".txt")]
    end = time.time() + a.seconds
    kinds = ["pipeline", "input", "gazetteer", "text", "jsonl-gaz"]
    try:
        while time.time() < end:
            kind = rng.choice(kinds)
            work = os.path.join(scratch, "w")
            shutil.rmtree(work, ignore_errors=True)
            if kind in ("pipeline", "input"):
                src, args = rng.choice(cases)
                shutil.copytree(src, work)
                shutil.rmtree(os.path.join(work, "expected"), ignore_errors=True)
                if kind == "pipeline":
                    target = "pipeline.yaml"
                else:
                    files = [f for f in os.listdir(work) if f not in ("pipeline.yaml", "cmd") and
                             not f.startswith("expected") and os.path.isfile(os.path.join(work, f))]
                    if not files:
                        continue
                    target = rng.choice(files)
                p = os.path.join(work, target)
                with open(p, "wb") as f:
                    f.write(mutate(rng, read(p)))
                extra = rng.choice([[], ["-j", "1"], ["-j", "3"]])
                fz.run(work, args + extra, what="%s: %s of %s" % (kind, target, os.path.basename(src)))
            elif kind == "gazetteer":
                os.makedirs(work)
                src = rng.choice(gaz)
                ext = os.path.splitext(src)[1]
                with open(os.path.join(work, "g" + ext), "wb") as f:
                    f.write(mutate(rng, read(src)))
                shutil.copy(rng.choice(texts), os.path.join(work, "in.txt"))
                extra = rng.choice([[], ["--overlaps"], ["--case", "smart", "--fold-accents"],
                                    ["--cache", "c.bin"], ["-j", "2"]])
                args = ["match", "-g", "g" + ext, "--label", "X"] + extra + ["in.txt"]
                if fz.run(work, args, what="gazetteer " + os.path.basename(src)) and "--cache" in extra:
                    c = os.path.join(work, "c.bin")
                    if os.path.exists(c):                   # a corrupt cache must be rebuilt
                        with open(c, "wb") as f:
                            f.write(mutate(rng, read(c)))
                        fz.run(work, args, what="corrupt gazetteer cache")
            elif kind == "jsonl-gaz":
                os.makedirs(work)
                lines = b'{"label":"GPE","pattern":"New York","id":"ny"}\n' \
                        b'{"label":"ORG","pattern":[{"LOWER":"acme"},{"LOWER":"corp"}]}\n'
                with open(os.path.join(work, "g.jsonl"), "wb") as f:
                    f.write(mutate(rng, lines))
                with open(os.path.join(work, "in.txt"), "wb") as f:
                    f.write(b"Acme Corp opened in New York.\n")
                fz.run(work, ["match", "-g", "g.jsonl", "in.txt"], what="jsonl gazetteer")
            else:
                os.makedirs(work)
                data = mutate(rng, read(rng.choice(texts)))
                with open(os.path.join(work, "in.txt"), "wb") as f:
                    f.write(data)
                cmd = rng.choice([["tokenize"], ["tokenize", "--format", "jsonl", "--offsets", "chars"],
                                  ["sentences", "--format", "jsonl"], ["sentences"],
                                  ["match", "-e", "Y=\\b\\d{4}\\b", "-e", "W=(?i)\\bthe\\b"]])
                if rng.random() < 0.5:
                    fz.run(work, cmd + ["in.txt"], what="text file")
                else:
                    fz.run(work, cmd, stdin=data, what="text on stdin")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if a.messages:
        with open(a.messages, "wb") as f:
            for shape in sorted(fz.messages):
                f.write(fz.messages[shape] + b"\n")
    print("fuzz: %d runs, exit statuses %s, %d findings (seed %d)" %
          (fz.runs, dict(sorted(fz.rcs.items())), fz.found, a.seed))
    sys.exit(min(fz.found, 100))


if __name__ == "__main__":
    main()
