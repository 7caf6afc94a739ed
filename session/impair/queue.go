package impair

import (
	"container/heap"
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

// delayHeap orders packets by due time, then by read order.
type delayHeap []delayed

func (h delayHeap) Len() int { return len(h) }
func (h delayHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h delayHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *delayHeap) Push(x any)   { *h = append(*h, x.(delayed)) }
func (h *delayHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = delayed{}
	*h = old[:len(old)-1]
	return x
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
	heap.Push(&q.h, p)
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
		return heap.Pop(&q.h).(delayed), true, 0, false
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
