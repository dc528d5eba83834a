#!/usr/bin/env python3
"""Scores the news pipeline's output against hand-made gold annotations.

    build/quarry run pipelines/news.yaml tests/golden/news-heldout/articles/ --set out=/tmp/ho --quiet
    python3 tests/news_eval.py /tmp/ho/docs.jsonl tests/golden/news-heldout/gold

Gold (one JSON file per article, same base name): "persons", "places",
"orgs" map an entity to the surface strings it has in the text; "alt" lists
surfaces per type that are also right but not required (a longer or shorter
form); "ignore" lists surfaces scored neither way (facilities, events,
demonyms); "quotes" is a list of {"prefix", "speaker": [names]}.

Entities are scored on distinct surface strings per document and type
(PERSON -> persons, GPE/LOC -> places, ORG -> orgs; other labels are not
scored): precision = predicted surfaces that are gold (or alt) / predicted
surfaces (ignored ones left out); recall = gold surfaces predicted with that
type / gold surfaces. Quotes: a gold quote is found when a predicted quote's
text starts with its prefix; precision = predicted quotes containing some gold
prefix / predicted quotes. Speakers: a found quote is right when the
predicted speaker_id or speaker is one of the gold speakers' surfaces;
speaker recall = right / gold quotes, speaker precision = right / found
quotes with a speaker. Prints a table and, with -v, every miss.
"""
import json
import os
import sys

TYPES = {"persons": ("PERSON",), "places": ("GPE", "LOC"), "orgs": ("ORG",)}


def main(argv):
    verbose = "-v" in argv
    args = [a for a in argv if a != "-v"]
    if len(args) != 2:
        sys.exit("usage: news_eval.py [-v] docs.jsonl GOLD_DIR")
    docs = [json.loads(line) for line in open(args[0], encoding="utf-8")]
    tot = {t: [0, 0, 0, 0] for t in list(TYPES) + ["quotes", "speakers"]}
    for d in docs:
        name = os.path.splitext(os.path.basename(d["id"]))[0]
        gpath = os.path.join(args[1], name + ".json")
        if not os.path.exists(gpath):
            continue
        gold = json.load(open(gpath, encoding="utf-8"))
        ignore = set(gold.get("ignore", []))
        for t, labels in TYPES.items():
            want = {s for surf in gold[t].values() for s in surf}
            for s in want:
                if s not in d["text"]:
                    sys.exit(f"{gpath}: gold surface {s!r} is not in the text")
            ok = want | set(gold.get("alt", {}).get(t, []))
            pred = {e["text"] for e in d["entities"] if e["label"] in labels} - ignore
            tp_p = len(pred & ok)
            tp_r = len(pred & want)
            tot[t][0] += tp_p; tot[t][1] += len(pred); tot[t][2] += tp_r; tot[t][3] += len(want)
            if verbose:
                for s in sorted(pred - ok):
                    print(f"  {name} {t} false: {s}")
                for s in sorted(want - pred):
                    print(f"  {name} {t} missed: {s}")
        quotes = (d.get("fields") or {}).get("quotes") or []
        gq = gold["quotes"]
        hit = sum(1 for q in quotes if any(g["prefix"] in q["text"] for g in gq))
        tot["quotes"][0] += hit; tot["quotes"][1] += len(quotes)
        right = attributed = 0
        for g in gq:
            m = next((q for q in quotes if q["text"].startswith(g["prefix"])), None)
            tot["quotes"][3] += 1
            if m is None:
                if verbose:
                    print(f"  {name} quote missed: {g['prefix']}")
                continue
            tot["quotes"][2] += 1
            names = {s for sp in g["speaker"] for s in gold["persons"].get(sp, [sp]) + [sp]}
            if m["speaker"] or m["speaker_id"]:
                attributed += 1
            if m["speaker_id"] in names or m["speaker"] in names:
                right += 1
            elif verbose:
                print(f"  {name} speaker wrong: {g['prefix']!r}: {m['speaker']!r} ({m['speaker_id']!r}), want {g['speaker'][0]}")
        tot["speakers"][0] += right; tot["speakers"][1] += attributed
        tot["speakers"][2] += right; tot["speakers"][3] += len(gq)
        if verbose:
            for q in quotes:
                if not any(g["prefix"] in q["text"] for g in gq):
                    print(f"  {name} quote false: {q['text'][:60]!r}")
    print(f"{'type':10} {'precision':>16} {'recall':>16}")
    for t, (a, b, c, e) in tot.items():
        p = f"{a}/{b} = {a / b:.2f}" if b else "-"
        r = f"{c}/{e} = {c / e:.2f}" if e else "-"
        print(f"{t:10} {p:>16} {r:>16}")


if __name__ == "__main__":
    main(sys.argv[1:])
