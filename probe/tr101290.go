package probe

// check identifies one ETSI TR 101 290 priority 1 or 2 indicator.
type check int

const (
	chkTSSyncLoss check = iota
	chkSyncByte
	chkPAT
	chkCC
	chkPMT
	chkPID
	chkTransport
	chkCRC
	chkPCRRepetition
	chkPCRDiscontinuity
	chkPTS
	numChecks
)

var checkNames = [numChecks]string{
	"ts_sync_loss", "sync_byte_error", "pat_error", "cc_error", "pmt_error", "pid_error",
	"transport_error", "crc_error", "pcr_repetition_error", "pcr_discontinuity_error", "pts_error",
}

var checkPriority = [numChecks]int{1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2}

// checkWords explains each indicator to a technical director.
var checkWords = [numChecks]string{
	"transport stream sync lost (2 or more bad sync bytes in a row)",
	"packet with a sync byte other than 0x47",
	"PAT missing for more than 0.5 s, on the wrong table_id or scrambled",
	"continuity counter jump: packets lost or out of order",
	"a program's PMT missing for more than 0.5 s or scrambled",
	"a PID listed in a PMT did not arrive for longer than the PID timeout",
	"packet flagged with the transport error indicator (uncorrectable upstream)",
	"PAT, PMT, SDT or SCTE-35 section failed its CRC32 check",
	"PCR gap longer than 40 ms (a gap over 100 ms counts here too)",
	"PCR jumped (more than 100 ms or backwards) without the discontinuity flag",
	"no PTS for more than 700 ms on an audio or video PID",
}

// counter is one indicator's count with the first and last occurrence.
type counter struct {
	n                 uint64
	firstT, lastT     int64 // stream clock, 27 MHz ticks from the first PCR
	firstPkt, lastPkt uint64
}

func (c *counter) add(t int64, pkt uint64) {
	if c.n == 0 {
		c.firstT, c.firstPkt = t, pkt
	}
	c.n++
	c.lastT, c.lastPkt = t, pkt
}

// CheckDetail is one TR 101 290 indicator that fired, with when it fired
// first and last.
type CheckDetail struct {
	Check       string  `json:"check"`
	Priority    int     `json:"priority"`
	Count       uint64  `json:"count"`
	FirstS      float64 `json:"first_s"`      // media time of the first occurrence
	LastS       float64 `json:"last_s"`       // media time of the last occurrence
	FirstPacket uint64  `json:"first_packet"` // 1-based packet number of the first occurrence
	LastPacket  uint64  `json:"last_packet"`
	Meaning     string  `json:"meaning"`
}

func (a *Analyzer) tr(c check) {
	a.checks[c].add(a.now, a.pktN)
}

func (a *Analyzer) trReport() (TR101290, []CheckDetail) {
	c := &a.checks
	t := TR101290{
		TSSyncLoss:            c[chkTSSyncLoss].n,
		SyncByteError:         c[chkSyncByte].n,
		PATError:              c[chkPAT].n,
		CCError:               c[chkCC].n,
		PMTError:              c[chkPMT].n,
		PIDError:              c[chkPID].n,
		TransportError:        c[chkTransport].n,
		CRCError:              c[chkCRC].n,
		PCRRepetitionError:    c[chkPCRRepetition].n,
		PCRDiscontinuityError: c[chkPCRDiscontinuity].n,
		PTSError:              c[chkPTS].n,
	}
	var d []CheckDetail
	for i := range c {
		if c[i].n == 0 {
			continue
		}
		d = append(d, CheckDetail{
			Check: checkNames[i], Priority: checkPriority[i], Count: c[i].n,
			FirstS: ticksToS(c[i].firstT), LastS: ticksToS(c[i].lastT),
			FirstPacket: c[i].firstPkt, LastPacket: c[i].lastPkt,
			Meaning: checkWords[i],
		})
	}
	return t, d
}

func ticksToS(t int64) float64 { return float64(t) / 27e6 }
