//go:build !linux

package session

import (
	"net"
	"net/netip"
)

// Elsewhere than on Linux the tap moves one datagram per call and times it
// when it reads it.
const tapBatchSize = 1

// batchReader reads one datagram at a time.
type batchReader struct{ c *net.UDPConn }

func newBatchReader(c *net.UDPConn, _ *tapBatch) (*batchReader, error) {
	return &batchReader{c: c}, nil
}

// read blocks until a datagram arrives and reads it into b.
func (r *batchReader) read(b *tapBatch) error {
	n, from, err := r.c.ReadFromUDPAddrPort(b.bufs[0])
	if err != nil {
		b.n = 0
		return err
	}
	b.n, b.size[0], b.from[0], b.at[0] = 1, n, from, monoNow()
	return nil
}

// batchWriter writes datagrams one by one on a connected socket, or to
// one fixed address.
type batchWriter struct {
	c  *net.UDPConn
	to netip.AddrPort
}

func newBatchWriter(c *net.UDPConn, to netip.AddrPort) (*batchWriter, error) {
	return &batchWriter{c: c, to: to}, nil
}

func (w *batchWriter) setTo(to netip.AddrPort) { w.to = to }

// write sends datagrams i..j of b, in order; a datagram the system refuses
// is lost, as a datagram may be.
func (w *batchWriter) write(b *tapBatch, i, j int) error {
	for k := i; k < j; k++ {
		var err error
		if w.to.IsValid() {
			_, err = w.c.WriteToUDPAddrPort(b.bufs[k][:b.size[k]], w.to)
		} else {
			_, err = w.c.Write(b.bufs[k][:b.size[k]])
		}
		if isClosed(err) {
			return err
		}
	}
	return nil
}
