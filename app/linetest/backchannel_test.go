package linetest

import (
	"strings"
	"testing"
)

func TestParseReply(t *testing.T) {
	good := ReceiverStep{Step: 2, Mbps: 8, RecvMbps: 7.9, PktsRecv: 1000, PktsLost: 12, PktsRetrans: 10, PktsDropped: 2, LossPct: 1.2, RTTMs: 20}
	tests := []struct {
		name  string
		msg   string
		ok    bool
		hello bool
		step  int
	}{
		{name: "hello", msg: helloMsg, ok: true, hello: true},
		{name: "report", msg: string(reportMsg(good)), ok: true, step: 2},
		{name: "report with a field from a newer version", msg: reportPrefix + `{"step":3,"pkts_recv":5,"new":1}`, ok: true, step: 3},
		{name: "step 0", msg: reportPrefix + `{"step":0}`},
		{name: "more lost than sent", msg: reportPrefix + `{"step":1,"pkts_recv":1,"pkts_lost":5}`},
		{name: "loss over 100%", msg: reportPrefix + `{"step":1,"pkts_recv":1,"loss_pct":101}`},
		{name: "two objects", msg: reportPrefix + `{"step":1}{"step":2}`},
		{name: "not JSON", msg: reportPrefix + `step 1`},
		{name: "other data", msg: "hello"},
		{name: "too long", msg: reportPrefix + `{"step":1}` + strings.Repeat(" ", maxReply)},
	}
	for _, tc := range tests {
		r, ok := ParseReply([]byte(tc.msg))
		if ok != tc.ok || r.Hello != tc.hello || (r.Report != nil) != (tc.step > 0) || (r.Report != nil && r.Report.Step != tc.step) {
			t.Errorf("%s: ParseReply = %+v, %v", tc.name, r, ok)
		}
	}
	if r, _ := ParseReply(reportMsg(good)); r.Report == nil || *r.Report != good {
		t.Errorf("report round trip: %+v; want %+v", r.Report, good)
	}
}

func TestEndPacket(t *testing.T) {
	tests := []struct {
		name string
		pkt  []byte
		step int
		ok   bool
	}{
		{name: "end of step 7", pkt: endOf(7), step: 7, ok: true},
		{name: "a data packet", pkt: dataPacket(), ok: false},
		{name: "short", pkt: endOf(7)[:100], ok: false},
	}
	for _, tc := range tests {
		st, ok := ParseEnd(tc.pkt)
		if st != tc.step || ok != tc.ok {
			t.Errorf("%s: ParseEnd = %d, %v; want %d, %v", tc.name, st, ok, tc.step, tc.ok)
		}
	}
}

func endOf(step int) []byte { p := EndPacket(step); return p[:] }

func dataPacket() []byte {
	var p [188]byte
	s := NewStream(1, 4, 2e9)
	s.packet(5, &p)
	return p[:]
}

func FuzzParseReply(f *testing.F) {
	f.Add([]byte(helloMsg))
	f.Add(reportMsg(ReceiverStep{Step: 1, PktsRecv: 10, PktsLost: 1, PktsRetrans: 1, LossPct: 10}))
	f.Add([]byte(reportPrefix + `{"step":1e9}`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		r, ok := ParseReply(msg)
		if !ok {
			return
		}
		if r.Hello == (r.Report != nil) {
			t.Fatalf("%q: %+v", msg, r)
		}
		if st := r.Report; st != nil && (st.Step < 1 || st.LossPct < 0 || st.LossPct > 100 || st.PktsLost > st.PktsRecv+st.PktsDropped) {
			t.Fatalf("%q: accepted %+v", msg, st)
		}
	})
}

func FuzzParseEnd(f *testing.F) {
	f.Add(endOf(1))
	f.Add(dataPacket())
	f.Fuzz(func(t *testing.T, pkt []byte) {
		if st, ok := ParseEnd(pkt); ok && (st < 1 || len(pkt) != 188) {
			t.Fatalf("%q: step %d", pkt, st)
		}
	})
}
