# bench/b10_text.py ROOT SCALE: bench B10's text-heavy result tree (CSV
# sensor rows, JSON lines, training logs; about 40 MB at SCALE 1, 52 MB of
# ustar), the same bytes as bench/b10_compress.sh makes inline.
import os, random, sys
root, scale = sys.argv[1], float(sys.argv[2])
rnd = random.Random(10)
os.makedirs(root)
def f(rel, lines):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as fh:
        fh.writelines(lines)
for part in range(4):
    f("sensors/part%d.csv" % part, ["ts,sensor,temp_c,humidity,pressure_hpa,status\n"] + [
        "2026-11-%02dT%02d:%02d:%02d.%03dZ,node-%04d,%.2f,%.1f,%.1f,%s\n" % (
            1 + i // 86400 % 28, i // 3600 % 24, i // 60 % 60, i % 60, rnd.randrange(1000),
            rnd.randrange(500), rnd.gauss(21, 4), rnd.uniform(15, 90),
            rnd.gauss(1013, 8), rnd.choice(["ok", "ok", "ok", "warn", "degraded"]))
        for i in range(int(100000 * scale))])
f("metrics.jsonl", ['{"step":%d,"epoch":%d,"loss":%.6f,"acc":%.5f,"lr":%.2e,"grad_norm":%.4f}\n' % (
    i, i // 1000, 3.0 / (1 + i / 500) + rnd.random() / 50, min(0.99, i / 40000 + rnd.random() / 20),
    1e-3 * 0.99 ** (i // 1000), rnd.lognormvariate(0, 0.5)) for i in range(int(150000 * scale))])
f("logs/train.log", ["%s INFO trainer: epoch=%d step=%d loss=%.4f throughput=%.1f samples/s gpu_mem=%dMiB\n" % (
    "2026-11-30 %02d:%02d:%02d" % (i // 3600 % 24, i // 60 % 60, i % 60), i // 1000, i,
    rnd.random() * 2, rnd.gauss(900, 40), rnd.randrange(10000, 16000)) for i in range(int(120000 * scale))])
f("logs/eval.log", ["eval step=%d metric=%s value=%.5f\n" % (
    i, rnd.choice(["bleu", "rouge-l", "f1", "exact"]), rnd.random()) for i in range(int(60000 * scale))])
