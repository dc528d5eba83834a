#!/bin/sh
# quarry train / eval, and the classify step (rules and model) under run/check.
. "$(dirname "$0")/lib.sh"

cat > "$T/p.yaml" <<'YAML'
name: t
vars: { model: model.qrm }
input: { format: jsonl }
steps:
  - tokenize: {}
  - classify: { name: spam, model: '${model}', alpha: 1 }
  - export: { format: jsonl, path: out.jsonl, include_text: false }
YAML
cat > "$T/train.jsonl" <<'EOF2'
{"id":"t1","text":"buy cheap pills now","label":"spam"}
{"id":"t2","text":"cheap offer, buy now","label":"spam"}
{"id":"t3","text":"win money now","label":"spam"}
{"id":"t4","text":"meeting at noon today","label":"ham"}
{"id":"t5","text":"lunch with the team today","label":"ham"}
{"id":"t6","text":"project meeting notes","label":"ham"}
EOF2
cat > "$T/test.jsonl" <<'EOF2'
{"id":"e1","text":"cheap pills","label":"spam"}
{"id":"e2","text":"team meeting today","label":"ham"}
{"id":"e3","text":"buy money","label":"spam"}
{"id":"e4","text":"notes from lunch now now","label":"ham"}
{"id":"e5","text":"cheap meeting","label":"eggs"}
EOF2
cd "$T" || exit 1

out=$($Q train p.yaml train.jsonl --label-field label -o m.qrm 2>&1; echo "rc=$?")
check "train summary" "quarry train: 6 documents; multinomial NB, alpha 1; 2 labels (ham 3, spam 3); 17 features -> m.qrm
rc=0" "$(printf '%s\n' "$out" | sed 's/ in [0-9.]* s$//')"

out=$($Q eval p.yaml test.jsonl --label-field label --set model=m.qrm --json 2>err.txt; echo "rc=$?")
check "eval --json" '{"documents": 5, "accuracy": 0.6, "macro_f1": 0.444444, "labels": {"ham": {"precision": 1.0, "recall": 0.5, "f1": 0.666667, "support": 2}, "spam": {"precision": 0.5, "recall": 1.0, "f1": 0.666667, "support": 2}, "eggs": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}}, "confusion": {"labels": ["ham", "spam", "eggs"], "predicted": ["ham", "spam", "eggs"], "matrix": [[1, 1, 0], [0, 2, 0], [0, 1, 0]]}, "unknown_labels": {"eggs": 1}, "unpredicted": 0}
rc=0' "$out"
check "eval unknown labels note" "quarry eval: labels unknown to the classifier, counted as errors: 'eggs' (1)" "$(cat err.txt)"

out=$($Q eval p.yaml test.jsonl --set model=m.qrm -j1 2>/dev/null)
check "eval table" "documents 5   accuracy 0.6000   macro-F1 0.4444

label  precision  recall      f1  support
ham       1.0000  0.5000  0.6667        2
spam      0.5000  1.0000  0.6667        2
eggs      0.0000  0.0000  0.0000        1  (unknown to the classifier)

confusion (rows: true label, columns: predicted)
          ham    spam    eggs
ham         1       1       0
spam        0       2       0
eggs        0       1       0" "$out"

# the same model from 1 and 2 workers, and from CSV
$Q train p.yaml train.jsonl -o m1.qrm -j1 -q && $Q train p.yaml train.jsonl -o m2.qrm -j2 -q
check "model identical for -j1 and -j2" "same" "$(cmp m1.qrm m2.qrm && echo same)"
printf 'id,text,category\nc1,buy cheap pills now,spam\nc2,"cheap offer, buy now",spam\nc3,win money now,spam\nc4,meeting at noon today,ham\nc5,lunch with the team today,ham\nc6,project meeting notes,ham\n' > train.csv
$Q train p.yaml train.csv --format csv --label-field category -o c.qrm -q
check "CSV training gives the same model" "same" "$(cmp c.qrm m1.qrm && echo same)"

# hashed features: the same model for any -j too
sed 's/alpha: 1 }/alpha: 1, buckets: 64, bigrams: true }/' p.yaml > ph.yaml
$Q train ph.yaml train.jsonl -o h1.qrm -j1 -q && $Q train ph.yaml train.jsonl -o h2.qrm -j2 -q
check "hashed model identical for -j1 and -j2" "same" "$(cmp h1.qrm h2.qrm && echo same)"
out=$($Q train ph.yaml train.jsonl -o h1.qrm 2>&1 | sed 's/ in [0-9.]* s$//')
check "hashed summary" "quarry train: 6 documents; multinomial NB, alpha 1; 2 labels (ham 3, spam 3); 64 buckets -> h1.qrm" "$out"

# malformed records left out under input: { on_error: skip }
sed 's/input: { format: jsonl }/input: { format: jsonl, on_error: skip }/' p.yaml > pskip.yaml
{ cat train.jsonl; echo '{"id": broken'; } > withbad.jsonl
out=$($Q train pskip.yaml withbad.jsonl -o s.qrm 2>&1 | sed 's/ in [0-9.]* s$//')
check "train: malformed record skipped" "quarry train: 6 documents (0 dropped, 1 malformed left out); multinomial NB, alpha 1; 2 labels (ham 3, spam 3); 17 features -> s.qrm" "$out"

# run uses the model; predictions with every label's probability
$Q run p.yaml test.jsonl --set model=m.qrm -q
check "run predictions" '{"id":"e1","meta":{"label":"spam"},"entities":[],"labels":{"ham":0.1344768439108062,"spam":0.865523156089194},"label":"spam"}' "$(head -1 out.jsonl)"

# errors
out=$($Q check p.yaml 2>&1; echo "rc=$?")
check "check: model missing" "p.yaml:6:36: step 'spam' (classify): model 'model.qrm': cannot open the model: No such file or directory; train one with 'quarry train PIPELINE DATA -o MODEL'
rc=2" "$out"
printf 'not a model' > bad.qrm
out=$($Q eval p.yaml test.jsonl --set model=bad.qrm 2>&1; echo "rc=$?")
check "eval: not a model" "p.yaml:6:36: step 'spam' (classify): model 'bad.qrm': not a quarry model file (no .qrm signature at the start); train one with 'quarry train PIPELINE DATA -o MODEL'
rc=2" "$out"
head -c 200 m.qrm > short.qrm
out=$($Q eval p.yaml test.jsonl --set model=short.qrm 2>&1; echo "rc=$?")
check "eval: truncated model" "p.yaml:6:36: step 'spam' (classify): model 'short.qrm': the model file is corrupt or truncated (checksum mismatch over 200 bytes); train it again or copy it again
rc=2" "$out"
head -3 train.jsonl > one.jsonl
out=$($Q train p.yaml one.jsonl -o one.qrm 2>&1; echo "rc=$?")
check "train: one class" "quarry train: training data has only one label ('spam'): a classifier needs examples of at least two labels
rc=2" "$out"
printf '{"id":"z","text":"x"}\n' > nolabel.jsonl
out=$($Q train p.yaml nolabel.jsonl -o z.qrm 2>&1; echo "rc=$?")
check "train: record without a label" "nolabel.jsonl:1: document 'z' has no 'label' field; every record needs its label there (--label-field names the field)
rc=2" "$out"
# errors in the second worker's slice name the line in the file, as with -j1
head -4 train.jsonl > nl2.jsonl; echo '{"text":"no id, no label"}' >> nl2.jsonl; sed -n 5,6p train.jsonl >> nl2.jsonl
for j in 1 2; do
    check "train -j$j: record without id and label" "nl2.jsonl:5: document 'nl2.jsonl:5' has no 'label' field; every record needs its label there (--label-field names the field)" "$($Q train p.yaml nl2.jsonl -o x.qrm -j$j 2>&1)"
done
head -3 train.jsonl > badj.jsonl; echo '{"id":"d", bad json' >> badj.jsonl
for j in 1 2; do
    check "train -j$j: malformed record" "badj.jsonl:4:14: input record is malformed: invalid JSON: string or '}' expected near 'bad'; set input: { on_error: skip } to leave such records out" "$($Q train p.yaml badj.jsonl -o x.qrm -j$j 2>&1)"
done
printf '{"id":"e","text":"","label":"ham"}\n{"id":"f","text":"   ","label":"spam"}\n' > empty.jsonl
out=$($Q eval p.yaml empty.jsonl --set model=m.qrm --json 2>&1 | sed 's/, "labels".*//')
check "eval: empty documents get the prior (tie: first label)" '{"documents": 2, "accuracy": 0.5, "macro_f1": 0.333333' "$out"
cat > both.yaml <<'YAML'
steps:
  - classify: { model: m.qrm, rules: { a: { words: [x] } } }
YAML
check "check: rules and model" "both.yaml:2:24: step 'classify': give either rules: or model:, not both (use two classify steps with different names)" "$($Q check both.yaml 2>&1)"
cat > none.yaml <<'YAML'
steps:
  - classify: { threshold: 2 }
YAML
check "check: neither" "none.yaml:2:15: step 'classify': classify needs rules: { LABEL: { words: [...] } } or model: FILE.qrm (from 'quarry train')" "$($Q check none.yaml 2>&1)"
cat > stem.yaml <<'YAML'
steps:
  - classify: { model: m.qrm, stemmer: klingon }
YAML
out=$($Q check stem.yaml 2>&1)
check_contains "check: training options are validated too" "stem.yaml:2:40: step 'classify': unknown stemmer language 'klingon'; libstemmer knows: " "$out"
check_contains "check: the stemmers libstemmer knows" "english, finnish, french" "$out"
cat > notrain.yaml <<'YAML'
steps:
  - tokenize: {}
YAML
check "train: no classify step" "notrain.yaml: the pipeline has no classify step; add one, as in - classify: { model: model.qrm }" "$($Q train notrain.yaml train.jsonl -o x.qrm 2>&1)"

# rules: eval works on them too; ties go to the rule declared first
# ("cheap meeting": spam 1, ham 1 -> spam)
cat > rules.yaml <<'YAML'
input: { format: jsonl }
steps:
  - classify:
      rules:
        spam: { words: [cheap, buy, money, pills] }
        ham:  { words: [meeting, today, lunch, notes] }
      threshold: 1
YAML
check "eval rules" '{"documents": 5, "accuracy": 0.8, "macro_f1": 0.6, "labels": {"spam": {"precision": 0.666667, "recall": 1.0, "f1": 0.8, "support": 2}, "ham": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}, "eggs": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}}, "confusion": {"labels": ["spam", "ham", "eggs"], "predicted": ["spam", "ham", "eggs"], "matrix": [[2, 0, 0], [0, 2, 0], [1, 0, 0]]}, "unknown_labels": {"eggs": 1}, "unpredicted": 0}' "$($Q eval rules.yaml test.jsonl --json 2>/dev/null)"

# A model inside the data folder is never read as data: before, a second
# `quarry train` over the folder failed on the model the first one wrote
# ("data/model.qnb:1:1: input record is malformed: invalid JSON").
mkdir -p own/data
for i in 1 2 3; do
    printf '{"id":"p%d","text":"good great fine","label":"pos"}\n{"id":"n%d","text":"bad awful poor","label":"neg"}\n' $i $i
done > own/data/train.jsonl
cat > own/p.yaml <<'YAML'
input: { format: jsonl }
steps:
  - tokenize: {}
  - classify: { model: data/model.qrm }
YAML
out=$(cd own && $Q train p.yaml data 2>&1); rc=$?
check "train into the data folder: first run" "0 quarry train: 6 documents; multinomial NB, alpha 1; 2 labels (neg 3, pos 3); 6 features -> data/model.qrm in" \
    "$rc $(echo "$out" | sed 's/ in [0-9.]* s$/ in/')"
out=$(cd own && $Q train p.yaml data 2>&1); rc=$?
check "train into the data folder: second run" "0 quarry train: 6 documents; multinomial NB, alpha 1; 2 labels (neg 3, pos 3); 6 features -> data/model.qrm in
quarry train: not read, as outputs or files of the pipeline: data/model.qrm" "$rc $(echo "$out" | sed 's/ in [0-9.]* s$/ in/')"
out=$(cd own && $Q eval p.yaml data --json 2>eval.err); rc=$?
check "eval over the folder holding the model" '0 {"documents": 6, "accuracy": 1.0, "macro_f1": 1.0, "labels": {"neg": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 3}, "pos": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 3}}, "confusion": {"labels": ["neg", "pos"], "predicted": ["neg", "pos"], "matrix": [[3, 0], [0, 3]]}, "unknown_labels": {}, "unpredicted": 0}' "$rc $out"
check "eval over the folder holding the model: message" "quarry eval: not read, as outputs or files of the pipeline: data/model.qrm" "$(cat own/eval.err)"
(cd own && $Q train p.yaml 'data/*' -o data/other.qrm -j 2 -q)
out=$(cd own && $Q train p.yaml 'data/*' -o data/other.qrm -j 2 2>&1); rc=$?
check "train -o into the data folder, a glob: both models passed over" "0 quarry train: not read, as outputs or files of the pipeline: data/model.qrm, data/other.qrm" "$rc $(echo "$out" | tail -1)"

# {==================================================================
# -o naming a file the training reads (an input, the pipeline, a word list)
# is refused before training (it was replaced by the model, exit 0); the
# classify step's own model: is what train writes
mkdir -p "$T/ow" && cd "$T/ow" || exit 1
printf '{"id":"1","text":"good great fine","label":"pos"}\n{"id":"2","text":"bad awful poor","label":"neg"}\n' >tr.jsonl
printf 'input: { format: jsonl }\nsteps:\n  - tokenize: {}\n  - classify: { model: m.qrm, stopwords_file: sw.txt }\n' >p.yaml
echo the >sw.txt
for o in "tr.jsonl:an input" "p.yaml:the pipeline file" "sw.txt:read by step 'classify' (stopwords_file, line 4)"; do
    check "train -o ${o%%:*}: refused" "the model file ${o%%:*} is ${o#*:}: the model would replace it; give -o another path
rc=2" "$("$Q" train p.yaml tr.jsonl -o "${o%%:*}" 2>&1; echo "rc=$?")"
done
check "train -o: nothing replaced" "the" "$(cat sw.txt)"
check "train -o the step's model: trained" "rc=0" "$("$Q" train p.yaml tr.jsonl -o m.qrm >/dev/null 2>&1; echo "rc=$?")"
# numbers print as written (0.99, not 0.98999999999999999)
printf 'input: { format: jsonl }\nsteps:\n  - tokenize: {}\n  - classify: { model: m.qrm, threshold: 0.99 }\n' >th.yaml
check "check: 0.99 prints as 0.99" "threshold: 0.99," "$("$Q" check th.yaml | grep -o 'threshold: [^ ]*')"
# a folder as the model (it said "read error")
mkdir -p d.qrm
printf 'input: { format: jsonl }\nsteps:\n  - tokenize: {}\n  - classify: { model: d.qrm }\n' >pd.yaml
check "a folder as the model" "pd.yaml:4:24: step 'classify': model 'd.qrm': the model path is a folder; give the model file (.qrm) from 'quarry train'
rc=2" "$("$Q" check pd.yaml 2>&1; echo "rc=$?")"
# a label with a NUL byte (it was cut short: "ham\u0000x" counted as ham),
# or one that is null, a list or a map (said to be missing)
printf '{"id":"1","text":"x","label":"ham"}\n{"id":"2","text":"z","label":"ham\\u0000x"}\n' >nul.jsonl
check "train: a label with a NUL byte" "nul.jsonl:2: document '2': its 'label' holds a NUL byte (\\u0000), which a label cannot; remove it
rc=2" "$("$Q" train p.yaml nul.jsonl -o n.qrm 2>&1; echo "rc=$?")"
# a classify step with rules: is not trained (train used to ignore them,
# where check refuses the step)
printf 'input: { format: jsonl }\nsteps:\n  - tokenize: {}\n  - classify: { model: m.qrm, rules: { pos: { words: [good] } } }\n' >pr.yaml
check "train: a step with rules" "pr.yaml:4:38: step 'classify' has rules:, which are written, not trained: train a step with model: (and no rules:), and keep rules in a classify step of their own
rc=2" "$("$Q" train pr.yaml tr.jsonl -o x.qrm 2>&1; echo "rc=$?")"
printf '{"id":"1","text":"x","label":["a"]}\n' >lst.jsonl
check "train: a label that is a list" "lst.jsonl:1: document '1': its 'label' is a list, not a label (a string)
rc=2" "$("$Q" train p.yaml lst.jsonl -o n.qrm 2>&1; echo "rc=$?")"
cd "$T" || exit 1
# }==================================================================

done_suite "cli classify"
