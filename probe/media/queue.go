package media

import (
	"context"
	"sync"
)

// byteQueue is a bounded FIFO of byte chunks. Push never blocks: what does
// not fit is dropped whole and counted.
type byteQueue struct {
	mu      sync.Mutex
	chunks  [][]byte
	size    int
	limit   int
	in      uint64
	skipped uint64
	closed  bool
	notify  chan struct{}
}

func newByteQueue(limit int) *byteQueue {
	return &byteQueue{limit: limit, notify: make(chan struct{}, 1)}
}

// push copies p into the queue, or counts it as skipped when full or closed.
func (q *byteQueue) push(p []byte) {
	if len(p) == 0 {
		return
	}
	q.mu.Lock()
	q.in += uint64(len(p))
	if q.closed || q.size+len(p) > q.limit {
		q.skipped += uint64(len(p))
		q.mu.Unlock()
		return
	}
	q.chunks = append(q.chunks, append([]byte(nil), p...))
	q.size += len(p)
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// pop waits for the next chunk. It returns nil when the context is done or
// the queue is closed and empty.
func (q *byteQueue) pop(ctx context.Context) []byte {
	for {
		q.mu.Lock()
		if len(q.chunks) > 0 {
			c := q.chunks[0]
			q.chunks[0] = nil
			q.chunks = q.chunks[1:]
			q.size -= len(c)
			q.mu.Unlock()
			return c
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-q.notify:
		}
	}
}

// drain drops everything queued and counts it as skipped.
func (q *byteQueue) drain() {
	q.mu.Lock()
	q.skipped += uint64(q.size)
	q.chunks, q.size = nil, 0
	q.mu.Unlock()
}

// close makes further pushes count as skipped and wakes pop once the queue
// is empty.
func (q *byteQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

func (q *byteQueue) counts() (in, skipped uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.in, q.skipped
}
