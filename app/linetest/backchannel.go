package linetest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/srtscope/srtscope/probe/ts"
)

// The back channel: SRT carries data both ways, so an srtscope receiver
// (Receive) tells the sender its own figures on the step's connection.
//
//	receiver, on connect:   "SRTSCOPE-LINETEST-HELLO 1"
//	sender, after the step: one TS packet on the null PID whose payload
//	                        starts "SRTSCOPE-LINETEST-END <step> "
//	receiver, on that END:  "SRTSCOPE-LINETEST-REPORT " + ReceiverStep as JSON
//
// The END packet plays after every packet of the step, so when the
// receiver delivers it, each of them has been delivered or dropped. A
// libsrt receiver sends no HELLO, and the sender then neither sends the
// END packet nor waits: its own figures judge the step.
//
// Any of these messages can be lost for good on a lossy link with a short
// latency (a packet not repaired within the latency is dropped), so each
// is repeated: the receiver says HELLO on connect and with each of its
// first helloRepeats samples, the sender resends END every endRepeat until
// the report comes, and the receiver answers every END with its report
// (its onStep still sees the step once).
const (
	helloMsg     = "SRTSCOPE-LINETEST-HELLO 1"
	reportPrefix = "SRTSCOPE-LINETEST-REPORT "
	endPrefix    = "SRTSCOPE-LINETEST-END "
	nullPID      = 0x1FFF
	// maxReply is the most a reply may be: one SRT payload.
	maxReply = 1316
	// endRepeat is how often the sender resends the END packet while it
	// waits for the report.
	endRepeat = 100 * time.Millisecond
	// helloRepeats is how many of its first once-a-second samples after a
	// connect the receiver says HELLO again with.
	helloRepeats = 3
)

// reportWait is how long the sender waits for the receiver's report after
// sending the END packet: the END packet and the report each wait a
// latency in a receive buffer, plus a round trip and a margin.
func reportWait(latencyMs int) time.Duration {
	return 2*time.Duration(latencyMs)*time.Millisecond + 2*time.Second
}

// EndPacket is the TS packet that ends step number step.
func EndPacket(step int) [ts.PacketSize]byte {
	var p [ts.PacketSize]byte
	for i := range p {
		p[i] = 0xff
	}
	ts.NewHeader(nullPID, false, 1, 0).Put(p[:])
	copy(p[ts.HeaderSize:], endPrefix+strconv.Itoa(step)+" ")
	return p
}

// ParseEnd reads the step number of an END packet; ok is false for any
// other packet.
func ParseEnd(pkt []byte) (step int, ok bool) {
	if len(pkt) != ts.PacketSize || pkt[0] != ts.SyncByte || ts.HeaderOf(pkt).PID() != nullPID {
		return 0, false
	}
	payload := ts.Payload(pkt)
	rest, found := strings.CutPrefix(string(payload[:min(len(payload), 48)]), endPrefix)
	if !found {
		return 0, false
	}
	f := strings.Fields(rest)
	if len(f) < 1 {
		return 0, false
	}
	st, err := strconv.Atoi(f[0])
	if err != nil || st < 1 {
		return 0, false
	}
	return st, true
}

// reportMsg is the receiver's report of st, as sent back.
func reportMsg(st ReceiverStep) []byte {
	b, _ := json.Marshal(st) // plain numbers: cannot fail
	return append([]byte(reportPrefix), b...)
}

// Reply is what the far end sent back, as ParseReply reads it.
type Reply struct {
	Hello  bool          // the far end is an srtscope receiver that reports
	Report *ReceiverStep // its report of a step, else nil
}

// ParseReply reads a message the far end sent back; ok is false for
// anything that is not a well-formed HELLO or report.
func ParseReply(msg []byte) (r Reply, ok bool) {
	if len(msg) > maxReply {
		return Reply{}, false
	}
	if bytes.Equal(msg, []byte(helloMsg)) {
		return Reply{Hello: true}, true
	}
	body, found := bytes.CutPrefix(msg, []byte(reportPrefix))
	if !found {
		return Reply{}, false
	}
	var st ReceiverStep
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&st); err != nil || dec.More() || st.Step < 1 ||
		st.PktsLost > st.PktsRecv+st.PktsDropped || st.LossPct < 0 || st.LossPct > 100 {
		return Reply{}, false
	}
	return Reply{Report: &st}, true
}
