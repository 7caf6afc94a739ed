package probe

import (
	"math"
	"strconv"
	"testing"
)

// TestFixtureCues checks that the probe finds exactly the SCTE-35 cues of
// the README's table, and counts the damaged one as a CRC error.
func TestFixtureCues(t *testing.T) {
	rows := truthTable(t, "command")
	byFile := map[string][]Cue{}
	for _, row := range rows {
		if _, ok := byFile[row["file"]]; !ok {
			byFile[row["file"]] = fixture(t, row["file"]).Cues
		}
	}
	for file, cues := range byFile {
		t.Run(file, func(t *testing.T) {
			found := map[int]bool{}
			bad := 0
			for _, row := range rows {
				if row["file"] != file {
					continue
				}
				if row["crc"] == "bad" {
					bad++
				}
				if row["command"] != "splice_insert" && row["command"] != "time_signal" || row["crc"] == "bad" {
					for _, c := range cues {
						if row["event_id"] != "-" && strconv.Itoa(int(c.EventID)) == row["event_id"] {
							t.Errorf("%s %s (CRC %s) reported as a cue: %+v", row["command"], row["event_id"], row["crc"], c)
						}
					}
					continue
				}
				i := -1
				for k, c := range cues {
					if strconv.Itoa(int(c.EventID)) == row["event_id"] && c.Command == row["command"] {
						i = k
					}
				}
				if i < 0 {
					t.Errorf("cue %s %s missing; cues: %+v", row["command"], row["event_id"], cues)
					continue
				}
				found[i] = true
				c := cues[i]
				num := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
				if got := strconv.Itoa(int(c.PID)); got != row["pid"] {
					t.Errorf("event %d: pid %s, want %s", c.EventID, got, row["pid"])
				}
				if got := strconv.FormatBool(c.OutOfNetwork); got != row["out_of_network"] {
					t.Errorf("event %d: out_of_network %s, want %s", c.EventID, got, row["out_of_network"])
				}
				if d := math.Abs(c.PTSS - num(row["pts_s"])); d > 0.001 {
					t.Errorf("event %d: pts_s %.6f, want %s ± 1 ms", c.EventID, c.PTSS, row["pts_s"])
				}
				if d := math.Abs(c.DurationS - num(row["duration_s"])); d > 0.001 {
					t.Errorf("event %d: duration_s %.6f, want %s", c.EventID, c.DurationS, row["duration_s"])
				}
				if d := math.Abs(c.PrerollS - num(row["preroll_s"])); d > 0.02 {
					t.Errorf("event %d: preroll_s %.4f, want %s ± 0.02", c.EventID, c.PrerollS, row["preroll_s"])
				}
				if math.Abs(c.ArrivalS+c.PrerollS-c.PTSS) > 1e-5 {
					t.Errorf("event %d: arrival %.6f + preroll %.6f != pts %.6f", c.EventID, c.ArrivalS, c.PrerollS, c.PTSS)
				}
			}
			if len(found) != len(cues) {
				t.Errorf("%d cues reported, %d in the README: %+v", len(cues), len(found), cues)
			}
			r := fixture(t, file)
			if got := int(r.TR101290.CRCError); got != bad {
				t.Errorf("crc_error %d, want %d (the damaged sections)", got, bad)
			}
		})
	}
}

func TestFixtureServices(t *testing.T) {
	for _, row := range truthTable(t, "service_program") {
		t.Run(row["file"]+"/"+row["service_program"], func(t *testing.T) {
			r := fixture(t, row["file"])
			for _, p := range r.Programs {
				if strconv.Itoa(int(p.Number)) != row["service_program"] {
					continue
				}
				if p.ServiceName != row["service_name"] || p.ProviderName != row["provider_name"] {
					t.Errorf("service %q provider %q, want %q %q", p.ServiceName, p.ProviderName, row["service_name"], row["provider_name"])
				}
				return
			}
			t.Errorf("program %s missing", row["service_program"])
		})
	}
}
