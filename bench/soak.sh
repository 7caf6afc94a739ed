#!/usr/bin/env bash
# soak.sh: a long encrypted session between srtscope and libsrt
# (srt-live-transmit) in both directions, past the 32-bit SRT timestamp wrap
# (71 min 35 s), with keys refreshed every KMREFRESH packets.
#
#   srtscope send --demo --loop  --SRT, encrypted-->  srt-live-transmit  --SRT, encrypted-->  srtscope watch --inspect
#   (caller, gosrt sender refreshes keys)             (listener in, caller out,             (listener)
#                                                      libsrt sender refreshes keys)
#
# Both hops use the same passphrase and kmrefreshrate=KMREFRESH,
# kmpreannounce=KMPRE (libsrt allows at most (kmrefreshrate-1)/2), so the key
# is switched by gosrt's sender on the first hop and by libsrt's on the
# second. The demo clip is ~0.6 Mbit/s (~57 packets/s): a refresh every
# ~90 s, ~50 in 80 min. The second hop's SRT timestamps start at its
# connection, so they wrap 71 min 35 s into the run.
#
# Reports, at the end:
#   continuity: what srtscope's receiver counted (delivered, lost, recovered,
#     dropped, reconnects), what srt-live-transmit's receiver counted for
#     srtscope's sender, and the TS continuity seen by --inspect (a packet
#     decrypted with the wrong key turns into noise: sync-byte and CC errors,
#     since gosrt counts no decrypt failure for a wrongly keyed packet);
#   (srt-live-transmit -s counts packets: a cumulative record every 500)
#   memory: RSS of both srtscope processes sampled every SAMPLE_S seconds,
#     the first sample after one minute against the last.
# Exit status 0 when the continuity is clean (no gap, drop, reconnect or
# TS error at either receiver, no connection lost) and RSS grew by less than 20%; 1 otherwise.
#
# Usage: bench/soak.sh [DURATION_S]   (default 4800 = 80 min)
# Environment: KMREFRESH (5000), KMPRE (1000), SAMPLE_S (30),
# SRTSCOPE=path/to/srtscope to test that build, KEEP=dir to keep the logs,
# WATCH_ARGS="--arrival-tap=true" to pass more flags to the receiving watch
# (the tap's arrival times and play-time estimate must hold past the wrap).
# Needs go, srt-live-transmit and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-4800}
KMREFRESH=${KMREFRESH:-5000}
KMPRE=${KMPRE:-1000}
SAMPLE_S=${SAMPLE_S:-30}
PASS=soak-passphrase-17
for tool in go srt-live-transmit python3; do
  command -v "$tool" >/dev/null || { echo "soak.sh: $tool is not installed" >&2; exit 1; }
done

WORK=${KEEP:-$(mktemp -d)}
mkdir -p "$WORK"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${SRTSCOPE:-}" ]; then
  cp "$SRTSCOPE" "$WORK/srtscope"
else
  go build -o "$WORK/srtscope" .
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
P_IN=$(free_port)
P_OUT=$(free_port)
KM="kmrefreshrate=$KMREFRESH&kmpreannounce=$KMPRE"

echo "soak.sh: $DURATION s, keys refreshed every $KMREFRESH packets (preannounce $KMPRE), logs in $WORK"
uptime

"$WORK/srtscope" watch "srt://127.0.0.1:$P_OUT?mode=listener&passphrase=$PASS" --format json --inspect ${WATCH_ARGS:-} \
  --duration "$((DURATION + 20))s" >"$WORK/watch.jsonl" 2>"$WORK/watch.err" &
WATCH=$!
PIDS+=("$WATCH")
srt-live-transmit -a yes -s 500 -f -pf json -statsout "$WORK/slt.json" \
  "srt://127.0.0.1:$P_IN?mode=listener&passphrase=$PASS" \
  "srt://127.0.0.1:$P_OUT?mode=caller&passphrase=$PASS&$KM" >"$WORK/slt.log" 2>&1 &
SLT=$!
PIDS+=("$SLT")
sleep 0.5 # both listening before the sender calls (it would retry, later)
"$WORK/srtscope" send "srt://127.0.0.1:$P_IN?passphrase=$PASS&$KM" --demo --loop --format json \
  --duration "${DURATION}s" >"$WORK/send.jsonl" 2>"$WORK/send.err" &
SEND=$!
PIDS+=("$SEND")

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
start=$(date +%s)
echo "elapsed_s watch_rss_kib send_rss_kib slt_rss_kib" >"$WORK/rss.txt"
while kill -0 "$SEND" 2>/dev/null; do
  now=$(date +%s)
  echo "$((now - start)) $(rss_kib "$WATCH") $(rss_kib "$SEND") $(rss_kib "$SLT")" >>"$WORK/rss.txt"
  # Sleep in short steps so the sender's end is noticed promptly.
  for _ in $(seq "$SAMPLE_S"); do kill -0 "$SEND" 2>/dev/null || break; sleep 1; done
done
send_rc=0
wait "$SEND" || send_rc=$?
watch_rc=0
wait "$WATCH" || watch_rc=$?
kill "$SLT" 2>/dev/null || true
wait "$SLT" 2>/dev/null || true
uptime

python3 - "$WORK" "$DURATION" "$send_rc" "$watch_rc" <<'EOF'
import json, sys
work, duration, send_rc, watch_rc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
problems = []

def jsonl(path):
    out = []
    for line in open(path, errors="replace"):
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out

# srtscope's receiver (second hop, libsrt sender refreshing keys).
watch = jsonl(f"{work}/watch.jsonl")
summ = next((o for o in reversed(watch) if "summary" in o), None)
if summ is None:
    problems.append("watch printed no summary")
    s, ins = {}, {}
else:
    s, ins = summ["summary"], summ.get("inspection") or {}
tr = ins.get("tr101290", {})
connected_events = [e for e in s.get("events", []) if e["kind"] == "connected"]
print(f"srtscope watch (receiving from srt-live-transmit): connected {s.get('connected_s', 0):.0f} s, "
      f"connects {len(connected_events)}, reconnects {s.get('reconnects')}, recv {s.get('pkts_recv')}, "
      f"lost {s.get('pkts_lost')}, retrans {s.get('pkts_retrans')}, dropped {s.get('pkts_dropped')} "
      f"(late {s.get('pkts_late')}, at risk {s.get('pkts_at_risk')}), exit {watch_rc}")
print(f"  TS after decryption: sync_byte_error {tr.get('sync_byte_error')}, ts_sync_loss {tr.get('ts_sync_loss')}, "
      f"cc_error {tr.get('cc_error')}, transport_error {tr.get('transport_error')}")
for k in ("pkts_lost", "pkts_dropped", "pkts_late", "pkts_at_risk", "reconnects"):
    if s.get(k):
        problems.append(f"watch {k} = {s.get(k)}")
if len(connected_events) != 1:
    problems.append(f"watch connected {len(connected_events)} times")
for k in ("sync_byte_error", "ts_sync_loss", "cc_error"):
    if tr.get(k):
        problems.append(f"watch TS {k} = {tr.get(k)}")
if watch_rc:
    problems.append(f"watch exited {watch_rc}")
for e in s.get("events", []):
    if e["kind"] not in ("connecting", "connected"):
        print(f"  event {e['time']} {e['kind']}: {e['detail']}")

# srtscope's sender (first hop, gosrt refreshing keys).
send = jsonl(f"{work}/send.jsonl")
samples = [o for o in send if "pkts_sent" in o and "summary" not in o]
ssum = next((o["summary"] for o in reversed(send) if "summary" in o), None)
if ssum:
    print(f"srtscope send (to srt-live-transmit): sent {ssum.get('pkts_sent')}, retrans {ssum.get('pkts_retrans_sent')}, "
          f"send-dropped {ssum.get('pkts_send_dropped')}, connects {ssum.get('connects')}, exit {send_rc}")
    if ssum.get("connects") != 1:
        problems.append(f"send connected {ssum.get('connects')} times")
    if ssum.get("pkts_send_dropped"):
        # Not a continuity failure by itself: on a loaded machine a late ACK
        # makes the sender give up on a packet the receiver had already.
        print(f"  note: the sender dropped {ssum.get('pkts_send_dropped')} (acknowledged too late); the receivers' counts say whether it was missed")
else:
    problems.append("send printed no summary")
if send_rc:
    problems.append(f"send exited {send_rc}")

# srt-live-transmit's receiver of srtscope's sender, and its sender.
slt = jsonl(f"{work}/slt.json")
recv = [o for o in slt if o.get("recv", {}).get("packets")]
sent = [o for o in slt if o.get("send", {}).get("packets")]
if recv:
    r = recv[-1]["recv"]
    print(f"srt-live-transmit receiving from srtscope: recv {r.get('packets')}, lost {r.get('packetsLost')}, "
          f"dropped {r.get('packetsDropped')}, retrans {r.get('packetsRetransmitted')}"
          + (f", undecrypted {r['packetsUndecrypted']}" if 'packetsUndecrypted' in r else ""))
    for k in ("packetsLost", "packetsDropped", "packetsUndecrypted"):
        if r.get(k):
            problems.append(f"srt-live-transmit {k} = {r.get(k)}")
else:
    problems.append("srt-live-transmit reported no received packets")
if sent:
    x = sent[-1]["send"]
    print(f"srt-live-transmit sending to srtscope: sent {x.get('packets')}, retrans {x.get('packetsRetransmitted')}, dropped {x.get('packetsDropped')}")
km = sum(1 for l in open(f"{work}/slt.log", errors="replace") if "KM" in l or "key" in l.lower())
if km:
    print(f"  srt-live-transmit log lines about keys: {km} (see {work}/slt.log)")

# Memory.
rows = [list(map(int, l.split())) for l in open(f"{work}/rss.txt").read().splitlines()[1:] if l.strip()]
base = next((r for r in rows if r[0] >= 60), rows[0] if rows else None)
if base and rows:
    last = rows[-1]
    for i, name in ((1, "watch"), (2, "send"), (3, "srt-live-transmit")):
        peak = max(r[i] for r in rows)
        growth = (last[i] - base[i]) / base[i] * 100 if base[i] else 0
        print(f"RSS {name}: {base[i]} KiB at {base[0]} s -> {last[i]} KiB at {last[0]} s ({growth:+.1f}%), peak {peak} KiB")
        if i < 3 and base[i] and growth > 20:
            problems.append(f"{name} RSS grew {growth:.0f}%")
wrap = 71 * 60 + 35
print(f"past the SRT timestamp wrap (71 min 35 s): {'yes' if duration > wrap else 'no'} ({duration} s)")
print("RESULT: " + ("clean" if not problems else "PROBLEMS: " + "; ".join(problems)))
sys.exit(1 if problems else 0)
EOF
