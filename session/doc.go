// Package session opens SRT sessions over gosrt (caller, listener, sender),
// samples trustworthy statistics once per second and reports events in words.
// It never imports probe, app or Fyne: received TS bytes go to a Sink.
//
// # Drops a libsrt receiver would see
//
// A decoder behind libsrt (vMix, OBS, ffmpeg, Haivision) loses every
// packet that is not in its receive buffer at its play time: TSBPD skips
// it (TLPKTDROP) as soon as a later packet is due. gosrt v0.11.0 delivers
// such packets anyway, for two reasons found here:
//
//   - Its play time is not libsrt's. libsrt sets the TSBPD base from the
//     peer's conclusion handshake: base = its arrival - its timestamp, and
//     plays a packet at base + timestamp + latency (+ drift). gosrt adds its
//     time base to the play time and to the clock it compares with, where
//     it cancels: a gosrt listener plays at the handshake's arrival +
//     timestamp + latency, later than libsrt by the caller's handshake
//     timestamp (the age of the caller's socket: a handshake round trip,
//     plus 250 ms for every handshake lost; 1.6 s measured behind ffmpeg).
//     Through heavy loss it therefore has hundreds of ms more to recover.
//     (A gosrt caller plays earlier than libsrt instead, by the time its
//     handshake took; its drift correction stays 0.)
//   - Its arrival times are not exposed: a delivered packet carries only
//     gosrt's play time, and is handed over at that time.
//
// So the Receiver can put an arrival tap (tap.go) in front of gosrt
// (ReceiverOptions.ArrivalTap, watch --arrival-tap, off by default there;
// on for the app's feeds with a port of their own, see the cost below):
// an in-process UDP forwarder that owns the public socket, notes each
// data packet's arrival (sequence number, retransmitted flag, time) and
// passes every datagram on unchanged over loopback. A listener's tap
// forwards through one upstream socket per remote peer, so gosrt still
// tells peers apart, and maps the addresses back for events and samples;
// a caller's gosrt dials the tap, which forwards to the peer. gosrt's
// Listen and Dial create their own sockets (no PacketConn can be
// injected) and its logger hook would format a hex dump per packet, so a
// forwarder is the one way that needs no copy of gosrt.
//
// The hop costs a loopback send per datagram, which the kernel's loopback
// delivery to gosrt's socket dominates. On Linux the tap reads every
// queued datagram with one recvmmsg, takes each one's arrival time from
// the kernel (SO_TIMESTAMPNS: exact however late the tap reads), and
// passes the batch on with one sendmmsg in which each run of equal-size
// datagrams (a steady stream's data packets, with a shorter one after
// them) is one UDP GSO message (UDP_SEGMENT; a listener's tap sends from
// sockets connected to gosrt's): the kernel's IP, UDP and loopback path
// runs once per run, and gosrt's socket, which has no GRO, receives the
// datagrams split again, in order. Where the kernel refuses GSO the tap
// sends one datagram per message from then on. It forwards what a read
// gave at once: an earlier tap paused 1 ms between reads to gather
// batches, which cost as much CPU and held every datagram, control packets
// too (the ACKACK times gosrt's RTT), up to 1 ms. Elsewhere it moves one
// datagram per call. bench/watch_cpu.sh measures watch with and without
// the tap against srt-live-transmit in one run.
//
// That is more than issue 17's budget (the tap may add 15%) behind
// srtscope's own sender: five alternating rounds, quiet (load 0.1..0.4),
// gave +27% at 50 Mbit/s (watch 6.86 / 8.73 / srt-live-transmit 5.43 CPU
// s, so 1.26x and 1.61x libsrt) and +26% at 20 Mbit/s (4.45 / 5.59 /
// 4.16; 1.07x and 1.34x); perf stat puts it at 4..6 us of CPU per packet,
// the second trip through the kernel, with no more context switches. So
// the tap stays off by default for watch, the headless receiver whose CPU
// at high rates is what the budget guards. The app's feeds with a port of
// their own always use it (app.FeedSpec.ArrivalTimed): the window's
// dropped figure and its receive-buffer gauge are what the operator acts
// on, and a feed at an encoder's usual 5..20 Mbit/s pays about 1% of a
// core for them. The latency wizard and the line test's receiver always
// use it too (a short run, judged by what a libsrt decoder would lose).
// Earlier runs, ROUNDS=2:
// (load 0.07..0.17, ROUNDS=2, 20 s, this tap), watch without / with the
// tap / srt-live-transmit, CPU s: behind srtscope send 2.55 / 2.80 / 2.10
// at 20 Mbit/s (+10%) and 3.35 / 4.22 / 2.99 at 50 Mbit/s (+26%; with the
// tap 1.33x and 1.41x libsrt); behind ffmpeg's libsrt (SENDER=ffmpeg,
// load 0.4..1.3) 2.67 / 2.88 / 0.98 (+8%) and 3.86 / 4.57 / 1.45 (+18%),
// where srt-live-transmit is far cheaper behind a libsrt sender than
// behind gosrt's and watch without the tap is 2.7x it. bench/watch_cpu.sh with
// ROUNDS=2, 20 s each, watch without / with the tap / srt-live-transmit,
// CPU s, sender srtscope send (gosrt: bursts of about 20 datagrams): this
// tap at load 1..3.3, 2.25 / 2.65 / 1.91 at 20 Mbit/s (+18%) and 3.40 /
// 4.15 / 2.66 at 50 Mbit/s (+22%), and again at load 0.3..1, 2.49 / 3.02
// / 2.22 (+21%) and 3.55 / 4.70 / 3.27 (+32%); GSO with the 1 ms pause, load 0.9..3.9,
// 1.89 / 2.80 / 1.72 (+48%) and 2.57 / 3.88 / 2.01 (+51%); the tap before
// GSO, quiet (load 0.4..3), 2.36 / 2.85 / 1.70 (+21%) and 3.06 / 4.44 /
// 2.02 (+45%). Runs without the tap differ by up to 25% between runs:
// compare ratios within a run. Behind ffmpeg (libsrt paces each packet
// alone), go test -bench 'Receive/50Mbps/receiver(\+tap)?$' -benchtime
// 60000x, three rounds at load 0.5..1.9, CPU s per s: no tap 0.107 / 0.098
// / 0.101, this tap 0.104 / 0.089 / 0.114 (no measurable cost), with the 1
// ms pause 0.109 / 0.117 / 0.116 (+12%). Profiles (pprof, 50 Mbit/s):
// behind ffmpeg GSO took the tap's send from 0.27 s to 0.07 s of about 1.2
// s in 16 s; in watch behind srtscope send over 15 s, with the pause, the
// tap was 0.45 s of 1.56 s (send 0.27, read 0.16) and the scheduler 0.29 s
// against 0.11 s without the tap; now the tap is 0.22 s of 1.37 s (send
// 0.12, read 0.07, reverse path 0.03), gosrt's socket reader 0.51 s
// against 0.62 s without the tap (it wakes once per batch), the scheduler
// 0.20 s as without. Waiting for the public socket in a blocking ppoll
// instead of Go's poller cost more (50 Mbit/s, 12 s, no tap 0.88 / 0.85 s,
// poller 1.16 / 1.02, ppoll 1.38 / 1.44). So did a reader on a socket of
// its own outside the poller, waiting in a blocking recvmmsg
// (MSG_WAITFORONE; shutdown(2) and SO_RCVTIMEO to stop), with and without
// LockOSThread: perf stat task-clock of watch over 10 s at 50 Mbit/s, two
// rounds at load 0.9..3, behind srtscope send no tap 0.96 / 1.04 s,
// poller 1.25 / 1.28, blocking 1.49 / 1.45, locked thread 1.50 / 1.40;
// behind ffmpeg 1.10 / 0.98, 1.23 / 1.32, 1.36 / 1.50, 1.33 / 1.44. It
// forwarded as many batches (about 950 a second of 5 datagrams each: a
// burst keeps arriving while the tap forwards what it read) with 1.7x the
// context switches: a thread asleep in a syscall keeps its P until sysmon
// takes it, and must get one back before it goes on. Yielding once
// (runtime.Gosched) before parking on an empty socket, to catch the rest
// of a burst without a wakeup, saved nothing either (same measure, load
// 0.2..1: behind srtscope send no tap 0.90 / 0.81 s, poller 1.20 / 0.95,
// yield 1.20 / 0.99; behind ffmpeg 0.97, 1.16, 1.22). perf record of watch
// behind srtscope send (15 s, 50 Mbit/s; 2.23 s with the tap, 1.67 s
// without, separate runs) puts 85% of the tap's forwarding loop in the
// kernel: sendmmsg 0.21 s, recvmmsg 0.12 s, its own Go code 0.06 s
// (recording arrivals 0.01 s). A loopback send runs the whole
// receive path of gosrt's socket (IP, UDP, the socket queue, waking
// gosrt's reader) in the sender's context, which without the tap the
// network's softirq pays for the public socket, outside the process. So
// the rest of the cost is the second trip through the kernel's UDP stack,
// which only a hook inside gosrt (arrival times on its own socket) would
// avoid.
//
// For each delivered packet the read loop then takes the play time a
// libsrt receiver would use: the TSBPD base is the shortest transit of any
// original packet so far (arrival - gosrt's unwrapped timestamp), which is
// what a handshake through the same path measures, plus timestamp plus
// latency. Gaps in the delivered sequence numbers (never delivered) count
// in pkts_dropped. Each delivered retransmission's recovery margin, play
// time minus arrival, feeds recovery_margin_min_ms and
// recovery_margin_p5_ms per sample and the summary's histogram.
//
// # Late
//
// libsrt's TSBPD does not drop a packet because its own play time has
// passed. Its too-late drop (TLPKTDROP) skips a missing packet only when
// a later packet is in the receive buffer and due to play: at
// max(arrival, play time) of the first later packet present. So a
// delivered packet counts as late (pkts_late, and in pkts_dropped) only
// when some later packet had arrived and was due before the packet's
// delivered copy arrived. After an outage nothing later is due while the
// path is down, and the retransmissions that follow it come in order: the
// first packet after the gap is played late, then the next, and libsrt
// drops none of them (a 200 ms outage every 5 s at 4x RTT drops nothing in
// srt-live-transmit), however negative their own margins. The read loop
// finds this by walking the arrival ring from the packet upwards while the
// later packets' play times (play time + timestamp difference) are before
// the packet's arrival (plus the at-risk band below): one step for a
// packet in time, at most 8192.
// # At risk
//
// Both receivers NAK a gap as soon as a later packet shows it, then
// report every packet still missing every P = max((RTT + 4*RTTVar)/2,
// 20 ms) (libsrt 1.5.1: checkNAKTimer, run when packets arrive or every
// 10 ms, with LiveCC's NAK report accelerator 2 and 20 ms minimum; gosrt:
// NAKInterval on its 10 ms tick). The same libsrt sender answers both:
// with SRTO_RETRANSMITALGO 1 (the 1.5 default) it ignores a NAK for a
// packet it retransmitted less than SRTT - 4*RTTVar ago (the receiver's
// figures, from its ACKs), and it drops from its buffer what is older
// than max(latency, 1 s) + 20 ms (SRT_TLPKTDROP_MINTHRESHOLD_MS, sending
// a DROPREQ, which gosrt ignores). So a repair that answers the first
// NAK comes one RTT after the gap showed, behind either receiver; the
// ones after it come on the periodic NAK, whose timer neither receiver
// ties to the loss at hand (gosrt's runs on its tick; libsrt's restarts
// at each check while nothing is missing and runs on while something
// is), so behind libsrt such a repair could have come up to a period
// earlier or later than it came here. The rule before this one counted
// only the later side (recovered with m < P/2, the expected count of
// "lost to libsrt with probability (P - m)/P") and left out the packets
// gosrt got late that libsrt's phase would have repaired in time. Traced
// per packet at 20% and 30% loss, 4x RTT (libsrt dropped 33 and 126 in
// the same window): the repairs that needed periodic NAKs spread evenly
// over 45..200 ms after the gap, without peaks a period apart; the
// expected libsrt count with libsrt's repair later by U(0, P) is 44 and
// 192, with the difference of two independent phases 32 and 143, with
// no shift (late + never delivered) 30 and 134. The phase term is
// therefore not counted: what srtscope cannot see of libsrt's timing is
// its play time's drift correction, which libsrt keeps within
// TSBPD_DRIFT_MAX_VALUE = 5 ms before it moves its TSBPD base. So
// pkts_at_risk counts the retransmissions recovered with less than
// libsrtRecoveryNeeds = 5 ms to spare. The margin is to the skip time
// above, counting only later packets that came as originals: a later
// packet recovered by the same NAK moves with the packet's own repair, so
// it sets no deadline the repair could miss (after an outage every
// retransmission is a fraction of a millisecond ahead of the next one,
// and none is at risk). Dropped + at risk is what the latency wizard
// judges by.
//
// # Outages
//
// After an outage longer than about 1 s the libsrt sender has dropped
// (above) what it sent in the outage's first (outage + RTT - max(latency,
// 1 s) - 20 ms) and retransmits the rest at once; nothing later is due
// before that burst arrives, so both receivers lose exactly the sender's
// drops and play the rest late. Measured, 1.4 s outages every 5 s at 4x
// RTT (30 s, load 1.5..7): srt-live-transmit's pktRcvDrop grew by 41, 41,
// 41, 53, 44 per outage (the 53 with 91 belated as the load rose to 7),
// srtscope's gaps were 41, 38, 41, 38, 41 (0.42 s at 95 packets/s), 199
// in all against 220, none late or at risk.
//
// # At the edge
//
// At 30% loss and 12x RTT (492 ms) libsrt dropped 0 to 4 packets per run
// and srtscope counted 0 to 3. Traced per packet (relay and tap logs, seed
// 17), the same few packets decide both: those whose retransmissions the
// keyed relay loses again and again (in every run with this seed, +2210's
// first four retransmissions and +62's first five), and the first packets
// of the stream, lost while the NAK period still follows the initial RTT
// (libsrt's first periodic NAK came after 320 ms, gosrt's every 80..120
// ms). Behind either receiver their repairs come 410..570 ms after the
// original, and whether a repair beats the play time depends on which
// NAKs the reverse path loses and where each NAK falls against the
// sender's suppression window (above). +10 came 27 ms after its play time
// behind gosrt, whose periodic NAKs at 138, 258 and 359 ms were all lost,
// and 14 ms before it behind libsrt, whose one at 321 ms went through.
// +2210 came at 552 ms behind gosrt, whose fifth NAK left 9 ms after the
// fourth retransmission and was ignored, at 430 ms behind libsrt; libsrt
// lost +62 in another run (five retransmissions lost by 572 ms) where
// gosrt got it. srtscope's play time is libsrt's: its TSBPD base
// came within 0.5 ms of the one libsrt takes from the conclusion
// handshake (the tap's arrival minus the handshake's timestamp; the
// estimate fell 0.3 ms after the first packets), and gosrt's own play
// time was 306 ms later. What the reverse path did to a receiver's NAKs
// that receiver cannot see, so such packets count as gosrt got them, and
// where libsrt's expected count is below one a cell reads 0 or a few on
// either side from run to run. The relay keys NAK losses like data
// (--srt-seq), so at least both receivers lose the same requests, not
// whichever NAK meets a given draw among their different ACKs; between
// two NAKs for one packet gosrt waits a median 30 ms (its period on its
// 10 ms tick), libsrt 28 ms.
//
// # Repair rounds
//
// At 20% loss and 4x RTT srtscope counts more than libsrt, and the
// judging is not why: gosrt repairs a packet lost more than once later
// than libsrt does. Traced per packet in two runs (seed 17, relay, tap
// and srt-live-transmit's RCV-DROPPED log; libsrt 29 | 46 (28 late / 6
// at risk / 12 never delivered) and 30 | 43 (28/3/12)): libsrt dropped
// 11 of the 12 packets gosrt never delivered, in both runs (times from
// the original's sending). The relay lost every copy the sender sent in
// time (+1308: the original and three retransmissions, the last sent 212
// ms after the original, play time 184 ms), or the copy that got through
// came after gosrt's own skip, which its later play time puts 42 ms
// after libsrt's (+1161 came at 230 ms, gosrt played the next packet at
// 229, libsrt at 184): gosrt had acknowledged past it and dropped it. No
// packet counted twice, and srtscope counted every packet libsrt dropped
// but the stream's first (+1, +4, +15: libsrt's first periodic NAK
// follows the initial RTT, see "At the edge"; gosrt got them 4..5 ms
// after their play time, +1 and +4 counted at risk) and, in one run, two
// at its end and one whose repair came later behind libsrt. The excess
// is the 15 and 12 late packets (and 4 and 1 at risk) that libsrt kept,
// plus one never delivered each run. For 32 of these 34 the copy that
// got through was the same behind both receivers (the relay keys the
// k-th send of a packet), but left the sender later behind gosrt (the
// other two: gosrt's first four NAKs for +1876 were lost; +279's
// deadline moved with its neighbour's repair): +2319's second
// retransmission at 164 ms against 87, +1497's third at 188 against 151,
// +2353's third at 220 against 163. The sender ignores a NAK that comes
// within about SRTT - 4*RTTVar (33 ms here) of its last retransmission
// of the packet, so only every other periodic NAK counts; gosrt's
// period, (RTT + 4*RTTVar)/2 = 21..25 ms, runs on its 10 ms tick and
// fires every 30 ms (median between two NAKs for one packet 29.3 ms),
// libsrt's every 25 ms (25.2): a repair round takes 60 ms behind gosrt
// and 50..55 behind libsrt. Over all packets the second retransmission
// left a median 4..6 ms later behind gosrt, the third 7..10 ms (p90
// 20..33 ms). At 164 ms latency a packet whose first two retransmissions
// are lost gets its third 150..220 ms after the original, around its
// play time (184 ms after it was sent), so the rounds decide. srtscope
// counts what a libsrt decoder behind gosrt's repairs loses; a libsrt
// receiver asks faster. Modelling libsrt's NAK schedule instead is left
// out: it depends on which of libsrt's NAKs the path and the sender's
// suppression would have let through, which srtscope cannot see.
//
// # Measured
//
// bench/drops_vs_libsrt.sh: srt-live-transmit's pktRcvDrop against
// srtscope's dropped + at risk, the same libsrt sender through the same
// seeded relay (20 ms each way, 41 ms RTT), 45 s each, one cell at a
// time under the shared measurement lock, load average at the cell's
// start. srtscope's figures are its last sample while packets came:
// srt-live-transmit writes its statistics every 50 packets received, so
// what libsrt drops after the stream ends (the holes the sender quit
// before repairing) is in neither figure. NAK losses keyed (above).
// libsrt | srtscope (late / at risk / never delivered), smallest margin:
// 10% loss 4x 5 | 7 (5/1/1) -70 ms (load 1.8), 8x 1 | 0 74 ms (4.0), 12x
// 0 | 0 279 ms (0.3); 20% 4x 25 | 38 (24/1/13) -84 ms (3.0), 8x 2 | 1
// (0/1/0) 0.5 ms (0.4), 12x 0 | 0 161 ms (0.3); 30% 4x 113 | 146
// (136/10/0) -324 ms (0.2), 8x 12 | 18 (17/1/0) -134 ms (2.3), 12x 0 | 1
// (1/0/0) -43 ms (2.9). Seven of nine within 40% (or 6 packets); 20% 4x
// is 13 over with 13 never delivered (libsrt gave 37, 33 and 26..29 in
// that cell before; the excess is gosrt's repair rounds, see above), and
// 30% 12x is the packet at the edge (above).
// Re-run at once: 20% 4x 30 | 41 (23/4/14) -76 ms (0.1), 30% 12x 0 | 0,
// smallest margin 5.4 ms (0.3). Eight runs of 30% 12x in one afternoon
// (the first four with positional NAK draws), load 0.3..6.9: libsrt 0,
// 1, 0, 0, 0, 1, 0, 0; srtscope late 0, 0, 1 (+10), 0, 1 (+2210), 1
// (+2210), 1, 0.
// The whole table again later (load 0.06..0.57): 10% 4x 5 | 6 (4/1/1)
// -48 ms, 8x 1 | 0 81 ms, 12x 0 | 0 202 ms; 20% 4x 35 | 44 (25/2/17) -78
// ms, 8x 2 | 1 (1/0/0) -16 ms, 12x 0 | 0 181 ms; 30% 4x 126 | 153
// (139/13/1) -319 ms, 8x 16 | 21 (19/2/0) -214 ms, 12x 0 | 0 -9.9 ms:
// all nine within 40%. 20% 4x twice more 34 | 42 (24/1/17) -89 ms (0.3)
// and 34 | 44 (28/2/14) -85 ms (3.8), and traced (see "Repair rounds")
// 29 | 46 (28/6/12) and 30 | 43 (28/3/12).
// Before NAK keying and with srtscope's whole-run summary: 10% 4x 3 | 5
// (6.5), 8x 1 | 0 (15.5), 12x 0 | 0 (5.3); 20% 4x 37 | 39 (1.1), 8x 1 |
// 2 (2.7), 12x 0 | 0 (4.8); 30% 4x 120 | 153 (8.9) and 127 | 155 (9.2),
// 8x 10 | 14 (16.8), 12x 0 | 1 (2.3) and 0 | 3 (3.2). (The load is the
// minute before the cell, often another helper's measurement.)
// Outages alone, 30 s: 1.4 s every 5 s at 4x 204 | 204 (0/0/204) (load
// 4.7) and at 16x 188 | 188 (1.2); 200 ms every 5 s at 4x 0 | 0 (0.5),
// at 8x 0 | 0 (1.8). Before this rule (band P/2) srtscope counted
// 185 against 132 at 30% 4x and 62 against 32 at 20% 4x (load 0.5..4),
// the over-count being the band; the outage at 4x, 508 against 252 (121
// late, 93 at risk, 294 never delivered) at load 3.6..11.8, did not come
// back at lower load, where srtscope's gaps are exactly the sender's
// drops (above). Drop counts on a shared 2-core machine swing with load
// (libsrt at 10% loss, 8x RTT: 21, 104 and 1 in three runs before);
// compare the two receivers in the same quiet window and re-run outliers.
package session
