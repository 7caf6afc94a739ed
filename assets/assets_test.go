package assets

import "testing"

// TestDemoTS checks the embedded clip is a whole number of aligned TS
// packets and stays inside its size budget.
func TestDemoTS(t *testing.T) {
	const tsPacket = 188
	if n := len(DemoTS); n == 0 || n >= 1<<20 {
		t.Fatalf("DemoTS is %d bytes, want 1..%d", n, 1<<20-1)
	}
	if len(DemoTS)%tsPacket != 0 {
		t.Fatalf("DemoTS is %d bytes, not a multiple of %d", len(DemoTS), tsPacket)
	}
	for off := 0; off < len(DemoTS); off += tsPacket {
		if DemoTS[off] != 0x47 {
			t.Fatalf("no sync byte at offset %d", off)
		}
	}
}

func TestIconPNG(t *testing.T) {
	if len(IconPNG) < 8 || string(IconPNG[1:4]) != "PNG" {
		t.Fatalf("IconPNG is not a PNG (%d bytes)", len(IconPNG))
	}
}
