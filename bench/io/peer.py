# bench/io.sh peer: the same JSONL read + write in Python (json module, C
# accelerated): parse each line, write {"id","text","meta"} back.
import json, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8", errors="replace") as f, open(dst, "w", encoding="utf-8") as out:
    for line in f:
        if not line.strip():
            continue
        rec = json.loads(line)
        text = rec.pop("text")
        doc = {"id": rec.pop("id", None), "text": text}
        if rec:
            doc["meta"] = rec
        doc["entities"] = []
        out.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
