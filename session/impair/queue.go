package impair

import (
	"net/netip"
	"sync"
)

// delayed is one packet waiting in a delay queue.
type delayed struct {
	at   int64  // ns since the relay was created: when it is due out
	seq  uint64 // read order, breaks ties so equal times keep their order
	buf  *[]byte
	n    int
	dest netip.AddrPort
}

// delayHeap is a binary min-heap of packets by due time, then read order.
// It is typed rather than container/heap so that pushing and popping do not
// box every packet into an interface (an allocation per packet).
type delayHeap []delayed

func (h delayHeap) less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}

func (h *delayHeap) push(p delayed) {
	*h = append(*h, p)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if !s.less(i, parent) {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

func (h *delayHeap) pop() delayed {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s[last] = delayed{} // drop the buffer reference
	s = s[:last]
	for i := 0; ; {
		small, l, r := i, 2*i+1, 2*i+2
		if l < len(s) && s.less(l, small) {
			small = l
		}
		if r < len(s) && s.less(r, small) {
			small = r
		}
		if small == i {
			break
		}
		s[i], s[small] = s[small], s[i]
		i = small
	}
	*h = s
	return top
}

// delayQueue holds one direction's delayed packets. The reading goroutine
// pushes, one writing goroutine pops when the head is due: a timer, not a
// goroutine per packet.
type delayQueue struct {
	mu    sync.Mutex
	h     delayHeap
	limit int
	// wake has room for one signal: "the head may have changed".
	wake chan struct{}
}

func newDelayQueue(limit int) *delayQueue {
	return &delayQueue{limit: limit, wake: make(chan struct{}, 1)}
}

// push queues p and reports false when the queue is full.
func (q *delayQueue) push(p delayed) bool {
	q.mu.Lock()
	if len(q.h) >= q.limit {
		q.mu.Unlock()
		return false
	}
	q.h.push(p)
	head := q.h[0].seq == p.seq
	q.mu.Unlock()
	if head {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return true
}

// popDue removes and returns the head if it is due at now. Otherwise it
// returns the head's due time (ok=false, wait=true) or, for an empty queue,
// wait=false.
func (q *delayQueue) popDue(now int64) (p delayed, ok bool, next int64, wait bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.h) == 0 {
		return delayed{}, false, 0, false
	}
	if q.h[0].at <= now {
		return q.h.pop(), true, 0, false
	}
	return delayed{}, false, q.h[0].at, true
}

// drain empties the queue and returns how many packets it held.
func (q *delayQueue) drain(release func(*[]byte)) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := len(q.h)
	for _, p := range q.h {
		release(p.buf)
	}
	q.h = nil
	return n
}

// len returns the number of packets waiting.
func (q *delayQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.h)
}
