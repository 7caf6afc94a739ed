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
// the tap reads it), and the batch goes on to gosrt in one sendmmsg, runs
// of equal-size datagrams as one GSO message each (see batchWriter). The
// tap never waits to gather a batch: it forwards what one read gave at
// once, so no datagram, control packets least of all (the ACKACK times
// gosrt's RTT), is held back; the package doc has the measurements.
//
// tapBatchSize is the most datagrams one call moves: 64 are 13 ms at
// 50 Mbit/s.
const tapBatchSize = 64

// batchReader reads datagrams with recvmmsg, with kernel arrival times.
type batchReader struct {
	rc    syscall.RawConn
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrAny
	oob   []byte             // tapOOB bytes per datagram
	err   error              // the last call's error (set inside rc.Read)
	n     int                // the last call's datagrams
	recvf func(uintptr) bool // r.recv, made once: a method value passed to rc.Read is allocated per call
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
	r.recvf = r.recv
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
	err := r.rc.Read(r.recvf)
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
// one fixed address. Runs of equal-size datagrams (SRT data packets of a
// steady stream) go as one UDP GSO message each (UDP_SEGMENT): the kernel
// takes a run through its IP and UDP send path and the loopback device
// once, and splits it into the original datagrams where gosrt's socket,
// which does not ask for GRO, receives them. A datagram shorter than the
// run's size may end the run (it becomes the last segment), so the order
// of all datagrams is kept. Where the kernel refuses GSO, the writer sends
// one message per datagram from then on.
type batchWriter struct {
	rc     syscall.RawConn
	hdrs   []unix.Mmsghdr
	iovs   []unix.Iovec
	oob    []byte                // one UDP_SEGMENT control message per message
	ends   []int                 // the datagram (index in b) after each message's last
	to     unix.RawSockaddrInet4 // the destination of an unconnected socket
	name   bool                  // send to `to`
	noGSO  bool                  // the kernel refused GSO: one datagram per message
	sent   int                   // the last call's messages sent, set inside rc.Write
	failed syscall.Errno         // the error of the message after them, set inside rc.Write
	todo   []unix.Mmsghdr
	sendf  func(uintptr) bool // w.send, made once: a method value passed to rc.Write is allocated per call
}

// GSO limits: the kernel takes at most 64 segments per message (more
// since Linux 6.9, 64 everywhere) and at most an IPv4 datagram's payload.
const (
	gsoMaxSegments = 64
	gsoMaxBytes    = 65535 - 20 - 8
)

// gsoCmsgSpace is the room of one UDP_SEGMENT control message (a uint16).
var gsoCmsgSpace = unix.CmsgSpace(2)

// newBatchWriter prepares batched writes on c: to the address it is
// connected to, or to `to` when it is valid (IPv4 loopback only: the tap
// writes to gosrt's loopback socket).
func newBatchWriter(c *net.UDPConn, to netip.AddrPort) (*batchWriter, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("session: tap socket: %w", err)
	}
	w := &batchWriter{rc: rc, hdrs: make([]unix.Mmsghdr, tapBatchSize), iovs: make([]unix.Iovec, tapBatchSize),
		oob: make([]byte, gsoCmsgSpace*tapBatchSize), ends: make([]int, tapBatchSize)}
	for i := range tapBatchSize {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&w.oob[i*gsoCmsgSpace]))
		h.Level, h.Type = unix.SOL_UDP, unix.UDP_SEGMENT
		h.SetLen(unix.CmsgLen(2))
	}
	w.sendf = w.send
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

// plan lays out datagrams i..j of b as messages, from message 0: a run of
// equal-size datagrams (and a shorter one after it) per GSO message, or
// one datagram per message without GSO. It returns the number of messages.
func (w *batchWriter) plan(b *tapBatch, i, j int) int {
	for k := i; k < j; k++ {
		w.iovs[k-i].Base = &b.bufs[k][0]
		w.iovs[k-i].SetLen(b.size[k])
	}
	m := 0
	for k := i; k < j; m++ {
		size, e := b.size[k], k+1
		if !w.noGSO && size > 0 {
			limit := min(gsoMaxSegments, gsoMaxBytes/size)
			for e < j && e-k < limit && b.size[e] == size {
				e++
			}
			if e < j && e-k < limit && b.size[e] > 0 && b.size[e] < size && (e-k)*size+b.size[e] <= gsoMaxBytes {
				e++ // the shorter datagram ends the run as its last segment
			}
		}
		h := &w.hdrs[m].Hdr
		h.Iov = &w.iovs[k-i]
		h.SetIovlen(e - k)
		h.Control, h.Controllen = nil, 0
		if e-k > 1 {
			h.Control = &w.oob[m*gsoCmsgSpace]
			*(*uint16)(unsafe.Pointer(&w.oob[m*gsoCmsgSpace+unix.CmsgLen(0)])) = uint16(size)
			h.SetControllen(gsoCmsgSpace)
		}
		if w.name {
			h.Name = (*byte)(unsafe.Pointer(&w.to))
			h.Namelen = unix.SizeofSockaddrInet4
		} else {
			h.Name, h.Namelen = nil, 0
		}
		w.ends[m] = e
		k = e
	}
	return m
}

// write sends datagrams i..j of b, in order.
func (w *batchWriter) write(b *tapBatch, i, j int) error {
	first, n := i, w.plan(b, i, j) // messages 0..n-1 carry datagrams first..j-1
	for m := 0; m < n; {
		w.todo = w.hdrs[m:n]
		w.sent, w.failed = 0, 0
		if err := w.rc.Write(w.sendf); err != nil {
			return err
		}
		m += w.sent
		if w.failed == 0 {
			continue
		}
		start := first
		if m > 0 {
			start = w.ends[m-1]
		}
		if !w.noGSO && w.ends[m]-start > 1 && (w.failed == unix.EIO || w.failed == unix.EINVAL || w.failed == unix.ENOPROTOOPT) {
			// No GSO here (a device without checksum offload, an old
			// kernel): the rest goes one datagram per message, and so
			// does everything after.
			w.noGSO = true
			first, n, m = start, w.plan(b, start, j), 0
			continue
		}
		// Refused (gosrt's socket is gone as a connection ends) or any
		// other failure: the message is lost, as a datagram may be; the
		// others go on.
		m++
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
		w.failed = e // the first message failed
	}
	return true
}
