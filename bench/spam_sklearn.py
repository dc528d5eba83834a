#!/usr/bin/python3
"""The scikit-learn peer for bench/spam.sh: CountVectorizer + MultinomialNB,
trained on TRAIN.jsonl and evaluated on TEST.jsonl (same records as quarry).
Lines are decoded as UTF-8 with errors="replace" (quarry's reader does the
same repair). Prints one JSON object: accuracy, macro_f1, documents.

usage: spam_sklearn.py TRAIN.jsonl TEST.jsonl [ALPHA [MAX_NGRAM]]
(defaults: alpha 1.0, unigrams: CountVectorizer() + MultinomialNB() as shipped)
"""
import json
import sys

from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.naive_bayes import MultinomialNB

def load(path):
    texts, labels = [], []
    with open(path, "rb") as f:
        for line in f:
            r = json.loads(line.decode("utf-8", errors="replace"))
            texts.append(r["text"])
            labels.append(r["label"])
    return texts, labels

def main():
    xtr, ytr = load(sys.argv[1])
    xte, yte = load(sys.argv[2])
    alpha = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    ngram = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    vec = CountVectorizer(ngram_range=(1, ngram))
    clf = MultinomialNB(alpha=alpha)
    clf.fit(vec.fit_transform(xtr), ytr)
    pred = clf.predict(vec.transform(xte))
    print(json.dumps({"documents": len(yte), "accuracy": accuracy_score(yte, pred),
                      "macro_f1": f1_score(yte, pred, average="macro"),
                      "features": len(vec.vocabulary_)}))

main()
