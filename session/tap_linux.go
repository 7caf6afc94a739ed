//go:build linux

package session

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// On Linux the tap moves datagrams in batches: recvmmsg reads every
// datagram queued on the public socket in one call, the kernel stamps each
// with its arrival time (SO_TIMESTAMPNS, so the time is exact however late
// the tap reads it), and sendmmsg passes a batch on to gosrt in one call,
// which also wakes gosrt's reading goroutine once per batch instead of once
// per packet. A datagram costs the tap a share of two system calls and of
// one wake-up instead of two calls and a wake-up of its own; measured, the
// CPU hardly changed (the kernel's work per datagram dominates, see the
// package doc), but every arrival time is the kernel's.
//
// tapBatchSize is the most datagrams one call moves: 64 are 13 ms at
// 50 Mbit/s, far more than arrive during the tap's pause (tapHold).
const tapBatchSize = 64

// tapHold is how long the tap pauses after a batch while datagrams arrive
// closer together than that, so that the next batch holds several: each
// datagram then reaches gosrt up to tapHold later (its arrival time, from
// the kernel, is not affected). Below about 1000 datagrams per second the
// tap does not pause.
const tapHold = time.Millisecond

// batchReader reads datagrams with recvmmsg, with kernel arrival times.
type batchReader struct {
	rc    syscall.RawConn
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrAny
	oob   []byte // tapOOB bytes per datagram
	err   error  // the last call's error (set inside rc.Read)
	n     int    // the last call's datagrams
}

// tapOOB holds one SCM_TIMESTAMPNS control message (and room to spare).
const tapOOB = 64

// newBatchReader prepares batched reads from c into b's buffers and asks
// the kernel to time-stamp c's datagrams.
func newBatchReader(c *net.UDPConn, b *tapBatch) (*batchReader, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("session: tap socket: %w", err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil {
		return nil, fmt.Errorf("session: tap socket: %w", err)
	}
	if serr != nil {
		return nil, fmt.Errorf("session: tap socket: arrival time stamps: %w", serr)
	}
	r := &batchReader{
		rc:    rc,
		hdrs:  make([]unix.Mmsghdr, len(b.bufs)),
		iovs:  make([]unix.Iovec, len(b.bufs)),
		names: make([]unix.RawSockaddrAny, len(b.bufs)),
		oob:   make([]byte, tapOOB*len(b.bufs)),
	}
	for i := range r.hdrs {
		r.iovs[i].Base = &b.bufs[i][0]
		r.iovs[i].SetLen(len(b.bufs[i]))
		h := &r.hdrs[i].Hdr
		h.Iov = &r.iovs[i]
		h.SetIovlen(1)
		h.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		h.Control = &r.oob[i*tapOOB]
	}
	return r, nil
}

// read blocks until at least one datagram is queued and reads every
// queued datagram (up to the batch size) into b.
func (r *batchReader) read(b *tapBatch) error {
	r.err, r.n = nil, 0
	err := r.rc.Read(r.recv)
	if err == nil {
		err = r.err
	}
	if err != nil {
		b.n = 0
		return err
	}
	now := time.Now() // one clock reading per batch converts the kernel's times
	mono, wall := int64(now.Sub(monoEpoch)), now.UnixNano()
	b.n = r.n
	for i := range r.n {
		h := &r.hdrs[i]
		b.size[i] = int(h.Len)
		b.from[i] = sockaddrPort(&r.names[i])
		b.at[i] = mono
		if kt, ok := cmsgTimestamp(r.oob[i*tapOOB : i*tapOOB+int(h.Hdr.Controllen)]); ok {
			if age := wall - kt; age >= 0 && age < int64(time.Second) {
				b.at[i] = mono - age
			}
		}
	}
	return nil
}

// recv is the recvmmsg call, run by rc.Read whenever the socket is
// readable; false asks it to wait for the next datagram.
func (r *batchReader) recv(fd uintptr) bool {
	for i := range r.hdrs {
		h := &r.hdrs[i].Hdr
		h.Namelen = unix.SizeofSockaddrAny
		h.SetControllen(tapOOB)
		h.Flags = 0
	}
	n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hdrs[0])), uintptr(len(r.hdrs)), unix.MSG_DONTWAIT, 0, 0)
	switch e {
	case 0:
		r.n = int(n)
	case unix.EAGAIN, unix.EINTR:
		return false
	default:
		r.err = fmt.Errorf("session: tap: recvmmsg: %w", e)
	}
	return true
}

// cmsgTimestamp finds the SCM_TIMESTAMPNS time (ns since the epoch) in
// a datagram's control messages.
func cmsgTimestamp(oob []byte) (int64, bool) {
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < unix.SizeofCmsghdr || l > len(oob) {
			return 0, false
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS && l >= unix.SizeofCmsghdr+int(unsafe.Sizeof(unix.Timespec{})) {
			ts := (*unix.Timespec)(unsafe.Pointer(&oob[unix.SizeofCmsghdr]))
			return ts.Nano(), true
		}
		next := (l + int(unsafe.Sizeof(uintptr(0))) - 1) &^ (int(unsafe.Sizeof(uintptr(0))) - 1)
		if next >= len(oob) {
			break
		}
		oob = oob[next:]
	}
	return 0, false
}

// sockaddrPort reads a datagram's source address as net's ReadFromUDPAddrPort
// would (an IPv6 socket gives IPv4 peers as mapped addresses).
func sockaddrPort(sa *unix.RawSockaddrAny) netip.AddrPort {
	switch sa.Addr.Family {
	case unix.AF_INET:
		a := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		p := (*[2]byte)(unsafe.Pointer(&a.Port))
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(p[0])<<8|uint16(p[1]))
	case unix.AF_INET6:
		a := (*unix.RawSockaddrInet6)(unsafe.Pointer(sa))
		p := (*[2]byte)(unsafe.Pointer(&a.Port))
		ip := netip.AddrFrom16(a.Addr)
		if a.Scope_id != 0 {
			ip = ip.WithZone(strconv.FormatUint(uint64(a.Scope_id), 10))
		}
		return netip.AddrPortFrom(ip, uint16(p[0])<<8|uint16(p[1]))
	}
	return netip.AddrPort{}
}

// batchWriter sends datagrams with sendmmsg on a connected socket, or to
// one fixed address.
type batchWriter struct {
	rc   syscall.RawConn
	hdrs []unix.Mmsghdr
	iovs []unix.Iovec
	to   unix.RawSockaddrInet4 // the destination of an unconnected socket
	name bool                  // send to `to`
	sent int                   // the last call's datagrams, set inside rc.Write
	todo []unix.Mmsghdr
}

// newBatchWriter prepares batched writes on c: to the address it is
// connected to, or to `to` when it is valid (IPv4 loopback only: the tap
// writes to gosrt's loopback socket).
func newBatchWriter(c *net.UDPConn, to netip.AddrPort) (*batchWriter, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("session: tap socket: %w", err)
	}
	w := &batchWriter{rc: rc, hdrs: make([]unix.Mmsghdr, tapBatchSize), iovs: make([]unix.Iovec, tapBatchSize)}
	if to.IsValid() {
		w.setTo(to)
	}
	return w, nil
}

// setTo changes the destination of an unconnected socket.
func (w *batchWriter) setTo(to netip.AddrPort) {
	w.name = true
	w.to = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: to.Addr().Unmap().As4()}
	p := (*[2]byte)(unsafe.Pointer(&w.to.Port))
	p[0], p[1] = byte(to.Port()>>8), byte(to.Port())
}

// write sends datagrams i..j of b, in order.
func (w *batchWriter) write(b *tapBatch, i, j int) error {
	for k := i; k < j; k++ {
		m := &w.hdrs[k-i]
		w.iovs[k-i].Base = &b.bufs[k][0]
		w.iovs[k-i].SetLen(b.size[k])
		m.Hdr.Iov = &w.iovs[k-i]
		m.Hdr.SetIovlen(1)
		if w.name {
			m.Hdr.Name = (*byte)(unsafe.Pointer(&w.to))
			m.Hdr.Namelen = unix.SizeofSockaddrInet4
		}
	}
	w.todo = w.hdrs[:j-i]
	for len(w.todo) > 0 {
		w.sent = 0
		if err := w.rc.Write(w.send); err != nil {
			return err
		}
		w.todo = w.todo[w.sent:]
	}
	return nil
}

// send is the sendmmsg call, run by rc.Write; false waits until the
// socket can take more.
func (w *batchWriter) send(fd uintptr) bool {
	n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&w.todo[0])), uintptr(len(w.todo)), unix.MSG_DONTWAIT, 0, 0)
	switch e {
	case 0:
		w.sent = int(n)
	case unix.EAGAIN, unix.EINTR:
		return false
	default:
		// Refused (gosrt's socket is gone as a connection ends) or any
		// other failure of the first datagram: it is lost, as a datagram
		// may be; the others go on.
		w.sent = 1
	}
	return true
}
