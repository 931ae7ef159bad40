package fuzz

import (
	"context"
	"slices"
	"testing"
)

// Jobs are taken in order, a job pushed to the front first; a closed queue takes no more
// and its consumers end once it is empty.
func TestJobQueueOrder(t *testing.T) {
	q := newJobQueue[int]()
	q.push(1)
	q.push(2)
	q.pushFront(0)
	if q.queued() != 3 || q.pending() != 3 {
		t.Fatalf("queued %d, pending %d", q.queued(), q.pending())
	}
	j, have, _ := q.take()
	if !have || j != 0 || q.pending() != 3 {
		t.Fatalf("took %d (%v), pending %d", j, have, q.pending())
	}
	q.finished()
	q.close()
	if q.push(9) {
		t.Error("a closed queue took a job")
	}
	var got []int
	q.consume(context.Background(), func(j int) { got = append(got, j) })
	if !slices.Equal(got, []int{1, 2}) || q.pending() != 0 {
		t.Errorf("consumed %v, pending %d", got, q.pending())
	}
}
