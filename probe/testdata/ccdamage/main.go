// Command ccdamage copies an MPEG-TS file, removing and duplicating chosen
// packets so that the continuity-counter errors per PID are known exactly.
//
// It counts, per PID, the packets that carry a payload (only those advance
// the continuity counter) and removes the Nth one of the lists below: each
// removal is exactly one CC error because removals on a PID are never
// adjacent. The duplicated packets are legal (ISO/IEC 13818-1 allows one
// repeat) and must not count as errors. The numbers are repeated in
// ../README.md.
//
// Usage: go run ./probe/testdata/ccdamage IN.ts OUT.ts
package main

import (
	"fmt"
	"os"
)

var drop = map[uint16][]int{
	0x100: {10, 35, 60, 85, 110},
	0x101: {10, 30, 50},
}

var dup = map[uint16][]int{
	0x100: {50},
	0x101: {20},
}

func has(list []int, n int) bool {
	for _, v := range list {
		if v == n {
			return true
		}
	}
	return false
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: ccdamage IN.ts OUT.ts")
		os.Exit(2)
	}
	in, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if len(in)%188 != 0 {
		fmt.Fprintln(os.Stderr, "input is not a whole number of 188-byte packets")
		os.Exit(1)
	}
	count := map[uint16]int{}
	dropped := map[uint16]int{}
	out := make([]byte, 0, len(in)+188*4)
	for off := 0; off < len(in); off += 188 {
		p := in[off : off+188]
		pid := uint16(p[1]&0x1f)<<8 | uint16(p[2])
		if p[3]&0x10 != 0 { // payload present
			count[pid]++
			n := count[pid]
			if has(drop[pid], n) {
				dropped[pid]++
				continue
			}
			if has(dup[pid], n) {
				out = append(out, p...)
			}
		}
		out = append(out, p...)
	}
	for pid, list := range drop {
		if dropped[pid] != len(list) {
			fmt.Fprintf(os.Stderr, "PID 0x%x: dropped %d packets, wanted %d (input too short)\n", pid, dropped[pid], len(list))
			os.Exit(1)
		}
	}
	if err := os.WriteFile(os.Args[2], out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("ccdamage: dropped %v, duplicated %v\n", dropped, dup)
}
