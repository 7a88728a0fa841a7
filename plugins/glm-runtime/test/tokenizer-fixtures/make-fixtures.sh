#!/usr/bin/env bash
# Regenerates the reference SentencePiece models and their expected encodings with the C++
# library's own tools (Debian package `sentencepiece`: spm_train, spm_encode, spm_decode).
# Not run by the tests: they only read the files this writes. The corpus is synthetic.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import json, random, sys
work = sys.argv[1]
random.seed(3)
cjk = "肝胆囊结石硬化炎症疼痛右上腹黄疸发热治疗手术检查超声病毒感染慢性急性患者医生建议复查功能指标升高降低正常异常，。：？！（）"
words = ["hepatitis","cirrhosis","cholangitis","ALT","AST","bilirubin","ultrasound","liver","gallbladder","stone","the","patient","with","and","of","was","Hepatitis","ＡＢＣ","ｆｕｌｌ","①","２０２３"]
lines = []
for i in range(3000):
    s = ""
    for j in range(random.randint(5, 30)):
        r = random.random()
        if r < 0.6: s += random.choice(cjk)
        elif r < 0.95: s += " " + random.choice(words)
        else: s += " " + str(random.randint(0, 999))
    lines.append(s.strip())
open(f"{work}/corpus.txt", "w").write("\n".join(lines) + "\n")
tests = ["肝硬化患者 hepatitis B", "  The patient  with ALT 120 and AST 98  ", "ＡＢＣ ｆｕｌｌ ① ２０２３ test",
         "未知字符龘 emoji 🩺 end", "gallbladder stone<n>next", "a", "", "Hepatitis cirrhosis, cholangitis!",
         "tab\there\t\tx", "全角\u3000空格\u3000\u3000两个", "literal ▁ piece▁here", "ｶﾀｶﾅ ﬁ ﬀ Å Å", "x" * 50,
         "  leading", "trailing   ", "<n><n> <n>", "ALT120AST98", "Ⅻ ㍻ ㎏ ½"] + lines[:40]
open(f"{work}/tests.txt", "w").write("\n".join(tests) + "\n")
PY
train() { spm_train --input="$work/corpus.txt" --model_prefix="$work/$1" "${@:2}" >/dev/null 2>&1; cp "$work/$1.model" "$1.model"; }
# unigram, nmt_nfkc (the real precompiled charsmap), byte fallback, a user-defined symbol
train unigram-nfkc --vocab_size=400 --model_type=unigram --byte_fallback=true --user_defined_symbols="<n>"
# BPE, identity normalization, byte fallback
train bpe-bytes --vocab_size=500 --model_type=bpe --byte_fallback=true --normalization_rule_name=identity
# unigram keeping every space and no dummy prefix
train unigram-raw --vocab_size=300 --model_type=unigram --remove_extra_whitespaces=false --add_dummy_prefix=false --normalization_rule_name=identity
# BPE without byte fallback: unknown runs become one <unk>
train bpe-unk --vocab_size=500 --model_type=bpe --normalization_rule_name=identity
for m in unigram-nfkc bpe-bytes unigram-raw bpe-unk; do
  spm_encode --model="$m.model" --output_format=id <"$work/tests.txt" >"$work/$m.ids"
  spm_decode --model="$m.model" --input_format=id <"$work/$m.ids" >"$work/$m.dec"
done
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
tests = open(f"{work}/tests.txt").read().split("\n")[:-1]
out = {}
for m in ["unigram-nfkc", "bpe-bytes", "unigram-raw", "bpe-unk"]:
    ids = open(f"{work}/{m}.ids").read().split("\n")[:-1]
    dec = open(f"{work}/{m}.dec").read().split("\n")[:-1]
    out[m] = [{"text": t, "ids": [int(x) for x in i.split()], "decoded": d} for t, i, d in zip(tests, ids, dec)]
with open("expected.json", "w") as f:
    f.write("{\n" + ",\n".join(json.dumps(m, ensure_ascii=False) + ": [\n" + ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n]" for m, cases in out.items()) + "\n}\n")
PY
