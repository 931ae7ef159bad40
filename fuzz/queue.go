package fuzz

import (
	"context"
	"sync"
)

// jobQueue is an unbounded queue of work for a few goroutines of the session: jobs wait in
// order, busy counts the ones taken and not finished, and closed says no more will come.
type jobQueue[T any] struct {
	mu     sync.Mutex
	jobs   []T
	busy   int
	closed bool
	wake   chan struct{} // one token: something was pushed, or the queue closed
	ended  chan struct{} // closed with the queue, so that every consumer sees it
}

func newJobQueue[T any]() jobQueue[T] {
	return jobQueue[T]{wake: make(chan struct{}, 1), ended: make(chan struct{})}
}

// push queues a job and wakes a consumer; after close it says false and drops the job.
func (q *jobQueue[T]) push(j T) bool { return q.put(j, false) }

// pushFront is push to the head of the queue: the job is taken next.
func (q *jobQueue[T]) pushFront(j T) bool { return q.put(j, true) }

func (q *jobQueue[T]) put(j T, front bool) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	if front {
		q.jobs = append([]T{j}, q.jobs...)
	} else {
		q.jobs = append(q.jobs, j)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// take hands out the next job, which stays busy until finished; have is false when the
// queue is empty, and closed then says no more will come.
func (q *jobQueue[T]) take() (j T, have, closed bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.jobs) == 0 {
		return j, false, q.closed
	}
	j, q.jobs = q.jobs[0], q.jobs[1:]
	q.busy++
	// Another job may be waiting for another consumer.
	if len(q.jobs) > 0 {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return j, true, q.closed
}

// finished ends a job taken before.
func (q *jobQueue[T]) finished() {
	q.mu.Lock()
	q.busy--
	q.mu.Unlock()
}

// close says no more jobs will come: consumers end once the queue is empty.
func (q *jobQueue[T]) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.ended)
	}
}

// drop empties the queue and returns what it held.
func (q *jobQueue[T]) drop() []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.jobs
	q.jobs = nil
	return out
}

// queued counts the jobs waiting; pending adds the ones being worked on.
func (q *jobQueue[T]) queued() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.jobs)
}

func (q *jobQueue[T]) pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.jobs) + q.busy
}

// consume runs do on each job in turn until the queue is closed and empty, or ctx ends.
func (q *jobQueue[T]) consume(ctx context.Context, do func(T)) {
	for ctx.Err() == nil {
		j, have, closed := q.take()
		if !have {
			if closed {
				return
			}
			select {
			case <-q.wake:
			case <-q.ended:
			case <-ctx.Done():
			}
			continue
		}
		do(j)
		q.finished()
	}
}
